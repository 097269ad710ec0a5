"""deploy/alerts.yaml and deploy/grafana-dashboard.json use only the metrics Digitoets exports, parse
as PromQL (promtool, Debian's prometheus package), and each alert fires on made-up series when it
should and stays quiet when it should not (`promtool test rules`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess  # nosec B404
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
ALERTS = ROOT / "deploy" / "alerts.yaml"
DASHBOARD = ROOT / "deploy" / "grafana-dashboard.json"
#: the names service/ exports at /metrics (issue 14); histograms also have _bucket, _sum and _count
COUNTERS_AND_GAUGES = {
    "digitoets_http_requests_total", "digitoets_lti_launches_total", "digitoets_attempts_started_total",
    "digitoets_attempts_submitted_total", "digitoets_outbox_depth", "digitoets_outbox_oldest_age_seconds",
    "digitoets_outbox_dead_letters", "digitoets_job_runs_total",
}
HISTOGRAMS = {"digitoets_http_request_duration_seconds", "digitoets_xapi_forward_seconds"}
KNOWN = COUNTERS_AND_GAUGES | {f"{h}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}


def rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\bdigitoets_[a-z_]+\b", expr))


def test_the_alert_file_has_the_alerts_of_the_issue_each_complete():
    found = {rule["alert"]: rule for rule in rules()}
    assert {"DigitoetsOutboxStale", "DigitoetsDeadLettersRising", "DigitoetsLaunchRefusalsSpiking"} <= set(found)
    for name, rule in found.items():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, name
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        assert metric_names(rule["expr"]), f"{name} watches no Digitoets metric"


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_expression_uses_a_metric_that_exists(source):
    exprs = [r["expr"] for r in rules()] if source == "alerts" else dashboard_exprs()
    assert exprs
    for expr in exprs:
        unknown = metric_names(expr) - KNOWN
        assert not unknown, f"{source}: {expr} uses {unknown}"
    used = set().union(*(metric_names(e) for e in dashboard_exprs()))
    if source == "dashboard":  # the dashboard shows every metric there is
        assert {re.sub(r"_bucket$", "", name) for name in used} == COUNTERS_AND_GAUGES | HISTOGRAMS


def test_the_name_check_catches_a_misspelt_metric():
    assert metric_names('max(digitoets_outbox_oldest_age_second) > 900') - KNOWN == {"digitoets_outbox_oldest_age_second"}


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing (Debian package prometheus; `make system-packages` installs it)"
    return found


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, check=False, timeout=120)  # nosec B603


def test_promtool_accepts_the_rules_and_every_dashboard_query(tmp_path):
    checked = run("check", "rules", str(ALERTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the dashboard's queries, parsed by the same PromQL parser as recording rules
    recorded = tmp_path / "dashboard-rules.yaml"
    recorded.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
        {"record": f"digitoets:dashboard_query_{i}", "expr": expr} for i, expr in enumerate(dashboard_exprs())]}]}))
    checked = run("check", "rules", str(recorded))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({"groups": [{"name": "x", "rules": [
        {"alert": "Broken", "expr": "max by (kind (digitoets_outbox_depth)"}]}]}))
    assert run("check", "rules", str(broken)).returncode != 0  # the check can fail


def alert(name: str, labels: dict | None = None) -> dict:
    return {"exp_labels": {"severity": next(r for r in rules() if r["alert"] == name)["labels"]["severity"],
                           **(labels or {})}}


#: made-up series per alert, and when each must (not) fire
RULE_TESTS = [
    {   # the xAPI outbox's oldest item ages a minute a minute from 10 minutes; mail stays at 100 s
        "interval": "1m",
        "input_series": [
            {"series": 'digitoets_outbox_oldest_age_seconds{kind="xapi"}', "values": "600+60x30"},
            {"series": 'digitoets_outbox_oldest_age_seconds{kind="mail"}', "values": "100x30"},
        ],
        "alert_rule_test": [
            {"eval_time": "4m", "alertname": "DigitoetsOutboxStale", "exp_alerts": []},
            {"eval_time": "9m", "alertname": "DigitoetsOutboxStale", "exp_alerts": []},  # over 15 min, not yet 5 min long
            {"eval_time": "12m", "alertname": "DigitoetsOutboxStale", "exp_alerts": [("DigitoetsOutboxStale", {"kind": "xapi"})]},
        ],
    },
    {   # xAPI dead letters go from 0 to 3 at minute 31; mail stays at 2 (old ones, already known)
        "interval": "1m",
        "input_series": [
            {"series": 'digitoets_outbox_dead_letters{kind="xapi"}', "values": "0x30 3x30"},
            {"series": 'digitoets_outbox_dead_letters{kind="mail"}', "values": "2x60"},
        ],
        "alert_rule_test": [
            {"eval_time": "25m", "alertname": "DigitoetsDeadLettersRising", "exp_alerts": []},
            {"eval_time": "40m", "alertname": "DigitoetsDeadLettersRising",
             "exp_alerts": [("DigitoetsDeadLettersRising", {"kind": "xapi"})]},
        ],
    },
    {   # 10 good launches and 5 refused a minute: a third refused, 50 per 10 minutes
        "interval": "1m",
        "input_series": [
            {"series": 'digitoets_lti_launches_total{outcome="ok"}', "values": "0+10x40"},
            {"series": 'digitoets_lti_launches_total{outcome="refused_nonce"}', "values": "0+5x40"},
        ],
        "alert_rule_test": [
            {"eval_time": "20m", "alertname": "DigitoetsLaunchRefusalsSpiking",
             "exp_alerts": [("DigitoetsLaunchRefusalsSpiking", {})]},
        ],
    },
    {   # the same third refused, but a quiet night: 5 refusals in 10 minutes is no spike
        "interval": "1m",
        "input_series": [
            {"series": 'digitoets_lti_launches_total{outcome="ok"}', "values": "0+1x40"},
            {"series": 'digitoets_lti_launches_total{outcome="refused_nonce"}', "values": "0+0.5x40"},
        ],
        "alert_rule_test": [{"eval_time": "20m", "alertname": "DigitoetsLaunchRefusalsSpiking", "exp_alerts": []}],
    },
    {   # a scheduled job failed once; another only succeeded
        "interval": "1m",
        "input_series": [
            {"series": 'digitoets_job_runs_total{exported_job="retention", outcome="failed"}', "values": "0 0 1 1 1"},
            {"series": 'digitoets_job_runs_total{exported_job="hr-snapshot", outcome="ok"}', "values": "0 1 2 3 4"},
        ],
        "alert_rule_test": [{"eval_time": "4m", "alertname": "DigitoetsJobFailing",
                             "exp_alerts": [("DigitoetsJobFailing", {"exported_job": "retention"})]}],
    },
]


def test_each_alert_fires_when_it_should_and_not_otherwise(tmp_path):
    # promtool compares annotations too; their templates are checked above, here only when alerts fire
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    for group in document["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "alerts.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    tests = []
    for case in RULE_TESTS:
        tests.append({**case, "alert_rule_test": [
            {**check, "exp_alerts": [alert(name, labels) for name, labels in check["exp_alerts"]]}
            for check in case["alert_rule_test"]]})
    spec = tmp_path / "alerts-test.yaml"
    spec.write_text(yaml.safe_dump({"rule_files": ["alerts.yaml"], "evaluation_interval": "1m", "tests": tests}),
                    encoding="utf-8")
    result = run("test", "rules", str(spec))
    assert result.returncode == 0, result.stdout + result.stderr
    # and the test can fail: the stale-outbox alert does not fire while the outbox is fresh
    tests[0]["alert_rule_test"][0]["exp_alerts"] = [alert("DigitoetsOutboxStale", {"kind": "xapi"})]
    spec.write_text(yaml.safe_dump({"rule_files": ["alerts.yaml"], "evaluation_interval": "1m", "tests": tests}),
                    encoding="utf-8")
    assert run("test", "rules", str(spec)).returncode != 0
