"""pylti1p3 launch storage over ``LaunchStateStore``, so any worker can finish any launch.

pylti1p3 keeps OIDC nonces, state parameters and launch data in a ``LaunchDataStorage``. Its
default is the Flask session cookie, which is lost in third-party iframes and ties a launch
to one browser cookie jar; ``FlaskCacheDataStorage`` additionally prefixes every key with a
``lti1p3-session-id`` cookie whenever the request is HTTPS, and ``MessageLaunch`` then raises in
its constructor when that cookie did not come back. This storage has no session cookie at all
(``get_session_cookie_name`` returns ``None``): keys are random (uuid4 launch ids and states,
128-bit nonces), and the browser binding of the OIDC state is checked in ``lti.launch``.
"""

from __future__ import annotations

import json
from typing import Any

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.session import SessionService

from lti.registration import LaunchStateStore

DEFAULT_LOGIN_TTL = 600
DEFAULT_LAUNCH_TTL = 6 * 3600


class StateStoreStorage(LaunchDataStorage[Any]):
    """A pylti1p3 ``LaunchDataStorage`` that keeps JSON values in a ``LaunchStateStore``."""

    def __init__(self, store: LaunchStateStore, default_ttl: int = DEFAULT_LAUNCH_TTL):
        super().__init__()
        self.store = store
        self.default_ttl = default_ttl

    def get_session_cookie_name(self) -> None:
        """No session cookie: launch state must not depend on the browser's cookie jar."""
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        raw = self.store.get(self._prepare_key(key))
        return None if raw is None else json.loads(raw)

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self.store.set(self._prepare_key(key), json.dumps(value), int(exp or self.default_ttl))

    def check_value(self, key: str) -> bool:
        return self.store.get(self._prepare_key(key)) is not None

    def remove_value(self, key: str) -> None:
        """Delete ``key`` (pylti1p3 itself never deletes anything)."""
        self.store.delete(self._prepare_key(key))


class StoreSessionService(SessionService):
    """pylti1p3's ``SessionService`` over ``StateStoreStorage``, with two lifetimes.

    pylti1p3 stores everything for one lifetime (a day by default). Login state (nonce, state
    parameters) only has to live until the platform posts the id_token back, so it gets the
    short ``login_ttl``; launch data lives ``launch_ttl``.
    """

    def __init__(self, storage: StateStoreStorage, *, login_ttl: int = DEFAULT_LOGIN_TTL,
                 launch_ttl: int = DEFAULT_LAUNCH_TTL):
        # Not calling super().__init__: it builds a storage over request.session.
        self.data_storage = storage
        self._launch_data_lifetime = launch_ttl
        self.login_ttl = login_ttl

    def save_nonce(self, nonce: str) -> None:
        self.data_storage.set_value(self._get_key("nonce", nonce), True, exp=self.login_ttl)

    def save_state_params(self, state: str, params: dict[str, object]) -> None:
        self.data_storage.set_value(self._get_key(state), params, exp=self.login_ttl)

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        """Nothing to keep: pylti1p3 uses it to accept the same token again, and we never do.

        A second POST of a token is refused by its spent nonce (``lti.checks.ClaimChecks``);
        the state is bound to the browser by ``lti.checks.check_browser``.
        """

    def check_state_is_valid(self, state: str, id_token_hash: str) -> bool:
        """Never "already validated": every launch shows its state cookie (or storage proof)."""
        return False
