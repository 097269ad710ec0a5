"""PE-online: the attendance XML (built and checked against our XSD), its answers, and the web service."""
