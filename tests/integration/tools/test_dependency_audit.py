"""`make audit` checks the installed packages for known advisories, and says so when it cannot.

The advisory source is reached either not at all (a proxy on a closed loopback port, a real
network failure) or through tests/support/advisory_source.py (a stand-in for PyPI's JSON API,
because the real one cannot be made to report an advisory on demand).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.conftest import ROOT
from tests.support.advisory_source import AdvisorySource

SCRIPT = ROOT / "tools" / "dependency_audit.py"
# A real advisory on a real release (PyPI lists it for Jinja2 2.10: sandbox escape via str.format_map).
JINJA_ADVISORY = {
    "id": "PYSEC-2019-217",
    "aliases": ["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
    "summary": "In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape.",
    "fixed_in": ["2.10.1"],
    "withdrawn": None,
}


def _audit(tmp_path, extra_env: dict[str, str], requirement: str) -> subprocess.CompletedProcess:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(requirement + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("https_proxy", "http_proxy", "all_proxy", "no_proxy")}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, str(SCRIPT), "-r", str(requirements), "--no-deps", "--disable-pip",
         "--cache-dir", str(tmp_path / "cache")],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_advisory_source_is_said_plainly_and_does_not_fail_the_build(tmp_path):
    proxy = f"http://127.0.0.1:{_closed_port()}"
    result = _audit(tmp_path, {"HTTPS_PROXY": proxy, "https_proxy": proxy}, "jinja2==2.10")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "pip-audit NOT RUN" in result.stdout
    assert "not reachable" in result.stdout
    assert "were NOT checked" in result.stdout


def test_a_known_advisory_on_a_dependency_fails_the_build(tmp_path):
    with AdvisorySource(tmp_path, {("jinja2", "2.10"): [JINJA_ADVISORY]}) as source:
        result = _audit(tmp_path, source.environ(), "jinja2==2.10")

    assert ("jinja2", "2.10") in source.asked
    assert result.returncode != 0, result.stdout + result.stderr
    assert "PYSEC-2019-217" in result.stdout
    assert "NOT RUN" not in result.stdout


def test_a_dependency_without_advisories_passes_after_being_checked(tmp_path):
    with AdvisorySource(tmp_path, {("jinja2", "2.10"): [JINJA_ADVISORY]}) as source:
        result = _audit(tmp_path, source.environ(), "jinja2==3.1.6")

    assert ("jinja2", "3.1.6") in source.asked
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities found" in result.stdout + result.stderr
