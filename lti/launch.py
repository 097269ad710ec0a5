"""OIDC login initiation and launch validation: pylti1p3's checks plus the ones it lacks.

Flow for the service::

    login = oidc_login(LtiRequest(...), tool_conf, store, allowed_hosts)   # POST/GET /lti/login
    # set login.cookies on the response, then redirect the browser to login.url
    context = validate_launch(LtiRequest(...), tool_conf, store, allowed_hosts)  # POST /lti/launch

Both raise ``LaunchError(reason_code, ...)`` for every refusal; no pylti1p3 exception escapes.
The OIDC state is bound to the browser by the state cookie, or, where third-party cookies are
blocked, by LTI platform storage (``browser_state``). Everything else lives in the
``LaunchStateStore``, so any worker can finish any launch and no Flask session is used.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Collection, Mapping
from urllib.parse import parse_qsl

import requests
from pylti1p3.exception import LtiException, OIDCException

from lti._pylti import ToolMessageLaunch, ToolOIDCLogin, reason_for
from lti.checks import (STORAGE_PROOF, ClaimChecks, check_audience, check_browser, login_state, peek,
                        platform_hosts)
from lti.claims import LaunchContext, launch_context, tool_roles  # noqa: F401 - public API
from lti.errors import BusyError, LaunchError
from lti.key_sets import KeySetCache
from lti.registration import LaunchStateStore
from lti.request import Cookie, CookieJar, RequestLike, TimeoutSession, host_allowed, normalise_hosts
from lti.storage import DEFAULT_LAUNCH_TTL, DEFAULT_LOGIN_TTL, StateStoreStorage, StoreSessionService
from lti.tool_conf import ToolConf

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 300
DEFAULT_LEEWAY = 5
#: Seconds our storage page has to read the state from the platform and post it back.
STORAGE_PROOF_TTL = 120
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
_META = "lti1p3-meta-"
#: The login initiation's own parameters, kept with the state to restart the same launch in a
#: new window (``lti_storage_target`` is left out: a top-level window keeps its cookies).
INITIATION_PARAMS = ("iss", "login_hint", "lti_message_hint", "client_id", "lti_deployment_id",
                     "target_link_uri")


#: Marks a login that waits for its launch: ``<prefix><registration id>-<state>``.
PENDING_LOGIN = "lti1p3-pending-"


@dataclass(frozen=True)
class PendingLimits:
    """At most this many logins wait for their launch, per registration and in total."""

    per_registration: int = 1000
    total: int = 10000


@dataclass(frozen=True)
class LoginRedirect:
    """Where to send the browser after a login initiation.

    Attributes:
        url: The platform's authorization endpoint with the auth request as query string.
        params: The same auth request, for a form POST instead of a redirect.
        state: The OIDC state (put it in platform storage when ``storage_target`` is set).
        cookies: Cookies to set on the response (the state cookie).
        storage_target: ``lti_storage_target`` of the login: the platform offers storage.
        registration_id: For logging.
    """

    url: str
    params: Mapping[str, str]
    state: str
    cookies: tuple[Cookie, ...]
    storage_target: str | None
    registration_id: int


def oidc_login(request: RequestLike, tool_conf: ToolConf, store: LaunchStateStore,
               allowed_hosts: Collection[str] | str, *, redirect_uri: str | None = None,
               login_ttl: int = DEFAULT_LOGIN_TTL, limits: PendingLimits = PendingLimits()) -> LoginRedirect:
    """Answer a third-party login initiation (iss, login_hint, target_link_uri, ...).

    Args:
        request: The initiation request (GET query or POST form).
        allowed_hosts: Our host names (``host`` or ``host:port``); ``target_link_uri`` must be on one.
        redirect_uri: Our registered launch URL; defaults to ``target_link_uri``.
        login_ttl: Seconds the state and nonce wait for the launch.
        limits: Caps on logins waiting for their launch (anyone may start one).

    Raises:
        LaunchError: ``missing_iss``, ``missing_login_hint``, ``missing_target_link_uri``,
            ``target_link_uri_foreign``, ``unknown_registration``, ``registration_pending``,
            ``unknown_deployment``.
        BusyError: when ``limits`` are reached; nothing is stored.
    """
    hosts = normalise_hosts(allowed_hosts)
    param = request.get_param
    iss, client_id, target = param("iss"), param("client_id") or None, param("target_link_uri")
    for name, value in (("iss", iss), ("login_hint", param("login_hint")),
                        ("target_link_uri", target)):
        if not value:
            raise LaunchError(f"missing_{name}", f"login initiation without {name}")
    if not host_allowed(target, hosts) or (redirect_uri and not host_allowed(redirect_uri, hosts)):
        raise LaunchError("target_link_uri_foreign", f"target_link_uri {target} is not ours")
    registration = tool_conf.registration(iss, client_id, param("lti_deployment_id") or None)
    if registration is None:
        raise LaunchError("unknown_registration", f"no registration for {iss} [{client_id}]")
    if not registration.active:
        raise LaunchError("registration_pending", f"registration {registration.id} is not active")
    deployment_id = param("lti_deployment_id")
    if deployment_id and deployment_id not in registration.deployment_ids:
        raise LaunchError("unknown_deployment", f"registration {registration.id} has no "
                                                f"deployment {deployment_id}")
    pending_here, pending_all = _pending_counts(store, registration.id, login_ttl)
    if pending_here >= limits.per_registration or pending_all >= limits.total:
        logger.warning("LTI login for registration %s refused: too many pending logins", registration.id)
        raise BusyError(f"too many logins wait for their launch (registration {registration.id})")
    storage_target = param("lti_storage_target") or None
    session = StoreSessionService(StateStoreStorage(store), login_ttl=login_ttl)
    cookies = CookieJar(request)
    login = ToolOIDCLogin(request, tool_conf, session, cookies)
    login.pass_params_to_launch({
        "issuer": iss, "client_id": registration.client_id, "registration_id": registration.id,
        "target_link_uri": target, "storage_target": storage_target,
        "initiation": {name: param(name) for name in INITIATION_PARAMS if param(name)}})
    try:
        url = login.get_redirect_object(redirect_uri or target).get_redirect_url()
    except (OIDCException, LtiException) as exc:
        raise reason_for(exc) from exc
    # pylti1p3 appends "?" even when the endpoint already has a query string.
    query = url[len(registration.auth_login_url) + 1:]
    params = dict(parse_qsl(query, keep_blank_values=True))
    joiner = "&" if "?" in registration.auth_login_url else "?"
    store.set(f"{PENDING_LOGIN}{registration.id}-{params['state']}", "1", login_ttl)
    logger.info("LTI login for registration %s", registration.id)
    return LoginRedirect(url=registration.auth_login_url + joiner + query, params=params,
                         state=params["state"], cookies=tuple(cookies.to_set),
                         storage_target=storage_target, registration_id=registration.id)


def _pending_counts(store: LaunchStateStore, registration_id: int, login_ttl: int) -> tuple[int, int]:
    """Logins waiting for their launch: for this registration, and in total (one query when the store can).

    Pending marks live ``login_ttl`` seconds: the store need only read rows expiring within it.
    """
    prefixes = (f"{PENDING_LOGIN}{registration_id}-", PENDING_LOGIN)
    count_many = getattr(store, "count_live_many", None)
    if count_many is not None:
        here, total = count_many(prefixes, ttl_seconds=login_ttl)
        return here, total
    return store.count_live(prefixes[0]), store.count_live(prefixes[1])


def validate_launch(request: RequestLike, tool_conf: ToolConf, store: LaunchStateStore,
                    allowed_hosts: Collection[str] | str, *, now: datetime | None = None,
                    max_age_seconds: int = DEFAULT_MAX_AGE, leeway_seconds: int = DEFAULT_LEEWAY,
                    browser_state: str | None = None, storage_proof: str | None = None,
                    launch_ttl: int = DEFAULT_LAUNCH_TTL,
                    message_types: Collection[str] = MESSAGE_TYPES,
                    requests_session: requests.Session | None = None,
                    key_sets: KeySetCache | None = None) -> LaunchContext:
    """Validate a launch (the form POST of ``id_token`` and ``state``) and store it.

    On top of pylti1p3 (state, JWT format, nonce issued, registration, signature with the
    platform's key by ``kid``, deployment, message claims) this checks: the state belongs to a
    login we started, in this browser; ``iss``/``aud`` are the login's and, when ``aud`` is a
    list, ``azp`` names us; the registration is active; ``exp`` and ``iat`` are present, the
    token is at most ``max_age_seconds`` old and not from the future; the nonce is the one of
    this state and is used once; ``target_link_uri`` is on our host.

    Args:
        request: The launch POST.
        allowed_hosts: Our host names; ``target_link_uri`` must be on one.
        now: The current time (tests); the signature library also checks ``exp`` against the
            real clock.
        max_age_seconds: Oldest accepted ``iat`` (Moodle's tokens live 60 s).
        leeway_seconds: Clock skew allowed for ``iat`` in the future and ``exp``.
        browser_state: The state as read back from LTI platform storage by our launch page,
            when the state cookie was blocked. Only pass a value that page posted (the web
            layer checks the request's ``Origin``); it counts only for a login that offered
            platform storage.
        storage_proof: The one-time value ``issue_storage_proof`` gave our storage page for
            this state; required with ``browser_state`` and spent by this call.
        launch_ttl: Seconds the launch stays retrievable with ``find_launch``.
        message_types: Message types we accept.
        key_sets: The process's platform key set cache; without one, key sets are kept in
            ``store`` only.

    Returns:
        The launch as a ``LaunchContext``.

    Raises:
        LaunchError: With a reason code for each refusal (see ``lti.errors``).
    """
    param = request.get_param
    id_token, state = param("id_token"), param("state")
    if not id_token:
        raise LaunchError("missing_id_token", "launch without id_token")
    if not state:
        raise LaunchError("missing_state", "launch without state")
    body = peek(id_token)
    prefetch = getattr(store, "prefetch", None)
    if prefetch is not None and state.startswith("state-") and len(state) <= 64:
        # one read for the keys this launch looks up (the body is unverified: it only chooses what to read)
        nonce = body.get("nonce")
        prefetch([f"lti1p3-{state}"] + ([f"lti1p3-nonce-{nonce}"] if isinstance(nonce, str) and len(nonce) <= 128
                                        else []))
    storage = StateStoreStorage(store, default_ttl=launch_ttl)
    session = StoreSessionService(storage, launch_ttl=launch_ttl)
    login = login_state(state, session.get_state_params(state) if state.startswith("state-")
                        else None)
    cookies = CookieJar(request)
    check_browser(cookies.get_cookie(state), browser_state, state, cookies, login=login, store=store,
                  storage_proof=storage_proof)
    registration = check_audience(body, login, tool_conf)
    checks = ClaimChecks(login=login, store=store, hosts=normalise_hosts(allowed_hosts),
                         now=(now or datetime.now(timezone.utc)).timestamp(),
                         max_age=max_age_seconds, leeway=leeway_seconds,
                         message_types=frozenset(message_types), platform_hosts=platform_hosts(registration))
    try:  # pylti1p3 can raise from the constructor too (missing session cookie)
        launch = ToolMessageLaunch(
            request, tool_conf, session_service=session, cookie_service=cookies,
            requests_session=requests_session or TimeoutSession(), state_store=store,
            key_sets=key_sets or KeySetCache(memory_ttl=0), leeway=leeway_seconds, extra_checks=checks,
            key_set_pinned=bool(registration.key_set))
        launch.set_launch_data_lifetime(launch_ttl)
        launch.validate()
    except (LtiException, OIDCException) as exc:
        raise reason_for(exc, body) from exc
    except (AttributeError, TypeError, KeyError) as exc:
        # pylti1p3 assumes well-formed claims (e.g. resource_link.get on a string).
        logger.warning("Malformed id_token for registration %s: %s", registration.id,
                       type(exc).__name__)
        raise LaunchError("malformed_token",
                          f"pylti1p3 failed on the claims: {type(exc).__name__}") from exc
    meta = {"client_id": registration.client_id, "registration_id": registration.id,
            "tenant_id": registration.tenant_id, "storage_target": login.get("storage_target")}
    storage.set_value(_META + launch.get_launch_id(), meta, exp=launch_ttl)
    # this login no longer waits for its launch: its pending mark expires now (it rides the
    # launch's one write; the purge removes it), so only unfinished logins count against the cap
    store.set(f"{PENDING_LOGIN}{registration.id}-{state}", "launched", 0)
    context = launch_context(launch.get_launch_data(), launch_id=launch.get_launch_id(), **meta)
    if context.return_url and not host_allowed(context.return_url, platform_hosts(registration)):
        context = replace(context, return_url=None)  # "Terug naar de cursus" leads to the LMS only
    logger.info("LTI launch %s (%s) for registration %s, deployment %s", context.launch_id,
                context.message_type, registration.id, context.deployment_id)
    return context


def issue_storage_proof(store: LaunchStateStore, state: str,
                        ttl: int = STORAGE_PROOF_TTL) -> str | None:
    """A one-time value for our storage page to post back with ``browser_state``.

    Only for a login that offered platform storage (recorded with the state at the login), and
    only once per state: a second request for the storage page of the same state gets ``None``
    (offer the new window instead).
    """
    pending = pending_login(store, state)
    if not pending or not pending.get("storage_target"):
        return None
    if not store.add_once(f"{STORAGE_PROOF}issued-{state}", ttl):
        return None
    proof = secrets.token_urlsafe(24)
    store.set(STORAGE_PROOF + proof, state, ttl)
    return proof


def find_launch(store: LaunchStateStore, launch_id: str) -> LaunchContext | None:
    """Return a stored launch by id (any worker), or ``None`` when unknown or expired.

    Use it for steps after the launch request, e.g. the deep linking response after a teacher
    picked a test. The launch id is a secret bearer: keep it in the user's session, not in URLs.
    """
    if not launch_id.startswith("lti1p3-launch-"):
        return None
    storage = StateStoreStorage(store)
    body, meta = storage.get_value(launch_id), storage.get_value(_META + launch_id)
    if not body or not meta:
        return None
    return launch_context(body, launch_id=launch_id, **meta)


def pending_login(store: LaunchStateStore, state: str) -> dict[str, object] | None:
    """What our login stored for ``state``, or ``None``.

    The launch page uses it when the state cookie was blocked: with a ``storage_target`` it
    can read the state back from the platform's storage and post the launch again; without
    one, ``initiation`` (the login initiation's parameters) restarts the same launch in a new
    window, where the state cookie is first-party.
    """
    if not state or not state.startswith("state-"):
        return None
    session = StoreSessionService(StateStoreStorage(store))
    try:
        stored = login_state(state, session.get_state_params(state))
    except LaunchError:
        return None
    return {key: stored.get(key)
            for key in ("issuer", "client_id", "registration_id", "storage_target", "initiation")}
