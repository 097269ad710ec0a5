"""Send one attendance document to PE-online's web service and read its answer.

HTTP POST, form-encoded, one field ``sXML`` (PE-online's documented call). Network trouble,
timeouts and 5xx answers raise ``PeOnlineUnavailableError`` (try again later); an answer
that is not a ``Summary`` raises ``InvalidDocumentError``.
"""

from __future__ import annotations

import requests

from service.outbound import GuardedSession
from service.pe_online.documents import SERVICE_PATH, Answer, read_answer


class PeOnlineUnavailableError(Exception):
    """Raised when PE-online could not be reached or answered with a server error: retry later."""


class PeOnlineClient:
    def __init__(self, endpoint: str, *, allow_internal: bool, timeout: float = 30.0):
        self.url = endpoint.rstrip("/") + SERVICE_PATH
        self.session = GuardedSession(allow_internal=allow_internal, timeout=(3.05, timeout))

    def send(self, document: bytes) -> Answer:
        try:
            response = self.session.post(self.url, data={"sXML": document.decode("utf-8")})
        except requests.RequestException as exc:
            raise PeOnlineUnavailableError(f"PE-online not reached: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise PeOnlineUnavailableError(f"PE-online answered HTTP {response.status_code}")
        return read_answer(response.content)

    def close(self) -> None:
        self.session.close()
