"""The systemd units in deploy/systemd run commands that exist, and every timer starts its service."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[3] / "deploy" / "systemd"
BINARY = "/opt/digitoets/.venv/bin/digitoets"


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read(path)
    return parser


def command(service: Path) -> list[str]:
    exec_start = unit(service)["Service"]["ExecStart"].split()
    assert exec_start[0] == BINARY, f"{service.name} runs {exec_start[0]}"
    return exec_start[1:]


# the web unit runs gunicorn, not a digitoets command: tests/integration/deploy/test_deploy_systemd.py checks it
@pytest.mark.parametrize("service", sorted(p for p in UNITS.glob("*.service") if p.name != "digitoets-web.service"),
                         ids=lambda p: p.stem)
def test_each_service_runs_a_digitoets_command_that_exists(runner, service):
    args = [a for a in command(service) if not a.startswith("-")]
    result = runner.invoke(args=[*args, "--help"])
    assert result.exit_code == 0, f"{service.name}: digitoets {' '.join(args)} -> {result.output}"


@pytest.mark.parametrize("timer", sorted(UNITS.glob("*.timer")), ids=lambda p: p.stem)
def test_each_timer_has_its_service_and_a_schedule(timer):
    assert timer.with_suffix(".service").exists(), f"{timer.name} has no service"
    assert unit(timer)["Timer"]["OnCalendar"]
    assert unit(timer)["Install"]["WantedBy"] == "timers.target"


def test_the_coach_reminder_runs_hourly():
    assert command(UNITS / "digitoets-coach-remind.service") == ["coach", "remind", "--scheduled"]
    assert unit(UNITS / "digitoets-coach-remind.timer")["Timer"]["OnCalendar"] == "hourly"
