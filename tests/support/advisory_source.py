"""A stand-in for PyPI's JSON API, reached as https://pypi.org through a loopback proxy.

The real advisory source cannot be made to report an advisory on demand (and this machine
reaches only PyPI's package index, not its versioned JSON API), so the audit tests point
pip-audit here: ``HTTPS_PROXY`` names this proxy, which accepts ``CONNECT pypi.org:443``,
presents a certificate for pypi.org signed by a throw-away CA (``REQUESTS_CA_BUNDLE``) and
answers ``/pypi/<name>/<version>/json`` in PyPI's format with the advisories it was given.
Nothing leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_VERSIONED = re.compile(r"^/pypi/(?P<name>[^/]+)/(?P<version>[^/]+)/json$")


def _certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


class AdvisorySource:
    """``advisories`` maps ``(name, version)`` to PyPI vulnerability entries; others have none."""

    def __init__(self, folder: Path, advisories: dict[tuple[str, str], list[dict]]):
        self.advisories = advisories
        self.asked: list[tuple[str, str]] = []
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _certificate("Digitoets test CA", ca_key, "Digitoets test CA", ca_key, ca=True)
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate("pypi.org", leaf_key, "Digitoets test CA", ca_key, ca=False)
        self.ca_bundle = folder / "ca.pem"
        self.ca_bundle.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        chain, key = folder / "pypi.pem", folder / "pypi.key"
        chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        key.write_bytes(
            leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(chain, key)
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._proxy_handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def environ(self) -> dict[str, str]:
        """What a child process needs to reach this source instead of pypi.org."""
        return {"HTTPS_PROXY": self.proxy_url, "https_proxy": self.proxy_url, "REQUESTS_CA_BUNDLE": str(self.ca_bundle),
                "NO_PROXY": "", "no_proxy": ""}

    def __enter__(self) -> AdvisorySource:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _proxy_handler(self):
        source = self

        class Api(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                match = _VERSIONED.match(self.path)
                if match is None:
                    self.send_error(404)
                    return
                key = (match["name"].lower(), match["version"])
                source.asked.append(key)
                body = json.dumps({"info": {"name": key[0], "version": key[1]}, "urls": [],
                                   "vulnerabilities": source.advisories.get(key, [])}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Proxy(socketserver.StreamRequestHandler):
            def handle(self):
                request_line = self.rfile.readline().decode("latin-1")
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                if not request_line.startswith("CONNECT pypi.org:443 "):
                    self.wfile.write(b"HTTP/1.1 403 Forbidden\r\n\r\n")
                    return
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                try:
                    tls = source._tls.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                try:
                    Api(tls, self.client_address, self.server)
                    tls.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                finally:
                    tls.close()

        return Proxy
