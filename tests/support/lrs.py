"""Start Learning Locker's statement service on loopback, and run its statement validator.

The LRS is npm ``xapi-statements`` 5.0.1 (see package.json), started through
``deploy/lrs/launch.js`` so that it binds 127.0.0.1 only, with in-memory repositories and the
``test`` auth repository. That auth repository accepts any Basic credentials (only the
literal header ``Basic missing_token`` is refused), so ``USERNAME``/``PASSWORD`` below are
arbitrary; the client still sends them, as it would to a real LRS.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
LAUNCH_JS = ROOT / "deploy" / "lrs" / "launch.js"
VALIDATE_JS = ROOT / "deploy" / "lrs" / "validate.js"
USERNAME = "digitoets-test"
PASSWORD = "lrs-test-password"
HOST = "127.0.0.1"
INSTALL_HINT = "run `make test` or `npm ci` in the repository root to install the test LRS"


class LRSNotInstalledError(RuntimeError):
    """Raised when node or the npm packages of the test LRS are missing."""


class LRSStartError(RuntimeError):
    """Raised when the LRS process exits or does not answer /xAPI/about in time."""


def node_executable() -> str:
    """Path of ``node``, after checking the test LRS packages are installed.

    Raises:
        LRSNotInstalledError: With the command that installs them.
    """
    node = shutil.which("node")
    if node is None:
        raise LRSNotInstalledError(f"node is not on PATH; {INSTALL_HINT}")
    for package in ("xapi-statements/dist/server.js",
                    "@learninglocker/xapi-validation/dist/index.js"):
        if not (NODE_MODULES / package).is_file():
            raise LRSNotInstalledError(f"{NODE_MODULES / package} is missing; {INSTALL_HINT}")
    return node


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class LRSProcess:
    """A running test LRS. ``pid`` is exposed so fault tests can SIGSTOP/SIGCONT it."""

    process: subprocess.Popen
    port: int
    workdir: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}/xAPI/"

    @property
    def log_path(self) -> Path:
        return self.workdir / "lrs.log"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it keeps its socket but answers nothing."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused process run again (SIGCONT)."""
        os.kill(self.pid, signal.SIGCONT)

    def stop(self, timeout: float = 10) -> None:
        """Terminate the process and wait for it; kill it if it does not go in time."""
        if self.process.poll() is None:
            self.resume()  # a stopped process cannot handle SIGTERM
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_lrs(startup_timeout: float = 30) -> LRSProcess:
    """Start the LRS on a free loopback port and wait until ``/xAPI/about`` answers 200.

    Raises:
        LRSNotInstalledError: If node or node_modules are missing.
        LRSStartError: If it exits early or does not answer within ``startup_timeout`` s.
    """
    node = node_executable()
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="digitoets-lrs-"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LRS_HOST": HOST,
        "EXPRESS_PORT": str(port),
        "AUTH_REPO": "test",
        "EVENTS_REPO": "test",
        "MODELS_REPO": "memory",
        "STORAGE_REPO": "memory",
        "EXPRESS_MORGAN_DIRECTORY": str(workdir / "access-logs"),
        "FS_LOCAL_STORAGE_DIR": str(workdir / "storage"),
        "WINSTON_CONSOLE_LEVEL": "warn",
        # Answer a POST only after voids and activity updates are applied: no test races.
        "SERVICE_AWAIT_UPDATES": "true",
        "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1",
    }
    with open(workdir / "lrs.log", "wb") as log:
        process = subprocess.Popen([node, str(LAUNCH_JS)], cwd=workdir, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lrs = LRSProcess(process, port, workdir)
    deadline = time.monotonic() + startup_timeout
    about = f"{lrs.endpoint}about"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = lrs.log_tail()
            lrs.stop()
            raise LRSStartError(f"LRS exited with {process.returncode}:\n{tail}")
        try:
            response = requests.get(about, headers={"X-Experience-API-Version": "1.0.3"},
                                    timeout=1)
            if response.status_code == 200:
                return lrs
        except requests.RequestException:
            pass
        time.sleep(0.1)
    tail = lrs.log_tail()
    lrs.stop()
    raise LRSStartError(f"LRS did not answer {about} within {startup_timeout} s:\n{tail}")


def learninglocker_problems(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``deploy/lrs/validate.js``; return its problems (empty when all are valid).

    Each problem is ``{"index", "id", "errors": [{"path", "kind", "type", "data"}]}``.
    """
    node = node_executable()
    completed = subprocess.run([node, str(VALIDATE_JS)], input=json.dumps(statements),
                               capture_output=True, text=True, timeout=60, check=False)
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"validate.js failed ({completed.returncode}): {completed.stderr}")
    return json.loads(completed.stdout)
