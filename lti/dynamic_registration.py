"""LTI Dynamic Registration 1.0, the tool's side.

The platform opens our registration page with ``openid_configuration`` and
``registration_token``. ``register`` fetches the platform's configuration, checks it, posts our
client registration and returns what the service stores as a PENDING registration (an
organisation admin activates it). The page then posts ``{"subject": "org.imsglobal.lti.close"}``
to ``window.opener || window.parent``; that part is the web layer's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

import requests

from lti.errors import RegistrationError
from lti.request import TimeoutSession
from lti.services import (SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_NRPS, SCOPE_RESULT_READ,
                          SCOPE_SCORE)

logger = logging.getLogger(__name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
DEFAULT_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT_READ, SCOPE_SCORE, SCOPE_NRPS)
#: ``product_family_code`` values (LTI Dynamic Registration 3.3.1) as their products are called
_PRODUCTS = {"moodle": "Moodle", "canvas": "Canvas", "desire2learn": "Brightspace", "d2l": "Brightspace",
             "brightspace": "Brightspace", "blackboard": "Blackboard", "sakai": "Sakai",
             "schoology": "Schoology", "anewspring": "aNewSpring"}
NAME_LENGTH = 200
DEFAULT_CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email", "locale")


@dataclass(frozen=True)
class ToolDescription:
    """What we tell a platform about the tool (URLs are absolute, on our public host).

    Attributes:
        deep_linking_uri: Target of ``LtiDeepLinkingRequest`` (where teachers pick a test).
        custom_parameters: Sent with every launch, e.g. ``{"digitoets_function": "$Person..."}``.
    """

    client_name: str
    initiate_login_uri: str
    redirect_uris: tuple[str, ...]
    jwks_uri: str
    target_link_uri: str
    deep_linking_uri: str | None = None
    logo_uri: str | None = None
    description: str | None = None
    custom_parameters: Mapping[str, str] = field(default_factory=dict, hash=False)
    claims: tuple[str, ...] = DEFAULT_CLAIMS
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @property
    def domain(self) -> str:
        """Our host (with port when not the default), as the tool configuration wants it."""
        return urlsplit(self.target_link_uri).netloc


@dataclass(frozen=True)
class PlatformRegistration:
    """The outcome of a dynamic registration, to store as a pending ``lti_registrations`` row.

    Attributes:
        auth_audience: The platform's ``authorization_server`` when it names one (the token
            audience), else ``None`` (use the token URL).
        deployment_id: May be ``None``: some platforms only send it at the first launch.
        scopes: Scopes the platform granted (may be fewer than we asked).
        extra_hosts: Hosts the platform's configuration names for itself beside those of its
            issuer and endpoints (where its configuration and registration endpoint are, e.g. the
            institution's own ``school.instructure.com``): its return URLs may point there.
    """

    issuer: str
    client_id: str
    deployment_id: str | None
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str | None = None
    product_family_code: str | None = None
    scopes: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        """A name an admin recognises: the platform's product and its host.

        ``"Moodle - leren.zorggroep.nl"`` from ``product_family_code`` ``moodle`` and the issuer
        ``https://leren.zorggroep.nl``; just the host when the platform names no product.
        """
        host = urlsplit(self.issuer).netloc or self.issuer
        code = (self.product_family_code or "").strip()
        product = _PRODUCTS.get(code.lower(), code)
        return (f"{product} - {host}" if product else host)[:NAME_LENGTH]


def client_registration_request(tool: ToolDescription,
                                platform: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the JSON body of the client registration POST.

    Scopes the platform does not list in ``scopes_supported`` are left out.
    """
    supported = set((platform or {}).get("scopes_supported") or tool.scopes)
    messages: list[dict[str, Any]] = [{"type": "LtiResourceLinkRequest",
                                       "target_link_uri": tool.target_link_uri}]
    if tool.deep_linking_uri:
        messages.append({"type": "LtiDeepLinkingRequest", "target_link_uri": tool.deep_linking_uri,
                         "label": tool.client_name})
    configuration: dict[str, Any] = {
        "domain": tool.domain, "target_link_uri": tool.target_link_uri,
        "claims": list(tool.claims), "messages": messages}
    if tool.custom_parameters:
        configuration["custom_parameters"] = dict(tool.custom_parameters)
    if tool.description:
        configuration["description"] = tool.description
    body: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.initiate_login_uri,
        "redirect_uris": list(tool.redirect_uris),
        "client_name": tool.client_name,
        "jwks_uri": tool.jwks_uri,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(s for s in tool.scopes if s in supported),
        TOOL_CONFIGURATION: configuration,
    }
    if tool.logo_uri:
        body["logo_uri"] = tool.logo_uri
    return body


def fetch_platform_configuration(openid_configuration_url: str, registration_token: str | None,
                                 session: requests.Session) -> dict[str, Any]:
    """GET and check the platform's OpenID configuration.

    Raises:
        RegistrationError: Unreachable, not JSON, a required field missing, an ``issuer`` whose
            origin differs from the configuration URL's, or no RS256/private_key_jwt support.
    """
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = "Bearer " + registration_token  # Canvas requires it here too
    config = _json(session, "GET", openid_configuration_url, headers=headers,
                   what="openid configuration")
    for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                 "registration_endpoint"):
        if not isinstance(config.get(name), str) or not config[name]:
            raise RegistrationError(f"openid configuration has no {name}")
    if _origin(config["issuer"]) != _origin(openid_configuration_url):
        raise RegistrationError(f"issuer {config['issuer']} does not match the origin of "
                                f"{openid_configuration_url}")
    for name, needed in (("id_token_signing_alg_values_supported", "RS256"),
                         ("token_endpoint_auth_methods_supported", "private_key_jwt")):
        if name in config and needed not in (config[name] or []):
            raise RegistrationError(f"platform does not support {needed} ({name})")
    return config


def register(openid_configuration_url: str, registration_token: str | None,
             tool: ToolDescription, *, session: requests.Session | None = None,
             timeout: float = 10.0) -> PlatformRegistration:
    """Register the tool with a platform (LTI Dynamic Registration 1.0, sections 3.4-3.6).

    Raises:
        RegistrationError: When the platform's configuration or its answer is unusable.
    """
    session = session or TimeoutSession(timeout)
    config = fetch_platform_configuration(openid_configuration_url, registration_token, session)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = "Bearer " + registration_token
    answer = _json(session, "POST", config["registration_endpoint"], headers=headers,
                   json=client_registration_request(tool, config), what="registration endpoint")
    client_id = answer.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise RegistrationError("registration endpoint answered without client_id")
    tool_config = answer.get(TOOL_CONFIGURATION) or {}
    platform = config.get(PLATFORM_CONFIGURATION) or {}
    deployment_id = tool_config.get("deployment_id")
    result = PlatformRegistration(
        issuer=config["issuer"], client_id=client_id,
        deployment_id=str(deployment_id) if deployment_id not in (None, "") else None,
        auth_login_url=config["authorization_endpoint"], auth_token_url=config["token_endpoint"],
        key_set_url=config["jwks_uri"], auth_audience=config.get("authorization_server") or None,
        product_family_code=platform.get("product_family_code"),
        scopes=tuple(str(answer.get("scope", "")).split()),
        extra_hosts=_own_hosts(config, openid_configuration_url))
    logger.info("Dynamic registration with %s: client %s", result.issuer, result.client_id)
    return result


def _own_hosts(config: Mapping[str, Any], openid_configuration_url: str) -> tuple[str, ...]:
    """Hosts where the platform serves its configuration and registration endpoint, beyond the
    hosts of its issuer and launch endpoints (``host`` or ``host:port``, default ports dropped)."""
    known = {_host(config[name]) for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")}
    found = (_host(url) for url in (openid_configuration_url, config["registration_endpoint"]))
    return tuple(dict.fromkeys(host for host in found if host and host not in known))


def _host(url: str) -> str:
    try:
        scheme, host, port = _origin(url)
    except ValueError:  # a port that is no number: not a host to name
        return ""
    return host if port in (None, {"https": 443, "http": 80}.get(scheme)) else f"{host}:{port}"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _json(session: requests.Session, method: str, url: str, *, what: str,
          **kwargs: Any) -> dict[str, Any]:
    try:
        response = session.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise RegistrationError(f"{what} unreachable: {type(exc).__name__}") from exc
    if not response.ok:
        raise RegistrationError(f"{what} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise RegistrationError(f"{what} answered no JSON") from exc
    if not isinstance(body, dict):
        raise RegistrationError(f"{what} answered no JSON object")
    return body
