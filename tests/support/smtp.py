"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests.

``smtp_server`` starts it on a free port; ``stop()`` and ``start()`` take it down and bring it
back on the same port (the "mail server is down" tests). Recipients whose address starts with
``weiger`` are refused with a permanent 550, as a real server does for an unknown mailbox.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from service.jobs.mail import SmtpTarget

SENDER = "Digitoets <noreply@digitoets.example>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def _hold(self, stage: str) -> None:
        if self.server.hold_at == stage:
            self.server.holding.set()
            while self.server.hold_at == stage:
                await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._hold("RCPT")
        if address.lower().startswith("weiger"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._hold("DATA")
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(message)
        await self._hold("REPLY")  # the mail is taken; only the "250" has not gone out yet
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1:<port>; ``messages`` holds every mail it accepted, parsed."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None
        #: "RCPT", "DATA" (before taking the mail) or "REPLY" (after taking it, before saying so):
        #: the server stalls there until ``release()``
        self.hold_at: str | None = None
        self.holding = threading.Event()

    def hold(self, stage: str) -> None:
        self.holding.clear()
        self.hold_at = stage

    def release(self) -> None:
        self.hold_at = None

    def start(self) -> None:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=30)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def target(self, **overrides) -> SmtpTarget:
        return SmtpTarget(**{"host": "127.0.0.1", "port": self.port, "sender": SENDER, "security": "none",
                             "timeout": 30.0, **overrides})

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def wait_for(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        """The messages once ``count`` have arrived (generous timeout: only a failure waits it out)."""
        deadline = time.monotonic() + timeout
        while len(self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
