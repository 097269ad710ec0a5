"""Digitoets scaled out on one machine, as the Kubernetes manifests run it: N web, M workers, one PostgreSQL.

``Topology`` starts, on a database it is given (a fresh PostgreSQL database from
``fresh_postgres_database``):

- N gunicorn instances with ``deploy/gunicorn.conf.py`` (2 sync workers each, a free port each);
- M workers as the systemd unit runs them: ``digitoets xapi forward --loop`` (statements to the
  LRS, scores to the LMS gradebook, mails); scheduled jobs run on demand with ``cli`` or ``start_cli``, as
  timers or CronJobs would fire them (``--scheduled``);
- the real LRS (Learning Locker's statement service, ``tests/support/lrs.py``) behind a
  recording pass-through (``LrsRecorder``): the LRS accepts a statement id it already has, so
  only the requests show whether a row was sent twice;
- the test LMS (``tests/support/platform.py``), registered for one organisation.

Every instance and worker shares the database, the secret key, the encryption key and the LTI
key folder, as pods share a Secret; nothing else. The instances serve http on 127.0.0.1, so
they run with ``DIGITOETS_ENV=development`` (production insists on an https base URL and Redis);
``DIGITOETS_BASE_URL`` is the first instance's address, where a load balancer would be. Cookies
belong to a host, not a port: one ``requests.Session`` is one browser for every instance.

``stop`` ends everything it started (each process in its own process group) and leaves no
process behind; use it as a context manager.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mappings.loader import load_folder
from service import models as m
from service.db import Database, make_engine
from service.migrate import upgrade
from service.operations import registrations
from service.operations.content import load_content
from tests.support.lrs import PASSWORD, USERNAME, LRSProcess, free_port, start_lrs
from tests.support.platform import LEARNER, TestPlatform, User, _FormInputs

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
STARTER_CONTENT = ROOT / "mappings" / "content"
HOST = "127.0.0.1"
ORG_SLUG = "zorg-schaal"
TEST_CODE = "ecd-rapportage"  # 13 questions in the starter content
FUNCTION = "verzorgende-ig"


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (as tests/conftest.py makes them); dropped afterwards."""
    from tests.conftest import PG_BASE_URL, _drop_postgres_database, _new_postgres_database

    if PG_BASE_URL is None:
        raise RuntimeError("PostgreSQL is not reachable on 127.0.0.1:5432 (or set DIGITOETS_TEST_DATABASE_URL)")
    url = _new_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(url)


class LrsRecorder:
    """A pass-through in front of the real LRS that writes down every statement id sent to it.

    Every request goes on to the LRS unchanged and its answer comes back unchanged; ``sent``
    counts the ids in the bodies of the writes (POST of one or a list, PUT with ``statementId``).
    """

    def __init__(self, lrs: LRSProcess):
        self.lrs = lrs
        self.sent: Counter[str] = Counter()
        self.writes = 0
        self._lock = threading.Lock()
        self._http = requests.Session()
        self._server = make_server(HOST, 0, self._app, threaded=True)
        self.endpoint = f"http://{HOST}:{self._server.server_port}/xAPI/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="lrs-recorder", daemon=True)
        self._thread.start()

    @Request.application
    def _app(self, request: Request) -> Response:
        body = request.get_data()
        if request.method in ("POST", "PUT") and request.path.rstrip("/").endswith("/statements"):
            with self._lock:
                self.writes += 1
                if request.method == "PUT":
                    self.sent[request.args.get("statementId", "")] += 1
                else:
                    parsed = json.loads(body or b"null")
                    for statement in parsed if isinstance(parsed, list) else [parsed]:
                        self.sent[statement.get("id", "")] += 1
        url = f"http://{HOST}:{self.lrs.port}{request.full_path.rstrip('?')}"
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        answer = self._http.request(request.method, url, data=body, headers=headers, timeout=60)
        skip = {"content-encoding", "transfer-encoding", "connection", "content-length"}
        return Response(answer.content, answer.status_code,
                        [(k, v) for k, v in answer.headers.items() if k.lower() not in skip])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()


@dataclass
class Process:
    """A process of the topology, started in a process group of its own; output in ``log``."""

    name: str
    popen: subprocess.Popen
    log: Path
    stopped: bool = False

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (gunicorn and the worker finish what they are doing), SIGKILL to the group after ``timeout``."""
        if self.stopped:
            return
        self.stopped = True
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # gunicorn's workers, or anything the process left: gone with the group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(10)


@dataclass
class WebInstance(Process):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class Topology:
    """See the module docstring. ``start()`` brings it up; ``stop()`` (or the ``with`` block's end) ends it."""

    database_url: str
    #: the URL the instances and workers use (a relay in front of PostgreSQL, to cause outages);
    #: ``database_url`` when None. Setting up and checking always use ``database_url`` directly.
    service_database_url: str | None = None
    web: int = 2
    workers: int = 2
    web_workers: int = 2  # gunicorn sync workers per instance, as on a 2-core pod
    worker_interval: float = 1.0
    worker_batch_size: int | None = None
    startup_timeout: float = 90  # a loaded 2-core machine starts 4 gunicorn workers slowly
    #: gunicorn's access log format (deploy/'s default when None); the load benchmark adds the duration
    access_log_format: str | None = None
    instances: list[WebInstance] = field(default_factory=list)
    worker_processes: list[Process] = field(default_factory=list)
    lrs: LRSProcess | None = None
    recorder: LrsRecorder | None = None
    lms: TestPlatform | None = None
    organisation_id: int | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="digitoets-topology-")))

    def __post_init__(self) -> None:
        self.secret_key = secrets.token_urlsafe(48)
        self.encryption_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.instance_path = self.workdir / "instance"
        self.ports = [free_port() for _ in range(self.web)]
        self.base_url = f"http://{HOST}:{self.ports[0]}"
        self.database = Database(self.database_url, engine=make_engine(self.database_url))
        self._tool_jwks: dict[str, Any] | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> Topology:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> Topology:
        upgrade(self.database_url, engine=self.database.engine)
        with self.database.begin() as session:
            load_content(session, load_folder(STARTER_CONTENT))
        self.lrs = start_lrs()
        self.recorder = LrsRecorder(self.lrs)
        self.lms = TestPlatform(tool_key_set=self.tool_jwks, tool_launch_url=f"{self.base_url}/lti/launch").start()
        self.organisation_id = self._register()
        # the LTI signing key is made once, before the instances start (as a deploy's migration step
        # would): two instances making the first key at the same moment would each publish their own
        self.cli("lti", "list", check=True)
        for number, port in enumerate(self.ports, start=1):
            self.instances.append(self._start_web(number, port))
        for instance in self.instances:
            self._wait_ready(instance)
        for number in range(1, self.workers + 1):
            self.worker_processes.append(self.start_worker(number))
        return self

    def stop(self) -> None:
        for process in [*self.worker_processes, *self.instances]:
            process.stop()
        if self.lms is not None:
            self.lms.stop()
        if self.recorder is not None:
            self.recorder.stop()
        if self.lrs is not None:
            self.lrs.stop()
        self.database.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- environment and processes -------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The ``DIGITOETS_*`` environment every instance and worker gets (a ConfigMap plus a Secret)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIGITOETS_")}
        env.update({
            "DIGITOETS_ENV": "development",
            "DIGITOETS_DATABASE_URL": self.service_database_url or self.database_url,
            "DIGITOETS_SECRET_KEY": self.secret_key,
            "DIGITOETS_ENCRYPTION_KEY": self.encryption_key,
            "DIGITOETS_INSTANCE_PATH": str(self.instance_path),
            "DIGITOETS_BASE_URL": self.base_url,
            "DIGITOETS_CONTENT_PATH": str(STARTER_CONTENT),
            "DIGITOETS_LRS_ENDPOINT": self.recorder.endpoint if self.recorder else "",
            "DIGITOETS_LRS_USERNAME": USERNAME,
            "DIGITOETS_LRS_PASSWORD": PASSWORD,
            "DIGITOETS_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def _spawn(self, name: str, args: list[str], **extra_env: str) -> Process:
        log = self.workdir / f"{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(args, cwd=self.workdir, env={**self.env(), **extra_env}, stdout=out,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        return Process(name, popen, log)

    def _start_web(self, number: int, port: int) -> WebInstance:
        args = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "--bind", f"{HOST}:{port}",
                "--workers", str(self.web_workers), "--control-socket", str(self.workdir / f"web-{number}.ctl")]
        if self.access_log_format:  # deploy/ leaves the access log to the app; here gunicorn writes one too
            args += ["--access-logfile", "-", "--access-logformat", self.access_log_format]
        # each instance's Prometheus counters in a folder of its own, removed with the workdir
        process = self._spawn(f"web-{number}", [*args, "service:create_app()"],
                              PROMETHEUS_MULTIPROC_DIR=str(self.workdir / f"metrics-web-{number}"))
        return WebInstance(process.name, process.popen, process.log, port=port)

    def start_worker(self, number: int) -> Process:
        """One more ``digitoets xapi forward --loop`` worker (as deploy/systemd runs it)."""
        args = [str(BIN / "digitoets"), "xapi", "forward", "--loop", "--interval", str(self.worker_interval)]
        if self.worker_batch_size:
            args += ["--batch-size", str(self.worker_batch_size)]
        return self._spawn(f"worker-{number}", args)

    def cli(self, *args: str, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run ``digitoets ARGS`` once with the topology's environment (a timer or CronJob firing)."""
        done = subprocess.run([str(BIN / "digitoets"), *args], cwd=self.workdir, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"digitoets {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def start_cli(self, name: str, *args: str) -> Process:
        """Start ``digitoets ARGS`` without waiting (two schedulers firing at once)."""
        return self._spawn(name, [str(BIN / "digitoets"), *args])

    def _wait_ready(self, instance: WebInstance) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not instance.alive():
                raise RuntimeError(f"{instance.name} exited with {instance.popen.returncode}:\n{instance.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(instance.url + "/readyz", timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{instance.name} was not ready within {self.startup_timeout} s:\n{instance.log_tail()}")

    # -- LTI -----------------------------------------------------------------------------
    def tool_jwks(self) -> dict[str, Any]:
        """The tool's key set as the LMS fetches it from /lti/jwks (once; the key does not change)."""
        if self._tool_jwks is None:
            self._tool_jwks = requests.get(self.base_url + "/lti/jwks", timeout=10).json()
        return self._tool_jwks

    def _register(self) -> int:
        with self.database.begin() as session:
            org = m.Organisation(slug=ORG_SLUG, name="Zorggroep Schaal")
            session.add(org)
            session.flush()
            registrations.register_platform(
                session, org, issuer=self.lms.issuer, client_id=self.lms.client_id,
                auth_login_url=self.lms.auth_url, auth_token_url=self.lms.token_url,
                key_set_url=self.lms.jwks_url, deployment_ids=[self.lms.deployment_id])
            return org.id

    def login_initiation(self, user: User, *, test_code: str = TEST_CODE, function: str = FUNCTION) -> dict[str, str]:
        """The form the LMS posts to /lti/login for ``user``, a learner opening ``test_code`` in a course."""
        return self.lms.login_initiation(
            f"{self.base_url}/lti/launch", user=user, roles=[LEARNER],
            custom={"digitoets_test": test_code, "digitoets_function": function})

    def authorize(self, auth_url: str) -> dict[str, str]:
        """The LMS's answer to the tool's auth request: the id_token form the browser posts to /lti/launch.

        Served by the LMS's own app in this process, so it works while the LMS's server is
        stopped: the browser still reaches its LMS, but the tool cannot (the load benchmark's proof).
        """
        parts = urlsplit(auth_url)
        with self.lms.app.test_client() as client:
            answer = client.get(parts.path, query_string=dict(parse_qsl(parts.query)))
        if answer.status_code != 200:
            raise AssertionError(f"LMS /auth answered {answer.status_code}: {answer.get_data(as_text=True)}")
        form = _FormInputs()
        form.feed(answer.get_data(as_text=True))
        return form.fields

    def launch(self, browser: requests.Session, user: User, *, login_at: int = 0, launch_at: int = 0,
               timeout: float = 30) -> requests.Response:
        """An employee's LTI launch: login initiation on instance ``login_at``, the id_token on ``launch_at``.

        Returns the launch's answer (a 302 to /lti/check); ``browser`` keeps the cookies.
        """
        login = browser.post(self.instances[login_at].url + "/lti/login", data=self.login_initiation(user),
                             allow_redirects=False, timeout=timeout)
        if login.status_code != 302:
            raise AssertionError(f"/lti/login answered {login.status_code}: {login.text[:500]}")
        return browser.post(self.instances[launch_at].url + "/lti/launch", data=self.authorize(login.headers["Location"]),
                            allow_redirects=False, timeout=timeout)

    # -- what the workers did ------------------------------------------------------------
    def outbox_waiting(self, kind: m.OutboxKind | None = None) -> int:
        """Outbox rows still pending (of ``kind``, or of any kind)."""
        query = select(func.count()).select_from(m.OutboxItem).where(m.OutboxItem.status == m.OutboxStatus.PENDING)
        if kind is not None:
            query = query.where(m.OutboxItem.kind == kind)
        with self.database.begin() as session:
            return session.scalar(query)

    def logs(self) -> str:
        """The tail of every process's log, for a failing test's message."""
        return "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in [*self.instances, *self.worker_processes])
