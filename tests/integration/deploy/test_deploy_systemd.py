"""deploy/systemd on one server: the long-running units restart without giving up, the timers run
their jobs as schedulers (--scheduled), and the web unit, gunicorn's config and nginx's upstream agree.
"""

from __future__ import annotations

import configparser
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNITS = ROOT / "deploy" / "systemd"
VENV_BIN = "/opt/digitoets/.venv/bin/"


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path)
    return parser


def long_running() -> list[Path]:
    """Services that are neither oneshot nor started by a timer: the web and the worker(s)."""
    return [p for p in sorted(UNITS.glob("*.service"))
            if unit(p)["Service"].get("Type", "simple") != "oneshot" and not p.with_suffix(".timer").exists()]


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)\s*(ms|s|min|m)?", value.strip())
    assert match, f"a time span this test cannot read: {value}"
    number, unit_ = int(match.group(1)), match.group(2) or "s"
    return number * {"ms": 0.001, "s": 1, "min": 60, "m": 60}[unit_]


def test_the_web_and_the_worker_are_long_running_units():
    names = {p.name for p in long_running()}
    assert {"digitoets-web.service", "digitoets-xapi-forward.service"} <= names


@pytest.mark.parametrize("service", long_running(), ids=lambda p: p.stem)
def test_a_long_running_unit_restarts_and_never_hits_its_start_limit(service):
    parsed = unit(service)
    assert parsed["Service"]["Restart"] == "always"
    restart_sec = seconds(parsed["Service"]["RestartSec"])
    interval = seconds(parsed["Unit"]["StartLimitIntervalSec"])
    burst = int(parsed["Unit"]["StartLimitBurst"])
    assert restart_sec >= 1, "a crash loop without a pause hammers the database it waits for"
    # a process that dies at once is started every RestartSec: fewer starts than the burst fit in the
    # interval, so systemd keeps trying through a long outage instead of giving up after five
    assert interval / restart_sec < burst, f"{service.name} would give up after {burst} quick restarts"
    assert parsed["Service"]["User"] == "digitoets" and parsed["Service"]["NoNewPrivileges"] == "true"


@pytest.mark.parametrize("service", [t.with_suffix(".service") for t in sorted(UNITS.glob("*.timer"))],
                         ids=lambda p: p.stem)
def test_every_timer_runs_its_job_as_a_scheduler(runner, service):
    command = unit(service)["Service"]["ExecStart"].split()
    assert command[0] == VENV_BIN + "digitoets" and command[-1] == "--scheduled"
    result = runner.invoke(args=[*command[1:], "--help"])  # click refuses an option the command lacks
    assert result.exit_code == 0, result.output


def test_the_web_unit_runs_gunicorn_with_the_config_nginx_points_at():
    exec_start = unit(UNITS / "digitoets-web.service")["Service"]["ExecStart"].split()
    assert exec_start[0] == VENV_BIN + "gunicorn"
    assert exec_start[1:3] == ["-c", "/opt/digitoets/deploy/gunicorn.conf.py"]
    assert exec_start[-1] == "service:create_app()"
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    nginx = (ROOT / "deploy" / "nginx" / "digitoets.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream digitoets \{[^}]*?server (\S+);", nginx).group(1)
    assert config["bind"] == upstream == "127.0.0.1:8000"
    # gunicorn trusts X-Forwarded-Proto/-For only from the proxy on the same machine
    assert config["forwarded_allow_ips"] == "127.0.0.1"
