"""Data package holding the Digitoets xAPI Profile (digitoets.jsonld)."""
