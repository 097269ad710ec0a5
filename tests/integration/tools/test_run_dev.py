"""`make run`'s script: the service on PORT, the demo LRS on LRS_PORT, and one signal stops all three.

The README promises both port variables and that stopping the script stops what it started
(the demo LRS, the worker and the service). Ctrl-C in a terminal reaches the script as SIGINT;
here SIGTERM is sent, which the script handles the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request

from tests.conftest import ROOT

SCRIPT = ROOT / "deploy" / "run-dev.sh"
STARTUP_SECONDS = 120  # an upper bound for a busy machine; the loop returns as soon as both answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback, our own URL)
            return response.status == 200
    except OSError:
        return False


def _session_processes(sid: int) -> list[str]:
    out = subprocess.run(["ps", "-ww", "-o", "pid=,stat=,cmd=", "-s", str(sid)], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if " Z" not in line]  # zombies are gone, only not reaped yet


def test_the_ports_are_the_ones_asked_for_and_a_signal_stops_all_three(tmp_path):
    port, lrs_port = _free_port(), _free_port()
    instance = tmp_path / "instance"
    env = {**os.environ, "PORT": str(port), "LRS_PORT": str(lrs_port), "DIGITOETS_INSTANCE_PATH": str(instance)}
    for name in ("DIGITOETS_BASE_URL", "DIGITOETS_LRS_ENDPOINT", "DIGITOETS_DATABASE_URL", "DIGITOETS_ENV"):
        env.pop(name, None)
    subprocess.run([str(ROOT / ".venv" / "bin" / "digitoets"), "db", "upgrade"], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    script = subprocess.Popen([str(SCRIPT)], env=env, cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        service, lrs = f"http://127.0.0.1:{port}/healthz", f"http://127.0.0.1:{lrs_port}/xAPI/about"
        while not (_answers(service) and _answers(lrs)) and time.monotonic() < deadline:
            time.sleep(1)
        assert _answers(service), f"the service does not answer on PORT={port}"
        assert _answers(lrs), f"the demo LRS does not answer on LRS_PORT={lrs_port}"
        running = _session_processes(script.pid)
        worker_log = instance / "demo-lrs" / "forwarder.log"
        assert any("launch.js" in p for p in running)
        assert any("xapi forward" in p for p in running), (worker_log.read_text() if worker_log.exists() else "") + str(running)
        assert any("digitoets run" in p for p in running)

        script.send_signal(signal.SIGTERM)
        script.wait(timeout=60)
        deadline = time.monotonic() + 60
        while _session_processes(script.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _session_processes(script.pid) == []
        assert not _answers(service) and not _answers(lrs)
    finally:
        for line in _session_processes(script.pid):
            os.kill(int(line.split()[0]), signal.SIGKILL)
