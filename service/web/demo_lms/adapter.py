"""Flask <-> lti1p3platform glue, shared by the demo LMS and the test LMS (tests/support/platform.py).

lti1p3platform ships only Django and FastAPI adapters. This module gives it a Flask request
(``page``/``limit`` as numbers, which it adds 1 to, and the JSON body), a configuration that
holds one registration, an OIDC login that returns the redirect URL, and a registration whose
key work (parsing the PEM, the public JWK) is done once per key instead of on every signature.
It needs the development dependency lti1p3platform; a production install never imports it.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration as PlatformRegistration
from lti1p3platform.request import Request as PlatformRequest


@functools.lru_cache(maxsize=32)
def loaded_key(private_pem: str) -> Any:
    """Parsing an RSA PEM costs ~30 ms (key checks); lti1p3platform parses on every sign."""
    return load_pem_private_key(private_pem.encode(), password=None)


@functools.lru_cache(maxsize=32)
def public_jwk(private_pem: str) -> dict[str, Any]:
    return PlatformRegistration.get_jwk(private_pem)


class CachedRegistration(PlatformRegistration):
    """lti1p3platform's registration with its key work cached; ``kid`` may be set when known."""

    kid: str | None = None

    def get_kid(self) -> str | None:
        return self.kid or public_jwk(self.get_platform_private_key())["kid"]

    def get_jwks(self) -> list[dict[str, Any]]:
        return [dict(public_jwk(self.get_platform_private_key()))]

    @staticmethod
    def encode_and_sign(payload, private_key, headers=None, expiration=None):
        if expiration:
            payload.update({"iat": int(time.time()), "exp": int(time.time()) + expiration})
        return jwt.encode(payload, loaded_key(private_key), algorithm="RS256", headers=headers)


class FlaskRequest(PlatformRequest):
    """lti1p3platform's request over ``flask.request``; ``page``/``limit`` become ints."""

    def build_metadata(self, request: Any):
        query = request.args.to_dict()
        for name in ("page", "limit"):
            if name in query and query[name].isdigit():
                query[name] = int(query[name])
        json_body = request.get_json(silent=True, force=True) if request.data else None
        return {"method": request.method, "form_data": request.form.to_dict(), "json": json_body,
                "get_data": query, "headers": request.headers,
                "content_type": request.content_type, "path": request.path}


class SingleRegistrationConf(LTI1P3PlatformConfAbstract):
    """A platform configuration that knows one tool registration."""

    def init_platform_config(self, registration: PlatformRegistration) -> None:
        self._registration = registration

    def get_registration_by_params(self, **kwargs: Any) -> PlatformRegistration:
        return self._registration


class OIDCLogin(OIDCLoginAbstract):
    """The third-party login initiation; ``get_redirect`` returns the URL instead of a response."""

    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url
