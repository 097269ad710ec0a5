"""deploy/nginx/digitoets.conf, run by a real nginx in front of the app: TLS, one HSTS header, no
X-Frame-Options (the LMS frames the tool; the app's frame-ancestors decides), /metrics closed from
outside, http redirected to https, and the forwarded headers gunicorn's forwarded_allow_ips trusts.

The test changes only what a test machine needs: loopback ports instead of 80/443, a certificate
made for the test, the app's port as the upstream, and temporary folders for nginx's own files.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import socket
import subprocess  # nosec B404
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[3]
CONF = ROOT / "deploy" / "nginx" / "digitoets.conf"
HOST = "digitoets.example.nl"
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST), x509.IPAddress(LOOPBACK)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def proxy_config(folder: Path, http_port: int, https_port: int, app_port: int) -> Path:
    text = CONF.read_text(encoding="utf-8")
    cert, key = self_signed(folder)
    replacements = [
        (r"(?m)^\s*listen \[::\].*\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"ssl_certificate\s+/etc/letsencrypt/\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key\s+/etc/letsencrypt/\S+;", f"ssl_certificate_key {key};"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count, f"the config no longer has {pattern!r}"
    (folder / "digitoets.conf").write_text(text, encoding="utf-8")
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log stderr warn;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
        f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n  scgi_temp_path {folder}/scgi;\n"
        f"  include {folder}/digitoets.conf;\n}}\n", encoding="utf-8")
    return main


def nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    assert found, "nginx is missing (Debian package nginx-light; `make system-packages` installs it)"
    return found


@pytest.fixture
def seen_by_app():
    return []


@pytest.fixture
def served_app(app, seen_by_app):
    @app.before_request
    def _remember():  # what the app (gunicorn, in production) receives from the proxy
        from flask import request
        seen_by_app.append(dict(request.headers))

    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def proxy(tmp_path, served_app):
    http_port, https_port = free_port(), free_port()
    main = proxy_config(tmp_path, http_port, https_port, served_app)
    checked = subprocess.run([nginx(), "-t", "-q", "-p", str(tmp_path), "-c", str(main)],  # nosec B603
                             capture_output=True, text=True, check=False, timeout=60)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([nginx(), "-p", str(tmp_path), "-c", str(main)],  # nosec B603
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.1)
    yield http_port, https_port, tmp_path / "fullchain.pem"
    process.terminate()
    process.wait(timeout=30)
    process.stdout.close()


def get(port: int, path: str, certificate: Path, scheme: str = "https") -> requests.Response:
    """A request to the proxy on loopback, with the public Host; TLS verified against the test's certificate."""
    url = f"{scheme}://127.0.0.1:{port}{path}"
    return requests.get(url, headers={"Host": HOST}, allow_redirects=False, timeout=30, verify=str(certificate))


def test_the_proxy_serves_the_app_over_tls_with_the_headers_an_lms_frame_needs(proxy, seen_by_app):
    http_port, https_port, certificate = proxy
    page = get(https_port, "/", certificate)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.raw.headers.getlist("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    assert "X-Frame-Options" not in page.headers
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]  # the app's policy, untouched
    assert len(page.raw.headers.getlist("Content-Security-Policy")) == 1
    forwarded = seen_by_app[-1]
    assert forwarded["X-Forwarded-Proto"] == "https" and forwarded["X-Forwarded-For"] == "127.0.0.1"
    assert forwarded["Host"] == HOST
    assert re.fullmatch(r"[0-9a-f]{32}", forwarded["X-Request-Id"])  # nginx's $request_id, logged by the app
    assert page.headers.get("X-Request-ID") == forwarded["X-Request-Id"]
    assert get(https_port, "/healthz", certificate).json() == {"status": "ok"}


def test_metrics_are_closed_from_outside_and_http_goes_to_https(proxy, seen_by_app):
    http_port, https_port, certificate = proxy
    before = len(seen_by_app)
    closed = get(https_port, "/metrics", certificate)
    assert closed.status_code == 404 and len(seen_by_app) == before  # never reached the app
    assert closed.raw.headers.getlist("Strict-Transport-Security")  # also on nginx's own answers
    redirect = get(http_port, "/lti/login?x=1", certificate, scheme="http")
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == f"https://{HOST}/lti/login?x=1"
