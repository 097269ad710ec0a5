"""What the lti package needs from the service: registrations, launch state and keys.

The service implements the two Protocols below with database tables (``lti_registrations`` +
``lti_deployments``, ``lti_launch_states``), the way pylti1p3's ``DjangoDbToolConf`` implements
``ToolConfAbstract``. The lti package itself knows no database, no Flask app and no session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, runtime_checkable


@dataclass(frozen=True)
class Registration:
    """One platform registration (issuer + client id) of one organisation.

    Attributes:
        id: The service's primary key of the registration.
        tenant_id: The organisation the registration belongs to.
        issuer: The platform's issuer (``iss``), e.g. ``https://moodle.example.nl``.
        client_id: Our client id at the platform (the ``aud`` of its id_tokens).
        auth_login_url: The platform's OIDC authorization endpoint.
        auth_token_url: The platform's OAuth2 token endpoint (services).
        auth_audience: ``aud`` of our client assertion when it is not the token URL
            (Brightspace, Blackboard); ``None`` means the token URL.
        key_set_url: The platform's JWKS URL; used when ``key_set`` is ``None``.
        key_set: The platform's key set pasted by an admin, overriding ``key_set_url``.
        deployment_ids: Deployment ids we accept for this registration.
        active: ``False`` while a dynamic registration waits for an admin, or when disabled.
        extra_hosts: More host names (``host`` or ``host:port``) of the LMS, e.g. Canvas's
            ``school.instructure.com`` beside its issuer ``canvas.instructure.com``: return URLs
            may point there as well as to the hosts of the URLs above.
    """

    id: int
    tenant_id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    auth_audience: str | None = None
    key_set_url: str | None = None
    key_set: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    deployment_ids: frozenset[str] = frozenset()
    active: bool = True
    extra_hosts: frozenset[str] = frozenset()

    @property
    def token_audience(self) -> str:
        """The ``aud`` of our client assertions at the token endpoint."""
        return self.auth_audience or self.auth_token_url


@dataclass(frozen=True)
class ToolKey:
    """One RSA key pair of the tool.

    Attributes:
        kid: The key id: the RFC 7638 thumbprint of the public key.
        private_key_pem: PKCS#8 PEM of the private key.
        public_jwk: The public key as a JWK with ``kid``, ``alg`` RS256 and ``use`` sig.
    """

    kid: str
    private_key_pem: str = field(repr=False)
    public_jwk: Mapping[str, Any] = field(hash=False, compare=False)


@runtime_checkable
class RegistrationStore(Protocol):
    """Finds registrations; the service implements it over ``lti_registrations``."""

    def find(self, issuer: str, client_id: str | None,
             deployment_id: str | None = None) -> Registration | None:
        """Return the registration of ``issuer`` and ``client_id``, inactive ones included.

        One issuer may have many client ids (one platform, several organisations). With
        ``client_id=None`` (a login initiation without ``client_id``) return, among the issuer's
        registrations that list ``deployment_id`` (all of them when none does or it is
        ``None``), the first registered active one, else the first registered: a registration
        added later, perhaps by another organisation's admin, never shadows an earlier one.
        """
        ...


@runtime_checkable
class LaunchStateStore(Protocol):
    """Short-lived key/value state shared by all workers (``lti_launch_states``).

    Holds OIDC state, nonces, launch data and cached platform key sets. Values are text (the
    lti package stores JSON). Expired entries must read as missing; deleting them is the
    service's housekeeping.
    """

    def get(self, key: str) -> str | None:
        """Return the unexpired value stored under ``key``, or ``None``."""
        ...

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store ``value`` under ``key`` (replacing it) for ``ttl_seconds``."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        ...

    def count_live(self, prefix: str) -> int:
        """How many unexpired keys start with ``prefix`` (expired ones may be deleted meanwhile)."""
        ...

    def add_once(self, key: str, ttl_seconds: int) -> bool:
        """Atomically create ``key`` if it is absent or expired.

        Returns:
            ``True`` for the first caller only; ``False`` when the key already exists. Used for
            single-use nonces, so it must be atomic across workers (a unique primary key and
            an INSERT that fails on conflict).
        """
        ...
