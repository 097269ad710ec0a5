"""pylti1p3 subclasses that close its gaps, and the mapping of its exceptions to reason codes.

Internal to the package: ``lti.launch`` is the public face.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Callable, Mapping

import jwt
import requests
from jwt import exceptions as jwt_errors
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect

from lti.errors import LaunchError
from lti.key_sets import KeySetCache
from lti.registration import LaunchStateStore

SIGNING_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
KEY_SET_REFETCH_INTERVAL = 30

# pylti1p3 2.0.0 raises LtiException with these exact messages (pinned version).
_REASONS = {
    "Missing id_token": "missing_id_token",
    "Missing state param": "missing_state",
    "State not found": "state_mismatch",
    "Invalid id_token, JWT must contain 3 parts": "not_a_jwt",
    "Invalid JWT format, can't be decoded": "not_a_jwt",
    '"nonce" is empty': "missing_nonce",
    "Invalid Nonce": "unknown_nonce",
    '"iss" is empty': "missing_iss",
    "Registration not found.": "unknown_registration",
    "Client id not registered for this issuer": "wrong_aud",
    "JWT KID not found": "missing_kid",
    "JWT ALG not found": "missing_alg",
    "Unable to find public key": "unknown_kid",
    "Can't convert JWT key to PEM format": "bad_platform_key",
    "deployment_id is not set in jwt body": "missing_deployment_id",
    "Unable to find deployment": "unknown_deployment",
    "Invalid message type": "missing_message_type",
    "Unrecognized message type": "wrong_message_type",
    "Must have a user (sub)": "missing_sub",
    "Missing Roles Claim": "missing_roles",
    "Missing Resource Link Id": "missing_resource_link_id",
    "Missing Deep Linking Settings": "missing_deep_linking_settings",
    "Must support resource link placement types": "deep_linking_without_resource_links",
    "Must support a presentation type": "deep_linking_without_targets",
    # OIDCException (login initiation)
    "Could not find issuer": "missing_iss",
    "Could not find login hint": "missing_login_hint",
    "Could not find registration details": "unknown_registration",
    "No launch URL configured": "missing_redirect_uri",
}
_VERSION = "https://purl.imsglobal.org/spec/lti/claim/version"


def reason_for(exc: Exception, body: Mapping[str, Any] | None = None) -> LaunchError:
    """Turn a pylti1p3 ``LtiException``/``OIDCException`` into a ``LaunchError``."""
    message = str(exc)
    if message == "Incorrect version, expected 1.3.0":
        code = "missing_version" if _VERSION not in (body or {}) else "wrong_version"
    elif message.startswith(("Error during fetch URL", "Invalid response from")):
        code, message = "key_set_unavailable", "the platform's key set could not be fetched"
    elif message.startswith("Invalid URL"):
        code = "bad_key_set_url"
    else:
        code = _REASONS.get(message, "invalid_launch")
    return LaunchError(code, message)


def _jwt_reason(exc: jwt_errors.PyJWTError) -> str:
    if isinstance(exc, jwt_errors.ExpiredSignatureError):
        return "expired"
    if isinstance(exc, (jwt_errors.ImmatureSignatureError, jwt_errors.InvalidIssuedAtError)):
        return "bad_iat"
    if isinstance(exc, jwt_errors.MissingRequiredClaimError):
        return {"exp": "missing_exp", "iat": "bad_iat"}.get(exc.claim, "missing_claim")
    if isinstance(exc, jwt_errors.InvalidSubjectError):
        return "bad_sub"
    if isinstance(exc, jwt_errors.InvalidSignatureError):
        return "bad_signature"
    if isinstance(exc, jwt_errors.InvalidAlgorithmError):
        return "wrong_alg"
    return "bad_token"


class _NoRedirect(Redirect[str]):
    """pylti1p3 wants a framework redirect; we only need the URL."""

    def __init__(self, location: str):
        self._location = location

    def do_redirect(self) -> str:
        return self._location

    def do_js_redirect(self) -> str:
        return self._location

    def set_redirect_url(self, location: str) -> None:
        self._location = location

    def get_redirect_url(self) -> str:
        return self._location


class ToolOIDCLogin(OIDCLogin):
    """pylti1p3's login with a known nonce: the nonce is kept with the state parameters."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.nonce: str | None = None
        self._state_params = {}

    def _generate_nonce(self) -> str:
        # pylti1p3 appends a uuid1 (host MAC address and clock); two uuid4s are just random.
        self.nonce = uuid.uuid4().hex + uuid.uuid4().hex
        self._state_params["nonce"] = self.nonce
        return self.nonce

    def get_redirect(self, url: str) -> _NoRedirect:
        return _NoRedirect(url)


class ToolMessageLaunch(MessageLaunch):
    """pylti1p3's launch, plus what it does not check.

    * ``get_client_id`` honours ``azp`` when ``aud`` is a list (pylti1p3 takes ``aud[0]``);
    * the signature check requires ``exp`` and ``iat`` and allows a small clock skew;
    * the platform's key set comes from ``key_sets`` (memory, then the store, fetched at most
      once per TTL across workers); an unknown ``kid`` refetches it once (key rotation),
      rate-limited;
    * ``extra_checks`` (azp, token age, nonce binding and single use, target_link_uri host)
      run before anything is saved.
    """

    def __init__(self, *args: Any, state_store: LaunchStateStore, key_sets: KeySetCache,
                 leeway: int, extra_checks: Callable[[dict[str, Any]], None],
                 key_set_pinned: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._state_store = state_store
        self._key_sets = key_sets
        self._leeway = leeway
        self._extra_checks = extra_checks
        self._key_set_pinned = key_set_pinned
        self._downloaded = False

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    def get_client_id(self) -> str:
        body = self._get_jwt_body()
        return client_id_of(body.get("aud"), body.get("azp"))

    def get_public_key(self):
        try:
            return super().get_public_key()
        except LtiException as exc:
            if str(exc) != "Unable to find public key" or self._key_set_pinned or self._downloaded:
                raise
            url = self._registration.get_key_set_url()
            # Another worker may have refetched the rotated key set already: read the store.
            stored = self._key_sets.reload(self._state_store, url)
            if stored is not None and stored != self._registration.get_key_set():
                self._registration.set_key_set(stored)
                try:
                    return super().get_public_key()
                except LtiException as again:
                    if str(again) != "Unable to find public key":
                        raise
            # Refetch at most every 30 s per URL (a stream of forged kids must not make us
            # hammer the platform).
            digest = hashlib.md5(url.encode("utf-8"), usedforsecurity=False).hexdigest()
            if not self._state_store.add_once(f"lti1p3-key-set-refetch-{digest}", KEY_SET_REFETCH_INTERVAL):
                raise
            self._registration.set_key_set(self._key_sets.refresh(self._state_store, url, self._download))
            return super().get_public_key()

    def fetch_public_key(self, key_set_url: str):
        return self._key_sets.get(self._state_store, key_set_url, self._download)

    def _download(self, key_set_url: str) -> dict[str, Any]:
        """GET the platform's key set (pylti1p3's fetch, without its cache); refuse what is not one."""
        self._downloaded = True
        try:
            response = self._requests_session.get(key_set_url)
        except requests.exceptions.RequestException as exc:
            raise LtiException(f"Error during fetch URL {key_set_url}: {exc}") from exc
        try:
            key_set = response.json()
        except ValueError as exc:
            raise LtiException(f"Invalid response from {key_set_url}. Must be JSON") from exc
        if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
            raise LtiException(f"Invalid response from {key_set_url}. Must be a key set")
        return key_set

    def validate_jwt_signature(self) -> "ToolMessageLaunch":
        public_key, key_alg = self.get_public_key()
        if key_alg not in SIGNING_ALGORITHMS:
            raise LaunchError("wrong_alg", f"the platform key's algorithm {key_alg} is refused")
        try:
            jwt.decode(self._get_id_token(), public_key, algorithms=[key_alg],
                       options={"verify_aud": False, "require": ["exp", "iat"]},
                       leeway=self._leeway)
        except jwt_errors.PyJWTError as exc:
            raise LaunchError(_jwt_reason(exc), f"id_token refused: {exc}") from exc
        return self

    def save_launch_data(self) -> "ToolMessageLaunch":
        self._extra_checks(dict(self._jwt.get("body", {})))
        return super().save_launch_data()


def client_id_of(aud: Any, azp: Any = None) -> str | None:
    """Our client id in a token: ``aud``, or for a list ``azp`` when listed, else ``aud[0]``."""
    if isinstance(aud, list):
        if azp and azp in aud:
            return azp
        return aud[0] if aud and isinstance(aud[0], str) else None
    return aud if isinstance(aud, str) and aud else None
