"""Mail tests talk to a real SMTP server on loopback (tests/support/smtp.py)."""

from tests.support.smtp import smtp_server  # noqa: F401  (the fixture)
