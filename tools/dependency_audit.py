"""`make audit`, first half: known vulnerabilities in the installed packages (pip-audit).

pip-audit asks PyPI's JSON API (``https://pypi.org/pypi/<name>/<version>/json``) for the
advisories of each installed release. Where that source cannot be reached (no network, or
a mirror that serves only the package index) this says so plainly and exits 0: a missing
network must not fail the build. Where it answers, pip-audit runs with ``--strict`` and its
exit status is ours, so a known advisory on any installed package fails `make test`, and so
does a package the source cannot be asked about.

Extra arguments go to pip-audit as they are (the tests audit a pinned requirements file).
"""

from __future__ import annotations

import os
import subprocess  # nosec B404  # runs pip-audit, a fixed program, without a shell
import sys
from pathlib import Path

import requests

# A release that exists forever: if PyPI's JSON API answers for it, it answers for ours.
PROBE_URL = "https://pypi.org/pypi/pip/24.0/json"
PROBE_TIMEOUT = 15


def advisory_source_problem(url: str = PROBE_URL) -> str | None:
    """Why the advisory source cannot be used, or None when it answers with advisory data."""
    try:
        response = requests.get(url, timeout=PROBE_TIMEOUT)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.status_code != 200:
        return f"{url} answered HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return f"{url} did not answer with JSON"
    if not isinstance(body, dict) or not isinstance(body.get("vulnerabilities"), list):
        return f"{url} answered without a list of vulnerabilities"
    return None


def main(argv: list[str]) -> int:
    problem = advisory_source_problem()
    if problem is not None:
        print(
            "pip-audit NOT RUN: the advisory source (PyPI's JSON API, https://pypi.org/pypi/<name>/<version>/json) "
            f"is not reachable from here ({problem}).\n"
            "The installed packages were NOT checked for known vulnerabilities. Run `make audit` where pypi.org answers.",
            flush=True,
        )
        return 0
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [str(pip_audit), "--strict", "--skip-editable", "--progress-spinner", "off", *argv]
    print("pip-audit:", " ".join(command[1:]), flush=True)
    return subprocess.run(command, env=os.environ.copy(), check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
