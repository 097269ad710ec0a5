"""The demo platform itself: constants, people, its key and its registration in the tool."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lti.keys import generate_key, key_from_pem
from lti.registration import ToolKey
from lti.tool_conf import public_pem
from service import models as m
from service.errors import ConflictError
from service.operations import demo
from service.operations import catalogue, registrations
from service.web import current_db, current_settings
from service.web.auth import now

try:
    import jwt
    from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
    from lti1p3platform.registration import Registration as PlatformRegistration

    from service.web.demo_lms.adapter import CachedRegistration, SingleRegistrationConf
except ImportError:  # a production install has no dev dependencies
    PlatformRegistration = None  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)

PREFIX = "/dev/lms"
CLIENT_ID = "digitoets-demo"
DEPLOYMENT_ID = "demo-deployment"
REGISTRATION_NAME = "Demo-leeromgeving (ontwikkelen)"
KEY_FILE = "demo-lms-key.pem"
GRADEBOOK_FILE = "demo-lms-gradebook.json"
EXTENSION = "digitoets.demo_lms"
HINT_SALT = "digitoets-demo-lms-hint"
DATA_SALT = "digitoets-demo-lms-deep-linking"
HINT_MAX_AGE = 12 * 3600  # a course page may stay open for a working day
ID_TOKEN_LIFETIME = 120
COURSE_ID = "digitaal-werken-in-de-zorg"
COURSE_LABEL = "DWZ"

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
INSTITUTION_ADMIN = LIS + "institution/person#Administrator"
COURSE_OFFERING = LIS + "course#CourseOffering"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPES = ("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                   "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly")

#: what a button on the course page asks the tool for
OPEN_TEST, ADD_TEST, ADMIN = "toets", "kiezen", "beheer"

bp = Blueprint("demo_lms", __name__, url_prefix=PREFIX)



@dataclass(frozen=True)
class LmsPerson:
    """Someone in the demo course; ``sub`` stays the same in every launch."""

    key: str
    sub: str
    name: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[str, ...]
    function: str | None  # the HR function code the LMS sends (custom digitoets_function)
    tool_roles: str = ""  # Digitoets roles the LMS sends in the registration's role parameter (custom digitoets_roles)
    sourcedid: str | None = None  # the HR personnel number, sent as lis.person_sourcedid (links the HR record)

    @property
    def learner(self) -> bool:
        return LEARNER in self.roles

    def role_label(self) -> str:
        return {"ans": _("Medewerker"), "docent": _("Docent"), "beheerder": _("Beheerder"),
                "hr": _("HR-adviseur"), "leidinggevende": _("Leidinggevende")}[self.key]


PEOPLE = (
    LmsPerson("ans", "lms-ans-de-vries", "Ans de Vries", "Ans", "de Vries", "ans.devries@delinde.example",
              (LEARNER,), "VIG"),
    LmsPerson("docent", "lms-karin-mulder", "Karin Mulder", "Karin", "Mulder", "karin.mulder@delinde.example",
              (INSTRUCTOR,), "MBOV"),
    LmsPerson("beheerder", "lms-sanne-visser", "Sanne Visser", "Sanne", "Visser", "sanne.visser@delinde.example",
              (INSTITUTION_ADMIN,), "TL"),
    LmsPerson("hr", "lms-peter-smit", "Peter Smit", "Peter", "Smit", "peter.smit@delinde.example",
              (LEARNER,), "TL", tool_roles="hr"),
    # manager of De Boomgaard by the demo's HR data (service.operations.demo_population.MANAGER_NUMBER)
    LmsPerson("leidinggevende", "lms-kees-willems", "Kees Willems", "Kees", "Willems", "kees.willems@delinde.example",
              (LEARNER,), "TL", sourcedid="D2001"),
)
PEOPLE_BY_KEY = {p.key: p for p in PEOPLE}


# --- the platform: key, URLs, lti1p3platform configuration ---------------------------------


class DemoPlatform:
    """The demo LMS of one app: issuer, key (made once in the instance folder) and gradebook."""

    def __init__(self, base_url: str, instance_path: Path):
        self.base_url = base_url.rstrip("/")
        self.issuer = self.base_url + PREFIX
        self.key_path = Path(instance_path) / KEY_FILE
        self.gradebook_path = Path(instance_path) / GRADEBOOK_FILE
        self._key: ToolKey | None = None
        self._lock = threading.Lock()

    auth_url = property(lambda self: self.issuer + "/auth")
    token_url = property(lambda self: self.issuer + "/token")
    jwks_url = property(lambda self: self.issuer + "/jwks")
    return_url = property(lambda self: self.issuer + "/deep-linking-return")
    lineitems_url = property(lambda self: f"{self.issuer}/ags/{COURSE_ID}/lineitems")

    def lineitem_url(self, code: str) -> str:
        return f"{self.lineitems_url}/{code}"

    @property
    def key(self) -> ToolKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = _load_or_create_key(self.key_path)
        return self._key

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [dict(self.key.public_jwk)]}

    def conf(self) -> "SingleRegistrationConf":
        """lti1p3platform's configuration: this platform and the tool, whose key set is read
        in-process (the tool's key folder), never over HTTP."""
        tool = current_app.extensions["digitoets.lti"]
        launch_url = tool.url(url_for("lti.launch"))
        registration = (CachedRegistration().set_iss(self.issuer).set_client_id(CLIENT_ID)
                        .set_deployment_id(DEPLOYMENT_ID).set_launch_url(launch_url)
                        .set_deeplink_launch_url(launch_url)
                        .set_oidc_login_url(tool.url(url_for("lti.login")))
                        .set_tool_key_set(tool.keys.jwks())
                        .set_platform_private_key(self.key.private_key_pem)
                        .set_platform_public_key(public_pem(self.key)))
        registration.kid = self.key.kid
        return SingleRegistrationConf(registration=registration)

    # -- gradebook (scores received through AGS) --------------------------------------------
    def scores(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.gradebook_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return []
        return sorted(data.get("scores", {}).values(), key=lambda s: s.get("received", ""), reverse=True)

    def record_score(self, code: str, score: dict[str, Any]) -> int:
        """Keep the newest score per person and test; 409 when it is not newer (like Moodle)."""
        with self._lock:
            try:
                data = json.loads(self.gradebook_path.read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                data = {"scores": {}}
            key = f"{score['userId']}|{code}"
            moment = datetime.fromisoformat(str(score["timestamp"]))
            previous = data["scores"].get(key)
            if previous and moment <= datetime.fromisoformat(previous["timestamp"]):
                return 409
            data["scores"][key] = {
                "user": str(score["userId"]), "test": code, "timestamp": moment.isoformat(),
                "score_given": float(score["scoreGiven"]), "score_maximum": float(score["scoreMaximum"]),
                "activity": score.get("activityProgress"), "grading": score.get("gradingProgress"),
                "received": now().isoformat(timespec="seconds"),
            }
            _write_atomically(self.gradebook_path, json.dumps(data, indent=2))
            return 200


def _load_or_create_key(path: Path) -> ToolKey:
    """The platform's RSA key: read it, or make it once (0600; a second worker reads the first's)."""
    try:
        return key_from_pem(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        pass
    key = generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".demo-lms-key-")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:  # mkstemp makes it 0600
            handle.write(key.private_key_pem)
        os.link(tmp, path)  # atomic, and refuses to replace a key another worker just made
        logger.info("Demo LMS: new platform key %s in %s", key.kid, path)
        return key
    except FileExistsError:
        return key_from_pem(path.read_text(encoding="ascii"))
    finally:
        os.unlink(tmp)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".demo-lms-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


if PlatformRegistration is not None:

    class _MessageLaunch(LTIAdvantageMessageLaunchAbstract):
        """Renders the signed launch as a form that posts itself to the tool."""

        show_steps = False

        def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
            token = launch_data["id_token"]
            claims = jwt.decode(token, options={"verify_signature": False}) if self.show_steps else None
            return render_template(
                "demo_lms/auto_post.html", action=launch_data["launch_url"], auto=not self.show_steps,
                fields={"id_token": token, "state": launch_data["state"]}, header=jwt.get_unverified_header(token),
                claims=json.dumps(claims, indent=2, ensure_ascii=False) if claims else None)


def platform() -> DemoPlatform:
    app = current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = DemoPlatform(current_settings().base_url, Path(app.instance_path))
    return found


# --- the registration of this platform in the tool ----------------------------------------------


def ensure_registration(db_session, lms: DemoPlatform) -> m.LtiRegistration:
    """The ACTIVE registration of the demo LMS for the demo organisation (idempotent).

    The platform's key set is stored on the row, so the tool reads it instead of fetching
    ``/dev/lms/jwks`` from itself. URLs, deployment and key set follow the current settings.
    """
    organisation = demo.ensure_demo_organisation(db_session, now())
    row = registrations.find_registration(db_session, lms.issuer, CLIENT_ID)
    if row is None:
        row = registrations.register_platform(
            db_session, organisation, issuer=lms.issuer, client_id=CLIENT_ID, auth_login_url=lms.auth_url,
            auth_token_url=lms.token_url, key_set_url=lms.jwks_url, deployment_ids=[DEPLOYMENT_ID],
            name=REGISTRATION_NAME)
        logger.info("Demo LMS registered as LTI registration %s of the demo organisation", row.id)
    key_set = lms.jwks()
    if row.key_set != key_set:
        row.key_set = key_set
    for name, value in (("auth_login_url", lms.auth_url), ("auth_token_url", lms.token_url),
                        ("key_set_url", lms.jwks_url)):
        if getattr(row, name) != value:
            setattr(row, name, value)
    if row.status is not m.RegistrationStatus.ACTIVE:
        row.status = m.RegistrationStatus.ACTIVE
    if DEPLOYMENT_ID not in {d.deployment_id for d in row.deployments}:
        row.deployments.append(m.LtiDeployment(deployment_id=DEPLOYMENT_ID))
    db_session.flush()
    return row


def _ensure_registered(lms: DemoPlatform) -> str | None:
    """Register the demo LMS (first use) and return the demo organisation's name."""
    for attempt in (1, 2):  # two first visits at once: the second insert fails, read it again
        try:
            with current_db().begin() as db_session:
                row = ensure_registration(db_session, lms)
                return row.organisation.name
        except (IntegrityError, ConflictError):
            if attempt == 2:
                raise
    return None


def _course_tests() -> dict[str, str]:
    with current_db().begin() as db_session:
        return {t.code: t.current_version.title
                for t in catalogue.active_tests(db_session)}
