"""pylti1p3's ``ToolConfAbstract`` over a ``RegistrationStore`` and the tool's keys.

Build one ``ToolConf`` while wiring the app and pass it to every login and launch; it holds no
per-request state. Like pylti1p3's ``DjangoDbToolConf`` it always works in "one issuer, many
client ids" mode.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Protocol

from jwcrypto.jwk import JWK
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration as PyltiRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from lti.registration import Registration, RegistrationStore, ToolKey


class KeyRing(Protocol):
    """The tool's keys; ``lti.keys.KeyFolder`` implements it."""

    def current(self) -> ToolKey:
        """Return the key that signs now."""
        ...

    def published(self) -> tuple[ToolKey, ...]:
        """Return every key in the published key set, the current one first."""
        ...


class StaticKeyRing:
    """A fixed set of keys (tests, or a key from a secret store); the first one signs."""

    def __init__(self, *keys: ToolKey):
        if not keys:
            raise ValueError("StaticKeyRing needs at least one key")
        self._keys = tuple(keys)

    def current(self) -> ToolKey:
        return self._keys[0]

    def published(self) -> tuple[ToolKey, ...]:
        return self._keys


@functools.lru_cache(maxsize=16)
def _public_pem(public_jwk_json: str) -> str:
    return JWK.from_json(public_jwk_json).export_to_pem().decode("ascii")


def public_pem(key: ToolKey) -> str:
    """Return the PEM of a tool key's public half."""
    return _public_pem(json.dumps(dict(key.public_jwk), sort_keys=True))


class ToolConf(ToolConfAbstract):
    """Registrations from the service's store, signed with the tool's current key.

    Inactive registrations (pending dynamic registrations, disabled ones) are not found, so
    pylti1p3 refuses their logins and launches; ``lti.launch`` checks first and refuses them
    with the reason ``registration_pending``.
    """

    def __init__(self, store: RegistrationStore, keys: KeyRing):
        super().__init__()
        self.store = store
        self.keys = keys

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def registration(self, iss: str, client_id: str | None,
                     deployment_id: str | None = None) -> Registration | None:
        """Return our ``Registration`` for ``iss`` and ``client_id``, active or not.

        ``deployment_id`` (the login's ``lti_deployment_id``) chooses among the issuer's
        registrations when the login carries no ``client_id``.
        """
        return self.store.find(iss, client_id, deployment_id if client_id is None else None)

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any):
        return self.find_registration_by_params(iss, None, **kwargs)

    def find_registration_by_params(self, iss: str, client_id: str | None, *args: Any,
                                    **kwargs: Any) -> PyltiRegistration | None:
        # pylti1p3's login passes its request: the same choice as ``registration`` above
        request = kwargs.get("request")
        deployment_id = request.get_param("lti_deployment_id") if request is not None else None
        registration = self.registration(iss, client_id, deployment_id or None)
        if registration is None or not registration.active:
            return None
        return self.pylti_registration(registration)

    def pylti_registration(self, registration: Registration) -> PyltiRegistration:
        """Return pylti1p3's ``Registration`` for ours, with the current tool key."""
        key = self.keys.current()
        result = PyltiRegistration()
        result.set_issuer(registration.issuer).set_client_id(registration.client_id)
        result.set_auth_login_url(registration.auth_login_url)
        result.set_auth_token_url(registration.auth_token_url)
        if registration.auth_audience:
            result.set_auth_audience(registration.auth_audience)
        result.set_key_set_url(registration.key_set_url)
        result.set_key_set(dict(registration.key_set) if registration.key_set else None)
        result.set_tool_private_key(key.private_key_pem)
        result.set_tool_public_key(public_pem(key))
        return result

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None,
                                  *args: Any, **kwargs: Any) -> Deployment | None:
        registration = self.store.find(iss, client_id)
        if registration is None or not registration.active:
            return None
        if deployment_id not in registration.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any):
        """Return every published tool key (one key set for all registrations)."""
        return {"keys": [dict(key.public_jwk) for key in self.keys.published()]}
