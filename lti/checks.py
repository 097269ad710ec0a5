"""The launch checks pylti1p3 does not make, each refusing with its own reason code.

``before_pylti`` checks run on the unverified token (they can only refuse, never accept);
``ClaimChecks`` runs after pylti1p3 verified the signature and the message, before anything
is stored. Messages carry ids and reasons only, never claims with personal data.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from typing import Any, Collection, Mapping
from urllib.parse import urlsplit

from lti._pylti import client_id_of
from lti.claims import (CLAIM_AGS, CLAIM_CONTEXT, CLAIM_CUSTOM, CLAIM_DL_SETTINGS,
                        CLAIM_MESSAGE_TYPE, CLAIM_NRPS, CLAIM_PRESENTATION, CLAIM_RESOURCE_LINK,
                        CLAIM_ROLES,
                        CLAIM_TARGET_LINK_URI)
from lti.errors import LaunchError
from lti.registration import LaunchStateStore, Registration
from lti.request import CookieJar, host_allowed, normalise_hosts
from lti.tool_conf import ToolConf

#: The specification's limit for ``sub`` and other ids (LTI 1.3 core, section 5.1.2).
MAX_ID_LENGTH = 255
#: The longest custom parameter value we read (a function code, a test code, a list of roles).
MAX_CUSTOM_LENGTH = 1000
_OBJECT_CLAIMS = (CLAIM_CONTEXT, CLAIM_RESOURCE_LINK, CLAIM_CUSTOM, CLAIM_AGS, CLAIM_NRPS,
                  CLAIM_DL_SETTINGS, CLAIM_PRESENTATION)


def peek(id_token: str) -> dict[str, Any]:
    """Decode the body without verifying it, only to choose checks and reason codes."""
    parts = id_token.split(".")
    if len(parts) != 3:
        raise LaunchError("not_a_jwt", "id_token is not a compact JWS")
    try:
        header, body = (json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
                        for p in parts[:2])
    except (ValueError, TypeError, RecursionError) as exc:  # RecursionError: JSON nested too deeply
        raise LaunchError("not_a_jwt", "id_token cannot be decoded") from exc
    if not isinstance(body, dict) or not isinstance(header, dict):
        raise LaunchError("not_a_jwt", "id_token is not a JSON object")
    return body


def login_state(state: str, stored: Any) -> dict[str, Any]:
    """Return the parameters our login stored under ``state``, or refuse."""
    # pylti1p3 states are "state-<uuid4>"; anything else could name another stored key.
    if not state.startswith("state-") or len(state) > 64 or not isinstance(stored, dict) \
            or not {"nonce", "issuer", "client_id"} <= stored.keys():
        raise LaunchError("unknown_state", "state unknown, expired or never issued")
    return stored


#: Prefix of the one-time values our storage page posts back with ``browser_state``.
STORAGE_PROOF = "lti1p3-storage-proof-"


def check_browser(cookie: str | None, browser_state: str | None, state: str, cookies: CookieJar, *,
                  login: Mapping[str, Any], store: LaunchStateStore, storage_proof: str | None) -> None:
    """The state must come back in its cookie, or be proven through platform storage.

    ``browser_state`` alone proves nothing: anyone can copy the state of their own login into
    the form. It counts only for a login that offered platform storage, together with the
    one-time ``storage_proof`` our storage page was given for this state (spent here).
    """
    if cookie is not None:
        if not hmac.compare_digest(cookie, state):
            raise LaunchError("state_mismatch", "the state cookie holds another state")
        return
    if browser_state is None:
        raise LaunchError("state_cookie_missing", "no state cookie and no platform storage proof")
    if not login.get("storage_target"):
        raise LaunchError("storage_not_offered", "browser_state for a login that offered no platform storage")
    if not hmac.compare_digest(browser_state, state):
        raise LaunchError("state_mismatch", "platform storage holds another state")
    issued = store.get(STORAGE_PROOF + storage_proof) if storage_proof else None
    if issued is None or not hmac.compare_digest(issued, state) \
            or not store.add_once(f"{STORAGE_PROOF}used-{storage_proof}", 600):
        raise LaunchError("storage_proof_invalid", "browser_state without a valid one-time proof of our storage page")
    cookies.prove(state, state)


def check_audience(body: Mapping[str, Any], login: Mapping[str, Any],
                   tool_conf: ToolConf) -> Registration:
    """``iss``, ``aud`` and ``azp`` must be those of the login; its registration must be active."""
    iss, aud, azp = body.get("iss"), body.get("aud"), body.get("azp")
    expected = login["client_id"]
    if not iss:
        raise LaunchError("missing_iss", "id_token without iss")
    if iss != login["issuer"]:
        raise LaunchError("wrong_iss", "iss is not the issuer of the login")
    if not aud:
        raise LaunchError("missing_aud", "id_token without aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if expected not in audiences:
        raise LaunchError("wrong_aud", "aud does not contain our client id")
    if len(audiences) > 1 and not azp:
        raise LaunchError("missing_azp", "several audiences and no azp")
    if azp is not None and azp != expected:
        raise LaunchError("wrong_azp", "azp is not our client id")
    if client_id_of(aud, azp) != expected:
        raise LaunchError("wrong_aud", "our client id is not the first audience")
    registration = tool_conf.registration(iss, expected)
    if registration is None:
        raise LaunchError("unknown_registration", f"no registration for {iss} [{expected}]")
    if not registration.active:
        raise LaunchError("registration_pending", f"registration {registration.id} is not active")
    if not registration.key_set and not registration.key_set_url:
        raise LaunchError("registration_incomplete", f"registration {registration.id} has no key set")
    return registration


def platform_hosts(registration: Registration) -> frozenset[str]:
    """Hosts of the platform's registered URLs (issuer, login, token, key set), as ``host[:port]``.

    Plus the registration's ``extra_hosts``: the LMS's own public hosts an admin named (Canvas's
    issuer and endpoints are not on the institution's host, where its return URLs point).
    """
    urls = (registration.issuer, registration.auth_login_url, registration.auth_token_url, registration.key_set_url)
    return normalise_hosts([urlsplit(url).netloc for url in urls if url] + list(registration.extra_hosts))


def check_times(claims: Mapping[str, Any], now: float, max_age: int, leeway: int) -> None:
    """``iat`` and ``exp`` are numbers; not from the future, not expired, not too old."""
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise LaunchError("bad_iat", "iat is not a number")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise LaunchError("missing_exp", "exp is not a number")
    if iat > now + leeway:
        raise LaunchError("bad_iat", "iat is in the future")
    if exp <= now - leeway:
        raise LaunchError("expired", "the id_token has expired")
    if exp < iat:
        raise LaunchError("bad_exp", "exp is before iat")
    if now - iat > max_age:
        raise LaunchError("token_too_old", f"iat is more than {max_age} s ago")


def check_shapes(claims: Mapping[str, Any]) -> None:
    """Claims we read have the JSON types the specification gives them."""
    sub = claims.get("sub")
    if not isinstance(sub, str):
        raise LaunchError("bad_sub", "sub is not a string")
    if len(sub) > MAX_ID_LENGTH:  # LTI 1.3 section 5.1.2: at most 255 ASCII characters
        raise LaunchError("bad_sub", f"sub is longer than {MAX_ID_LENGTH} characters")
    roles = claims.get(CLAIM_ROLES)
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise LaunchError("bad_roles", "roles is not a list of strings")
    for name in _OBJECT_CLAIMS:
        if name in claims and not isinstance(claims[name], (dict, type(None))):
            raise LaunchError("bad_claim", f"{name.rsplit('/', 1)[-1]} is not an object")
    if "\x00" in sub:
        raise LaunchError("bad_sub", "sub contains a NUL character")
    context = claims.get(CLAIM_CONTEXT)
    if context is not None and context.get("id") in (None, ""):
        # LTI 1.3 section 5.4.1: a context claim's id is required
        raise LaunchError("missing_context_id", "context claim without id")
    if context is not None and not _is_id(context.get("id")):
        raise LaunchError("bad_context_id", f"context id is not text of at most {MAX_ID_LENGTH} characters")
    link = claims.get(CLAIM_RESOURCE_LINK)
    if link is not None and link.get("id") not in (None, "") and not _is_id(link.get("id")):
        raise LaunchError("bad_resource_link_id",
                          f"resource link id is not text of at most {MAX_ID_LENGTH} characters")
    for key, value in (claims.get(CLAIM_CUSTOM) or {}).items():
        # the platform substitutes variables into text; an object or list is not a parameter we can read
        if not isinstance(value, (str, int, float, bool, type(None))) or len(str(value)) > MAX_CUSTOM_LENGTH \
                or len(key) > MAX_ID_LENGTH or "\x00" in key or "\x00" in str(value):
            raise LaunchError("bad_custom", f"custom parameter {key[:40]!r} is not text of at most "
                                            f"{MAX_CUSTOM_LENGTH} characters")
    settings = claims.get(CLAIM_DL_SETTINGS)
    if settings and not isinstance(settings.get("deep_link_return_url"), str):
        raise LaunchError("missing_deep_link_return_url", "deep linking without a return URL")


def _is_id(value: Any) -> bool:
    """An id we can store: text (or a whole number) of at most 255 characters, without NUL."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    return len(str(value)) <= MAX_ID_LENGTH and "\x00" not in str(value)


@dataclass
class ClaimChecks:
    """Checks after signature and message validation; the nonce is spent last."""

    login: Mapping[str, Any]
    store: LaunchStateStore
    hosts: frozenset[str]
    now: float
    max_age: int
    leeway: int
    message_types: Collection[str]
    #: hosts of the platform's registered URLs; the deep linking return URL must be on one
    platform_hosts: frozenset[str] = frozenset()

    def __call__(self, claims: dict[str, Any]) -> None:
        check_times(claims, self.now, self.max_age, self.leeway)
        check_shapes(claims)
        if claims.get(CLAIM_MESSAGE_TYPE) not in self.message_types:
            raise LaunchError("unsupported_message_type", f"{claims.get(CLAIM_MESSAGE_TYPE)}")
        if not hmac.compare_digest(str(claims.get("nonce")), str(self.login["nonce"])):
            raise LaunchError("nonce_mismatch", "the nonce is not the one of this state")
        target = claims.get(CLAIM_TARGET_LINK_URI)
        if not target:
            raise LaunchError("missing_target_link_uri", "no target_link_uri claim")
        if not host_allowed(target, self.hosts):
            raise LaunchError("target_link_uri_foreign", f"target_link_uri {target} is not ours")
        settings = claims.get(CLAIM_DL_SETTINGS)
        if settings and not host_allowed(settings["deep_link_return_url"], self.platform_hosts):
            # Our signed answer (and the teacher's browser) would go to a site that is not the LMS.
            raise LaunchError("deep_link_return_url_foreign", "deep_link_return_url is not on the platform's host")
        # Spent only now, so a refused token does not burn the nonce of a good one. Tokens
        # older than max_age are refused anyway, so the mark need not outlive that.
        ttl = self.max_age + 2 * self.leeway + 60
        if not self.store.add_once(f"lti1p3-nonce-used-{claims['nonce']}", ttl):
            raise LaunchError("nonce_reused", "this id_token was already used")
