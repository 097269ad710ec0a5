"""A test LMS on loopback, built on lti1p3platform, that signs real id_tokens.

``TestPlatform`` runs a small Flask app on a free 127.0.0.1 port in a background thread
(werkzeug ``make_server``), because the tool calls its token, AGS and NRPS endpoints over real
HTTP. It behaves like Moodle 4.5 where that matters to us: the line item URL has a query string
(``.../lineitems/2/lineitem?type_id=1``), a second score in the same second answers 409, a
score for a non-learner answers 400, NRPS roles are short names, ``aud`` is a plain string.

The Flask <-> lti1p3platform glue (request, configuration, OIDC login, cached registration) is
shared with the demo LMS: ``service/web/demo_lms/adapter.py``. Here: the message launch that a
tamper function can break, and AGS/NRPS stores. It fetches the
tool's key set with a bare ``requests.get``: we hand it the key set instead. Its NRPS puts
``next`` in the JSON body and pages by number; the ``link`` paging mode below serves a proper
``Link`` header with a mixed-case cursor instead. It checks neither ``redirect_uri`` nor
``login_hint``: ``/auth`` does. It is a test peer, not a conformance oracle.

Typical use::

    with TestPlatform(tool_key_set=ring.jwks()) as lms:
        form = lms.login_initiation(TOOL_LAUNCH, roles=[LEARNER])
        login = oidc_login(LtiRequest(form), tool_conf, store, "digitoets.test")
        post = lms.authorize(login.url)                  # {"id_token": ..., "state": ...}
        bad = lms.authorize(login.url, tamper="no_kid")  # a certification case

For a browser (Chromium) test, ``browser_launch_url(tool_login_url, iframe=True)`` gives a
course page that frames the launch; ``/deep-linking-return`` verifies and keeps the links a
deep linking response carries (``deep_linking_items``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import html
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

import flask
import jwt
import requests
from jwcrypto.jwk import JWK
from lti1p3platform.exceptions import LineItemNotFoundException, LtiServiceException
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.response import Response, generate_next_link
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import (AssignmentsGradesService,
                                              NamesRoleProvisioningService, authenticate)
from werkzeug.serving import make_server

from lti.keys import generate_key
from lti.registration import Registration
from service.web.demo_lms.adapter import (CachedRegistration, FlaskRequest, OIDCLogin, SingleRegistrationConf,
                                          loaded_key, public_jwk)

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
TEACHING_ASSISTANT = LIS + "membership/Instructor#TeachingAssistant"
INSTITUTION_ADMIN = LIS + "institution/person#Administrator"
SYSTEM_ADMIN = LIS + "system/person#Administrator"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
SERVICES = "/mod/lti/services.php"
#: (claims, headers, platform) -> (claims, headers, private key PEM); key None: headers["token"]
#: is the finished id_token.
Tamper = Callable[[dict, dict, "TestPlatform"], tuple[dict, dict, str | None]]


def new_private_key() -> str:
    """A fresh 2048-bit RSA private key as PEM (the same key generation as the tool's, lti/keys.py)."""
    return generate_key().private_key_pem


@functools.lru_cache(maxsize=32)
def _public_pem(private_pem: str) -> str:
    return JWK.from_pem(private_pem.encode()).export_to_pem().decode()


@dataclass
class User:
    """A platform user; ``None`` fields are not sent (privacy settings)."""

    id: str = "2"
    name: str | None = "Anna de Vries"
    given_name: str | None = "Anna"
    family_name: str | None = "de Vries"
    email: str | None = "anna@zorg.example"
    #: sent as ``lis.person_sourcedid`` (the HR personnel number) when set
    sourcedid: str | None = None


@dataclass
class LaunchSpec:
    """What the platform will put in the id_token for one ``lti_message_hint``."""

    user: User
    roles: list[str]
    target_link_uri: str
    message_type: str = "LtiResourceLinkRequest"
    custom: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] | None = None
    resource_link: dict[str, str] | None = None
    lineitem_url: str | None = None
    ags: bool = True
    nrps: bool = True
    deep_linking: dict[str, Any] | None = None
    locale: str | None = "nl-NL"


class _MessageLaunch(LTIAdvantageMessageLaunchAbstract):
    """Signs the launch itself, so a tamper function can break it first."""

    tamper: Tamper | None = None
    platform: "TestPlatform"

    def generate_launch_request(self):
        claims, state = self.get_launch_data()
        if self._dl:
            claims[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
            claims.update(self._deep_linking_launch_data or {})
        now = int(time.time())
        claims.update(iat=now, exp=now + 60)  # Moodle's id_tokens live 60 s
        registration = self._registration
        headers = {"kid": registration.get_kid()}
        key = registration.get_platform_private_key()
        if self.tamper:
            claims, headers, key = self.tamper(claims, headers, self.platform)
            if key is None:
                return {"state": state, "id_token": headers["token"]}
        return {"state": state,
                "id_token": jwt.encode(claims, loaded_key(key), algorithm="RS256", headers=headers)}

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        fields = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                         for k, v in (("id_token", launch_data["id_token"]),
                                      ("state", launch_data["state"])))
        return (f'<form id="f" method="post" action="{html.escape(launch_data["launch_url"])}">'
                f'{fields}</form><script>document.getElementById("f").submit()</script>')


class _Ags(AssignmentsGradesService):
    """Line items and scores in the platform's memory, with Moodle's 400 and 409."""

    platform: "TestPlatform"
    context_id: str

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None,
                       resource_id=None, tag=None, **ignored):
        items = [i for i in self.platform.lineitems.values() if i["context"] == self.context_id
                 and (tag is None or i["tag"] == tag)
                 and (resource_id is None or i["resourceId"] == resource_id)]
        return {"content": [_public(i) for i in items], "has_next": False}

    def find_lineitem(self, line_item_id):
        item = self.platform.lineitems.get(line_item_id)
        if item is None or item["context"] != self.context_id:
            raise LineItemNotFoundException(line_item_id)
        return _public(item)

    def create_lineitem(self, creation_data):
        return _public(self.platform.add_lineitem(self.context_id, **{
            "label": creation_data.get("label", ""), "score_maximum": creation_data["scoreMaximum"],
            "tag": creation_data.get("tag"), "resource_id": creation_data.get("resourceId"),
            "resource_link_id": creation_data.get("resourceLinkId")}))

    def update_lineitem(self, update_data):
        raise LtiServiceException("not supported", 405)

    def delete_lineitem(self, line_item_id):
        raise LtiServiceException("not supported", 405)

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        return {"content": [], "has_next": False}

    def update_score(self, line_item_id, score):
        item = self.platform.lineitems.get(line_item_id)
        if item is None:
            raise LineItemNotFoundException(line_item_id)
        member = self.platform.members.get(self.context_id, {}).get(str(score.get("userId")))
        if member is None or "Learner" not in member["roles"]:
            raise LtiServiceException("user is not gradable", 400)
        second = int(datetime.fromisoformat(str(score["timestamp"])).timestamp())
        key = (line_item_id, str(score["userId"]))
        if second <= self.platform.last_score_second.get(key, -1):
            return UpdateScoreStatus.OLD_TIMESTAMP
        self.platform.last_score_second[key] = second
        rescaled = float(score["scoreGiven"]) / float(score["scoreMaximum"]) * item["scoreMaximum"]
        self.platform.scores.append({**score, "lineitem": line_item_id, "rescaled": rescaled})
        return UpdateScoreStatus.SUCCESS


class _Nrps(NamesRoleProvisioningService):
    """lti1p3platform's own paging: page numbers and ``next`` in the JSON body."""

    platform: "TestPlatform"
    context_id: str

    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **ignored):
        members = self.platform.member_list(self.context_id)
        limit = limit or len(members) or 1
        start = (page - 1) * limit
        return {"content": members[start:start + limit], "has_next": start + limit < len(members)}

    def get_context_by_id(self):
        return Context(id=self.context_id, label=self.context_id, title=self.context_id)


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "context" and v is not None}


class _FormInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.action = values.get("action")
        elif tag == "input" and values.get("name"):
            self.fields[values["name"] or ""] = values.get("value") or ""


def _without(*names: str) -> Tamper:
    def tamper(claims: dict, headers: dict, platform: "TestPlatform"):
        for name in names:
            claims.pop(name if "/" in name or name in ("sub", "exp", "iat", "azp", "nonce")
                       else CLAIM + name, None)
        return claims, headers, platform.private_key
    return tamper


def _with(**changes: Any) -> Tamper:
    def tamper(claims: dict, headers: dict, platform: "TestPlatform"):
        now = int(time.time())
        for name, value in changes.items():
            value = value(claims, now) if callable(value) else value
            claims[name if name in ("aud", "azp", "iat", "exp", "iss", "nonce", "sub")
                   else CLAIM + name] = value
        return claims, headers, platform.private_key
    return tamper


def _no_kid(claims: dict, headers: dict, platform: "TestPlatform"):
    return claims, {}, platform.private_key


def _unknown_kid(claims: dict, headers: dict, platform: "TestPlatform"):
    return claims, {"kid": public_jwk(platform.stranger_key)["kid"]}, platform.stranger_key


def _bad_signature(claims: dict, headers: dict, platform: "TestPlatform"):
    return claims, headers, platform.stranger_key  # the real kid, the wrong key


def _hs256_with_public_key(claims: dict, headers: dict, platform: "TestPlatform"):
    # The classic algorithm confusion: HMAC keyed with the platform's public key. Returned as
    # a ready token (key None): PyJWT itself refuses to produce it.
    segments = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
                for part in ({"alg": "HS256", "typ": "JWT", "kid": headers.get("kid")}, claims)]
    signing_input = b".".join(segments)
    mac = hmac.new(_public_pem(platform.private_key).encode(), signing_input, hashlib.sha256)
    token = signing_input + b"." + base64.urlsafe_b64encode(mac.digest()).rstrip(b"=")
    return claims, {"token": token.decode()}, None


#: The platform side of LTI Platform Storage (lti.put_data / lti.get_data), kept per page.
PLATFORM_STORAGE_JS = """
var store = {}; window.platformStorageLog = [];
window.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.subject !== "lti.put_data" && data.subject !== "lti.get_data") { return; }
  window.platformStorageLog.push(data.subject);
  var answer = {subject: data.subject + ".response", message_id: data.message_id, key: data.key};
  if (data.subject === "lti.put_data") { store[event.origin + "|" + data.key] = data.value; answer.value = data.value; }
  else { answer.value = store[event.origin + "|" + data.key]; }
  event.source.postMessage(answer, event.origin);
});
"""

#: The platform's registration panel: closed (removed) when the framed tool posts
#: org.imsglobal.lti.close; ``window.registrationClosedBy`` records the sender's origin.
REGISTRATION_PANEL_JS = """
window.registrationClosedBy = null;
window.addEventListener("message", function (event) {
  if (!event.data || event.data.subject !== "org.imsglobal.lti.close") { return; }
  if (event.source !== window.frames.registration) { return; }
  window.registrationClosedBy = event.origin;
  document.getElementById("panel").remove();
});
"""

#: The certification's invalid tokens (and a few more), by name.
BROKEN: dict[str, Tamper] = {
    "no_kid": _no_kid,
    "unknown_kid": _unknown_kid,
    "bad_signature": _bad_signature,
    "hs256_with_public_key": _hs256_with_public_key,
    "wrong_version": _with(version="1.2.0"),
    "no_version": _without("version"),
    "no_message_type": _without("message_type"),
    "wrong_message_type": _with(message_type="LtiSomethingElse"),
    "no_roles": _without("roles"),
    "no_deployment_id": _without("deployment_id"),
    "unknown_deployment": _with(deployment_id="deployment-unknown"),
    "no_resource_link_id": _with(resource_link={"title": "Zonder id"}),
    "no_sub": _without("sub"),
    "iat_in_future": _with(iat=lambda c, now: now + 3600, exp=lambda c, now: now + 3660),
    "iat_not_a_number": _with(iat="yesterday"),
    "expired": _with(iat=lambda c, now: now - 120, exp=lambda c, now: now - 60),
    "no_exp": _without("exp"),
    "too_old": _with(iat=lambda c, now: now - 900, exp=lambda c, now: now + 60),
    "wrong_aud": _with(aud="another-tool", azp="another-tool"),
    "aud_list_wrong_azp": _with(aud=lambda c, now: [c["aud"], "another-tool"], azp="another-tool"),
    "aud_list_no_azp": _with(aud=lambda c, now: [c["aud"], "another-tool"], azp=None),
    "wrong_iss": _with(iss="https://other-lms.example"),
    "wrong_nonce": _with(nonce="nonce-of-another-login"),
    "foreign_target_link_uri": _with(target_link_uri="https://evil.example/lti/launch"),
}


class TestPlatform:
    """A running test LMS; see the module docstring.

    Args:
        tool_key_set: The tool's JWKS, or a callable returning it (key rotation).
        tool_launch_url: The tool's registered redirect URI (and default target link URI).
        client_id: Our client id at this platform.
        deployment_id: The deployment id it sends.
        nrps_paging: ``"link"`` (Link header, mixed-case cursor) or ``"body"`` (lti1p3platform).
        nrps_page_size: Members per page.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, tool_key_set: Mapping[str, Any] | Callable[[], Mapping[str, Any]], *,
                 tool_launch_url: str = "https://digitoets.test/lti/launch",
                 client_id: str = "digitoets-client-1", deployment_id: str = "deployment-1",
                 nrps_paging: str = "link", nrps_page_size: int = 2):
        self._tool_key_set = tool_key_set
        self.tool_launch_url = tool_launch_url
        self.redirect_uris = [tool_launch_url]
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.nrps_paging = nrps_paging
        self.nrps_page_size = nrps_page_size
        self.private_key = new_private_key()
        self.pending: dict[str, LaunchSpec] = {}
        self.lineitems: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, dict[str, Any]]] = {}
        self.scores: list[dict[str, Any]] = []
        self.last_score_second: dict[tuple[str, str], int] = {}
        self.token_requests = 0
        self.nrps_requests: list[str] = []
        self.registration_tokens: set[str] = set()
        self.dynamic_registrations: list[dict[str, Any]] = []
        self.start_pages: dict[str, tuple[str, dict[str, str]]] = {}
        self.deep_linking_items: list[dict[str, Any]] = []
        self.openid_issuer: str | None = None  # override to test the issuer check
        #: the ``iss`` of its tokens when not its own address (Canvas: https://canvas.instructure.com)
        self.issuer_override: str | None = None
        #: where its configuration says the registration endpoint is, when not its own address
        self.registration_base: str | None = None
        self._cursors: dict[str, int] = {}
        self._tamper: Tamper | None = None
        self.last_redirect_uri: str | None = None
        self._ids = itertools.count(1)
        self._server = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.app = self._build_app()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "TestPlatform":
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @functools.cached_property
    def stranger_key(self) -> str:
        """Signs the "unknown kid" tokens; never published. Made when a test first asks for it."""
        return new_private_key()

    def __enter__(self) -> "TestPlatform":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- URLs --------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.issuer_override or self.base_url

    auth_url = property(lambda self: self.base_url + "/auth")
    token_url = property(lambda self: self.base_url + "/token")
    jwks_url = property(lambda self: self.base_url + "/jwks")
    openid_configuration_url = property(lambda self: self.base_url + "/.well-known/openid-configuration")

    def lineitems_url(self, context_id: str) -> str:
        return f"{self.base_url}{SERVICES}/{context_id}/lineitems?type_id=1"

    def memberships_url(self, context_id: str) -> str:
        url = f"{self.base_url}{SERVICES}/CourseSection/{context_id}/bindings/1/memberships"
        return url + (f"?limit={self.nrps_page_size}" if self.nrps_paging == "body" else "")

    def tool_registration(self, *, id: int = 1, tenant_id: int = 1, active: bool = True,
                          pinned_key_set: bool = False, client_id: str | None = None,
                          deployment_ids: frozenset[str] | None = None) -> Registration:
        """This platform as the tool's ``Registration`` (key set by URL unless pinned)."""
        return Registration(
            id=id, tenant_id=tenant_id, issuer=self.issuer, client_id=client_id or self.client_id,
            auth_login_url=self.auth_url, auth_token_url=self.token_url,
            key_set_url=self.jwks_url, key_set=self.platform_jwks() if pinned_key_set else None,
            deployment_ids=deployment_ids or frozenset({self.deployment_id}), active=active)

    def platform_jwks(self) -> dict[str, Any]:
        return {"keys": self._conf().get_jwks()["keys"]}

    # -- launches ----------------------------------------------------------------------
    def login_initiation(self, target_link_uri: str | None = None, *, user: User | None = None,
                         roles: list[str] | tuple[str, ...] = (LEARNER,),
                         custom: Mapping[str, str] | None = None,
                         message_type: str = "LtiResourceLinkRequest",
                         context: Mapping[str, str] | None | bool = True,
                         resource_link: Mapping[str, str] | None | bool = True,
                         lineitem: bool | str = True, ags: bool = True, nrps: bool = True,
                         deep_linking: Mapping[str, Any] | None = None,
                         storage_target: str | None = None, send_client_id: bool = True,
                         locale: str | None = "nl-NL") -> dict[str, str]:
        """Return the login initiation form the platform would POST to the tool."""
        user = user or User()
        ctx = {"id": "course-1", "title": "Zorg digitaal", "label": "ZD1"} if context is True else (
            dict(context) if context else None)
        link = {"id": "link-1", "title": "Digitoets ECD"} if resource_link is True else (
            dict(resource_link) if resource_link else None)
        if message_type == "LtiDeepLinkingRequest":
            link, deep_linking = None, deep_linking or {"data": "dl-data-42"}
        spec = LaunchSpec(user=user, roles=list(roles), custom=dict(custom or {}),
                          target_link_uri=target_link_uri or self.tool_launch_url,
                          message_type=message_type, context=ctx, resource_link=link,
                          ags=ags and ctx is not None, nrps=nrps and ctx is not None,
                          deep_linking=dict(deep_linking) if deep_linking else None, locale=locale)
        if ctx is not None:
            self.add_member(ctx["id"], user.id, _short_roles(roles), name=user.name, email=user.email)
            if ags and lineitem and link:
                spec.lineitem_url = lineitem if isinstance(lineitem, str) else self.add_lineitem(
                    ctx["id"], label=link.get("title", "Digitoets"), score_maximum=100,
                    resource_link_id=link["id"])["id"]
        hint = uuid.uuid4().hex
        self.pending[hint] = spec
        login = OIDCLogin(None, self._conf())
        login.set_lti_message_hint(hint=hint)
        login.set_launch_url(spec.target_link_uri)
        params = dict(parse_qsl(urlsplit(login.prepare_preflight_url(user.id)).query))
        if not send_client_id:
            params.pop("client_id", None)
        if storage_target:
            params["lti_storage_target"] = storage_target
        return params

    def browser_launch_url(self, tool_login_url: str, *, iframe: bool = False,
                           **initiation: Any) -> str:
        """A page URL for a browser: it POSTs the login initiation to ``tool_login_url``.

        With ``iframe=True`` the page is a course page that frames the launch (a cross-site
        iframe when the tool runs on another host name, e.g. ``localhost`` vs ``127.0.0.1``).
        Keyword arguments go to ``login_initiation``.
        """
        page = uuid.uuid4().hex
        self.start_pages[page] = (tool_login_url, self.login_initiation(**initiation))
        return f"{self.base_url}/{'course' if iframe else 'start'}/{page}"

    def authorize(self, auth_request: str | Mapping[str, str], *,
                  tamper: str | Tamper | None = None) -> dict[str, str]:
        """Send the tool's auth request to ``/auth`` over HTTP; return the form to post back.

        Args:
            auth_request: The redirect URL the tool produced, or its parameters.
            tamper: A name from ``BROKEN`` or a tamper function: break the id_token.
        """
        self._tamper = BROKEN[tamper] if isinstance(tamper, str) else tamper
        try:
            if isinstance(auth_request, str):
                response = requests.get(auth_request, timeout=5)
            else:
                response = requests.post(self.auth_url, data=dict(auth_request), timeout=5)
        finally:
            self._tamper = None
        if response.status_code != 200:
            raise AssertionError(f"platform /auth answered {response.status_code}: {response.text}")
        parser = _FormInputs()
        parser.feed(response.text)
        self.last_redirect_uri = parser.action
        return parser.fields

    # -- services' data ----------------------------------------------------------------
    def add_member(self, context_id: str, user_id: str, roles: list[str], *, name: str | None = None,
                   email: str | None = None, status: str = "Active") -> None:
        member = {"user_id": user_id, "roles": list(roles), "status": status}
        member.update({k: v for k, v in (("name", name), ("email", email)) if v})
        self.members.setdefault(context_id, {})[user_id] = member

    def member_list(self, context_id: str) -> list[dict[str, Any]]:
        return list(self.members.get(context_id, {}).values())

    def add_lineitem(self, context_id: str, *, label: str, score_maximum: float,
                     tag: str | None = None, resource_id: str | None = None,
                     resource_link_id: str | None = None) -> dict[str, Any]:
        number = next(self._ids)
        url = f"{self.base_url}{SERVICES}/{context_id}/lineitems/{number}/lineitem?type_id=1"
        item = {"id": url, "label": label, "scoreMaximum": score_maximum, "tag": tag,
                "resourceId": resource_id, "resourceLinkId": resource_link_id, "context": context_id}
        self.lineitems[url] = item
        return item

    def receive_deep_linking_response(self, token: str) -> list[dict[str, Any]]:
        """Verify a deep linking response as the platform does; return its content items."""
        return self._conf().validate_deeplinking_resp({"JWT": token})

    def start_dynamic_registration(self) -> tuple[str, str]:
        """Return (openid_configuration URL, single-use registration token)."""
        token = uuid.uuid4().hex
        self.registration_tokens.add(token)
        return self.openid_configuration_url, token

    # -- internals ---------------------------------------------------------------------
    def _conf(self) -> SingleRegistrationConf:
        key_set = self._tool_key_set() if callable(self._tool_key_set) else self._tool_key_set
        registration = (CachedRegistration().set_iss(self.issuer).set_client_id(self.client_id)
                        .set_deployment_id(self.deployment_id)
                        .set_launch_url(self.tool_launch_url).set_oidc_login_url(
                            self.tool_launch_url.rsplit("/", 1)[0] + "/login")
                        .set_tool_key_set(dict(key_set))
                        .set_platform_private_key(self.private_key)
                        .set_platform_public_key(_public_pem(self.private_key)))
        return SingleRegistrationConf(registration=registration)

    def _build_app(self) -> flask.Flask:
        app = flask.Flask("digitoets-test-lms")
        app.add_url_rule("/auth", view_func=self._auth, methods=["GET", "POST"])
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/jwks", view_func=lambda: flask.jsonify(self.platform_jwks()))
        app.add_url_rule("/.well-known/openid-configuration", view_func=self._openid_configuration)
        app.add_url_rule("/register", view_func=self._register, methods=["POST"])
        app.add_url_rule("/start/<page>", view_func=self._start)
        app.add_url_rule("/course/<page>", view_func=self._course)
        app.add_url_rule("/admin/tool-registration", view_func=self._tool_registration)
        app.add_url_rule("/deep-linking-return", view_func=self._deep_linking_return,
                         methods=["POST"])
        app.add_url_rule(f"{SERVICES}/<context_id>/lineitems", view_func=self._lineitems,
                         methods=["GET", "POST"])
        app.add_url_rule(f"{SERVICES}/<context_id>/lineitems/<int:number>/lineitem",
                         view_func=self._lineitem, methods=["GET"])
        app.add_url_rule(f"{SERVICES}/<context_id>/lineitems/<int:number>/lineitem/scores",
                         view_func=self._scores, methods=["POST"])
        app.add_url_rule(f"{SERVICES}/CourseSection/<context_id>/bindings/1/memberships",
                         view_func=self._memberships)
        return app

    def _auth(self):
        request = FlaskRequest(flask.request)
        params = request.get_data or request.form_data
        checks = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                  "client_id": self.client_id}
        for name, expected in checks.items():
            if params.get(name) != expected:
                return f"invalid {name}", 400
        if params.get("redirect_uri") not in self.redirect_uris:
            return "invalid redirect_uri", 400
        spec = self.pending.get(params.get("lti_message_hint", ""))
        if spec is None or params.get("login_hint") != spec.user.id:
            return "unknown lti_message_hint or login_hint", 400
        launch = _MessageLaunch(request, self._conf())
        launch.platform, launch.tamper = self, self._tamper
        user = spec.user
        launch.set_user_data(user.id, spec.roles, full_name=user.name, email_address=user.email)
        names = {k: v for k, v in (("given_name", user.given_name),
                                   ("family_name", user.family_name)) if v}
        launch.set_extra_claims(names)
        if user.sourcedid:
            launch.set_extra_claims({CLAIM + "lis": {"person_sourcedid": user.sourcedid}})
        launch.set_launch_url(spec.target_link_uri)
        if spec.context:
            launch.set_launch_context_claim(spec.context["id"], context_title=spec.context.get("title"),
                                            context_label=spec.context.get("label"))
        if spec.resource_link:
            launch.set_resource_link_claim(spec.resource_link["id"], title=spec.resource_link.get("title"))
        if spec.custom:
            launch.set_custom_parameters_claim(spec.custom)
        if spec.locale:
            launch.set_extra_claims({CLAIM + "launch_presentation": {
                "locale": spec.locale, "document_target": "iframe"}})
        if spec.ags:
            launch.set_ags(self.lineitems_url(spec.context["id"]), spec.lineitem_url)
        if spec.nrps:
            launch.set_nrps(self.memberships_url(spec.context["id"]))
        if spec.message_type == "LtiDeepLinkingRequest":
            settings = dict(spec.deep_linking or {})
            launch.set_dl(settings.get("return_url", self.base_url + "/deep-linking-return"),
                          title="Kies een digitoets", accept_types={"ltiResourceLink"},
                          extra_data=settings.get("data"))
        elif spec.message_type != "LtiResourceLinkRequest":
            launch.set_extra_claims({CLAIM + "message_type": spec.message_type})
        return launch.lti_launch()

    def _start(self, page: str):
        if page not in self.start_pages:
            return "unknown page", 404
        url, form = self.start_pages[page]
        fields = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                         for k, v in form.items())
        return (f'<form id="f" method="post" action="{html.escape(url)}">{fields}</form>'
                '<script>document.getElementById("f").submit()</script>')

    def _course(self, page: str):
        # The course page also offers LTI Platform Storage, as Brightspace, Blackboard and
        # Canvas do: the framed tool may keep values here with postMessage (lti.put_data /
        # lti.get_data) when the browser does not send its cookies inside the frame.
        return (f'<h1>Zorg digitaal</h1><iframe name="lti" title="Digitoets" width="900" '
                f'height="700" src="{html.escape(self.base_url)}/start/{html.escape(page)}"></iframe>'
                f'<script>{PLATFORM_STORAGE_JS}</script>')

    def _tool_registration(self):
        # Moodle's "Add LTI Advantage": the tool's registration page in a panel (an iframe) of
        # the platform's own page, closed when the tool posts org.imsglobal.lti.close.
        url, token = self.start_dynamic_registration()
        tool = flask.request.args["url"]
        src = tool + ("&" if "?" in tool else "?") + urlencode(
            {"openid_configuration": url, "registration_token": token})
        return (f'<h1>Manage tools</h1><div id="panel"><iframe name="registration" title="Registration" '
                f'width="800" height="500" src="{html.escape(src)}"></iframe></div>'
                f'<script>{REGISTRATION_PANEL_JS}</script>')

    def _deep_linking_return(self):
        try:
            items = self.receive_deep_linking_response(flask.request.form.get("JWT", ""))
        except Exception as exc:  # lti1p3platform raises several kinds for a bad response
            return f"deep linking response refused: {type(exc).__name__}", 400
        self.deep_linking_items.extend(items)
        return f"<p>{len(items)} link(s) added</p>"

    def _token(self):
        self.token_requests += 1
        try:
            return flask.jsonify(self._conf().get_access_token(flask.request.form.to_dict()))
        except Exception as exc:  # lti1p3platform raises many kinds; all mean a bad client
            return flask.jsonify({"error": "invalid_client", "detail": type(exc).__name__}), 400

    def _service(self, cls, context_id: str):
        if cls is _Nrps:
            service = cls(FlaskRequest(flask.request), self._conf(),
                          self.memberships_url(context_id).split("?")[0])
        else:
            service = cls(FlaskRequest(flask.request), self._conf(),
                          self.lineitems_url(context_id).split("?")[0])
        service.platform, service.context_id = self, context_id
        return service

    def _respond(self, call: Callable[[], Response], link_header: bool = True):
        try:
            resp = call()
        except Exception as exc:  # invalid or expired access token: lti1p3platform raises
            return flask.jsonify({"error": type(exc).__name__}), 401
        if not 200 <= resp.code < 300:
            return flask.jsonify({"error": resp.message}), resp.code
        result = resp.result
        data = result["content"] if isinstance(result, dict) and "content" in result else result
        response = flask.Response(flask.json.dumps(data) if data is not None else "",
                                  status=resp.code, content_type=resp.media_type)
        if link_header and isinstance(result, dict) and result.get("next"):
            response.headers["Link"] = generate_next_link(result["next"])
        return response

    def _lineitems(self, context_id: str):
        service = self._service(_Ags, context_id)
        if flask.request.method == "POST":
            return self._respond(lambda: service.handle_resp(service.handle_create_lineitem))
        return self._respond(lambda: service.handle_resp(service.handle_get_lineitems))

    def _lineitem(self, context_id: str, number: int):
        service = self._service(_Ags, context_id)
        url = f"{self.base_url}{SERVICES}/{context_id}/lineitems/{number}/lineitem?type_id=1"
        return self._respond(lambda: service.handle_resp(service.handle_get_lineitem,
                                                         line_item_id=url))

    def _scores(self, context_id: str, number: int):
        if flask.request.args.get("type_id") != "1":
            return flask.jsonify({"error": "no type_id: the query string was dropped"}), 404
        service = self._service(_Ags, context_id)
        url = f"{self.base_url}{SERVICES}/{context_id}/lineitems/{number}/lineitem?type_id=1"
        return self._respond(lambda: service.handle_resp(service.handle_update_score,
                                                         line_item_id=url))

    def _memberships(self, context_id: str):
        self.nrps_requests.append(flask.request.full_path)
        service = self._service(_Nrps, context_id)
        if self.nrps_paging == "body":
            return self._respond(lambda: service.handle_resp(service.handle_get_members),
                                 link_header=False)
        # Link paging with a case-sensitive cursor (like Canvas's opaque page tokens).
        cursor = flask.request.args.get("cursor")
        start = 0 if cursor is None else self._cursors.get(cursor)
        if start is None:
            return flask.jsonify({"error": "unknown cursor"}), 400
        members = self.member_list(context_id)
        stop = start + self.nrps_page_size

        def page() -> Response:
            body = {"id": flask.request.url, "context": {"id": context_id},
                    "members": service.clean_members(members[start:stop])}
            return Response(body, 200, "success")

        response = self._respond(lambda: service.handle_resp(
            _authenticated(service, page)), link_header=False)
        if stop < len(members) and getattr(response, "status_code", 0) == 200:
            cursor = f"PaGe{len(self._cursors) + 2}Of{uuid.uuid4().hex[:6].upper()}x"
            self._cursors[cursor] = stop
            next_url = self.memberships_url(context_id) + "?" + urlencode({"cursor": cursor})
            response.headers["Link"] = f'<{next_url}>; rel="next"'
        return response

    def _openid_configuration(self):
        base = self.base_url
        return flask.jsonify({
            "issuer": self.openid_issuer or self.issuer,
            "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token",
            "jwks_uri": base + "/jwks", "registration_endpoint": (self.registration_base or base) + "/register",
            "scopes_supported": ["openid",
                                 "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                                 "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                                 "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                                 "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                                 "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public", "pairwise"],
            "claims_supported": ["iss", "sub", "aud", "name", "given_name", "family_name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle", "version": "4.5",
                "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                       {"type": "LtiDeepLinkingRequest"}]},
        })

    def _register(self):
        auth = flask.request.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if token not in self.registration_tokens:
            return flask.jsonify({"error": "invalid registration token"}), 401
        self.registration_tokens.discard(token)  # single use
        body = flask.request.get_json(force=True)
        self.dynamic_registrations.append(body)
        client_id = "dyn-" + uuid.uuid4().hex[:8]
        tool_config = dict(body.get("https://purl.imsglobal.org/spec/lti-tool-configuration", {}))
        tool_config["deployment_id"] = "dyn-deployment-1"
        return flask.jsonify({**body, "client_id": client_id,
                              "https://purl.imsglobal.org/spec/lti-tool-configuration": tool_config})


def _authenticated(service: Any, page: Callable[[], Response]) -> Callable[[], Response]:
    """Wrap ``page`` in lti1p3platform's bearer token check for ``service``'s scopes."""
    return lambda: authenticate(allow_methods=["GET"],
                                accept="application/vnd.ims.lti-nrps.v2.membershipcontainer+json")(
        lambda svc: page())(service)


def _short_roles(roles: Any) -> list[str]:
    """NRPS roles as Moodle sends them: short names, not the id_token's URIs."""
    return [str(role).rsplit("#", 1)[-1] for role in roles]
