"""A fake LRS at the port: a tiny in-memory statement store behind a real HTTP server on loopback.

For the client's branches that need an LRS answer we cannot cause on demand with Learning
Locker, or only slowly: 409 on a batch, 400 for one statement in a batch, 413 for a body that
is too large, and a 409 for a statement the LRS then does not show. The client talks to it over
real HTTP (requests, keep-alive, headers), so nothing inside the client is replaced. It follows
the xAPI 1.0.3 rules the client relies on: a batch is stored whole or not at all; the same id
with the same content is accepted again; a different content under a stored id is a 409;
duplicate ids inside one batch are a 400.

The real-LRS tests (tests/integration/xapi) check the premises on Learning Locker itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from xapi.comparison import same_statement


@dataclass
class FakeLrs:
    """State and knobs of the fake; ``endpoint`` is set once it serves.

    Attributes:
        refuse: Returns a reason when a statement is invalid (400), else None.
        max_body: Largest request body in bytes; larger ones answer 413.
        hidden: Ids the LRS reports as conflicting but does not return on GET (a broken LRS).
        requests: ``(method, number of statements)`` of every write, in order.
    """

    refuse: Callable[[dict[str, Any]], str | None] = lambda statement: None
    max_body: int = 10_000_000
    hidden: set[str] = field(default_factory=set)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, int]] = field(default_factory=list)
    endpoint: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, statements: list[dict[str, Any]], size: int) -> tuple[int, Any]:
        """Store a batch whole or not at all; returns (status, JSON body)."""
        if size > self.max_body:
            return 413, {"message": f"request body of {size} bytes is over {self.max_body}"}
        ids = [s.get("id") for s in statements]
        if len(set(ids)) != len(ids):
            return 400, {"message": "duplicate statement ids in one batch"}
        for statement in statements:
            reason = self.refuse(statement)
            if reason:
                return 400, {"message": f"Problem in statement {statement['id']}: {reason}"}
        for statement in statements:
            known = self.stored.get(statement["id"])
            if statement["id"] in self.hidden or (known is not None and not same_statement(statement, known)):
                return 409, {"message": f"{statement['id']} is conflicting"}
        for statement in statements:
            self.stored.setdefault(statement["id"], {**statement, "stored": "2026-01-01T00:00:00.000Z"})
        return 200, ids


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLrs

    def _answer(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> tuple[Any, int]:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        return json.loads(raw or b"null"), len(raw)

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body, size = self._body()
        statements = body if isinstance(body, list) else [body]
        with self.fake.lock:
            self.fake.requests.append(("POST", len(statements)))
            self._answer(*self.fake.write(statements, size))

    def do_PUT(self):  # noqa: N802
        body, size = self._body()
        statement_id = parse_qs(urlsplit(self.path).query).get("statementId", [""])[0]
        with self.fake.lock:
            self.fake.requests.append(("PUT", 1))
            status, answer = self.fake.write([{**body, "id": statement_id}], size)
        self._answer(204) if status == 200 else self._answer(status, answer)

    def do_GET(self):  # noqa: N802
        statement_id = parse_qs(urlsplit(self.path).query).get("statementId", [""])[0]
        with self.fake.lock:
            found = None if statement_id in self.fake.hidden else self.fake.stored.get(statement_id)
        self._answer(200, found) if found else self._answer(404, {"message": "not found"})

    def log_message(self, *args):
        pass


class serving:  # noqa: N801 (used as a context manager, like open)
    """``with serving(FakeLrs(...)) as fake:`` runs the fake on a free loopback port."""

    def __init__(self, fake: FakeLrs):
        self.fake = fake
        handler = type("Handler", (_Handler,), {"fake": fake})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeLrs:
        self.thread.start()
        self.fake.endpoint = f"http://127.0.0.1:{self.server.server_port}/xAPI/"
        return self.fake

    def __exit__(self, *exc_info: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
