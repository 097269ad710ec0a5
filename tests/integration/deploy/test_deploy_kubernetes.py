"""deploy/k8s renders with `kubectl kustomize` (base and the example overlay), every object is valid
against the Kubernetes schemas (kubernetes-validate, offline, strict), and the manifests keep the
promises of deploy/README.md: probes, non-root read-only pods, secrets as files, Forbid on CronJobs,
and one CronJob per systemd timer with the same command and time.
"""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess  # nosec B404
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
SYSTEMD = ROOT / "deploy" / "systemd"
#: a version kubernetes-validate ships and kubectl's kustomize (v1.32 client) targets
KUBERNETES_VERSION = "1.32.0"
TARGETS = {"base": K8S / "base", "example": K8S / "overlays" / "example"}


def render(folder: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is missing (Debian package kubectl; `make system-packages` installs it)"
    result = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True,  # nosec B603
                            check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module", params=sorted(TARGETS))
def rendered(request) -> list[dict]:
    return render(TARGETS[request.param])


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    specs = []
    for o in objects:
        if o["kind"] in ("Deployment", "Job"):
            specs.append((o["metadata"]["name"], o["spec"]["template"]["spec"]))
        elif o["kind"] == "CronJob":
            specs.append((o["metadata"]["name"], o["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return specs


def test_every_rendered_object_is_valid_against_the_kubernetes_schemas(rendered):
    kinds = {o["kind"] for o in rendered}
    assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "CronJob", "Job",
            "ConfigMap"} <= kinds
    for obj in rendered:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_validation_refuses_a_wrong_object(rendered):
    """The check above can fail: a misspelt field and a wrong type are refused."""
    deployment = yaml.safe_load(yaml.safe_dump(by_kind(rendered, "Deployment")[0]))
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment = yaml.safe_load(yaml.safe_dump(by_kind(rendered, "Deployment")[0]))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_web_is_probed_on_healthz_and_readyz_and_published_with_tls(rendered):
    web = next(d for d in by_kind(rendered, "Deployment") if d["metadata"]["name"].endswith("digitoets-web"))
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    ingress = next(i for i in by_kind(rendered, "Ingress") if i["metadata"]["name"] == "digitoets")
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    closed = next(i for i in by_kind(rendered, "Ingress") if i["metadata"]["name"] == "digitoets-metrics-closed")
    assert closed["spec"]["rules"][0]["http"]["paths"][0] == {
        **closed["spec"]["rules"][0]["http"]["paths"][0], "path": "/metrics", "pathType": "Exact"}
    assert closed["metadata"]["annotations"]["nginx.ingress.kubernetes.io/whitelist-source-range"] == "127.0.0.1/32"
    hpa = by_kind(rendered, "HorizontalPodAutoscaler")[0]
    assert hpa["spec"]["scaleTargetRef"]["name"] == web["metadata"]["name"] and hpa["spec"]["minReplicas"] >= 2
    pdb = next(p for p in by_kind(rendered, "PodDisruptionBudget") if p["metadata"]["name"] == "digitoets-web")
    assert pdb["spec"]["selector"]["matchLabels"] == web["spec"]["selector"]["matchLabels"]


def test_every_pod_runs_as_non_root_on_a_read_only_root_and_reads_secrets_from_files(rendered):
    settings = next(c for c in by_kind(rendered, "ConfigMap") if c["metadata"]["name"].startswith("digitoets-settings"))
    for secret in ("SECRET_KEY", "DATABASE_URL", "ENCRYPTION_KEY", "METRICS_TOKEN"):
        assert f"DIGITOETS_{secret}" not in settings["data"]
        assert settings["data"][f"DIGITOETS_{secret}_FILE"].startswith("/run/secrets/digitoets/")
    specs = pod_specs(rendered)
    assert len(specs) >= 4
    for name, spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
        if name.endswith("redis"):
            continue
        assert any(v.get("secret", {}).get("secretName", "").startswith("digitoets-secrets") for v in spec["volumes"])
        mounts = {m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert {"/run/secrets/digitoets", "/var/lib/digitoets", "/tmp"} <= mounts, name


def test_the_example_overlay_sets_image_address_and_generates_the_secret():
    objects = render(TARGETS["example"])
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {"digitoets"}
    secret = next(o for o in objects if o["kind"] == "Secret")
    assert set(secret["data"]) == {"secret-key", "database-url", "encryption-key", "metrics-token"}
    for name, spec in pod_specs(objects):
        if not name.endswith("redis"):
            assert spec["containers"][0]["image"] == "registry.example.nl/digitoets:0.1.0", name
            assert any(v.get("secret", {}).get("secretName") == secret["metadata"]["name"] for v in spec["volumes"])
    hosts = {i["spec"]["rules"][0]["host"] for i in by_kind(objects, "Ingress")}
    assert hosts == {"digitoets.zorg-voorbeeld.nl"}


def test_migrations_are_a_job_of_their_own():
    job = by_kind(render(TARGETS["base"]), "Job")[0]
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["digitoets", "db", "upgrade"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def scheduler():
    spec = importlib.util.spec_from_file_location("digitoets_scheduler", ROOT / "deploy" / "scheduler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def on_calendar_as_cron(value: str) -> str:
    """The OnCalendar forms the timers use: ``hourly`` and ``*-*-* HH:MM:SS [zone]``."""
    if value == "hourly":
        return "0 * * * *"
    date, time, *_zone = value.split()
    assert date == "*-*-*", f"a timer schedule this test cannot compare: {value}"
    hour, minute, _second = time.split(":")
    return f"{int(minute)} {int(hour)} * * *"


def timers() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (cron schedule, command) for every timer in deploy/systemd."""
    found = {}
    for timer in sorted(SYSTEMD.glob("*.timer")):
        units = {}
        for path in (timer, timer.with_suffix(".service")):
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            parser.optionxform = str
            parser.read(path)
            units[path.suffix] = parser
        command = tuple(units[".service"]["Service"]["ExecStart"].split()[1:])
        found[timer.stem.removeprefix("digitoets-")] = (on_calendar_as_cron(units[".timer"]["Timer"]["OnCalendar"]), command)
    return found


def test_every_timer_is_a_cronjob_and_a_scheduler_job_with_the_same_command_and_time():
    expected = timers()
    jobs = {job.name: (job.schedule, job.command) for job in scheduler().JOBS}
    assert jobs == expected, "deploy/scheduler.py differs from deploy/systemd"
    cronjobs = {}
    for cron in by_kind(render(TARGETS["base"]), "CronJob"):
        assert cron["spec"]["concurrencyPolicy"] == "Forbid"
        assert cron["spec"]["timeZone"] == "Europe/Amsterdam"
        command = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command[0] == "digitoets"
        cronjobs[cron["metadata"]["name"].removeprefix("digitoets-")] = (cron["spec"]["schedule"], tuple(command[1:]))
    assert cronjobs == expected, "deploy/k8s/base/cronjobs.yaml differs from deploy/systemd"


def test_the_scheduler_starts_the_jobs_due_in_a_minute_of_dutch_time():
    module = scheduler()
    names = lambda iso: [j.name for j in module.due_jobs(module.datetime.fromisoformat(iso))]  # noqa: E731
    # 07:00 in Amsterdam is 06:00 UTC in winter and 05:00 UTC in summer: the digest follows Dutch time
    assert "mail-digest" in names("2026-11-30T06:00+00:00") and "mail-digest" not in names("2026-11-30T05:00+00:00")
    assert "mail-digest" in names("2026-07-01T05:00+00:00")
    assert names("2026-11-30T03:30+00:00") == ["hr-snapshot"]
    assert names("2026-11-30T03:31+00:00") == []
