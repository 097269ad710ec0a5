"""Launch claims as plain frozen dataclasses, and LTI roles mapped to Digitoets tool roles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_VERSION = LTI + "version"
CLAIM_DEPLOYMENT_ID = LTI + "deployment_id"
CLAIM_TARGET_LINK_URI = LTI + "target_link_uri"
CLAIM_RESOURCE_LINK = LTI + "resource_link"
CLAIM_ROLES = LTI + "roles"
CLAIM_CONTEXT = LTI + "context"
CLAIM_CUSTOM = LTI + "custom"
CLAIM_PRESENTATION = LTI + "launch_presentation"
CLAIM_LIS = LTI + "lis"
CLAIM_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CLAIM_DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

EMPLOYEE, COURSE_ADMIN, ORG_ADMIN = "employee", "course_admin", "org_admin"
#: Tool roles a registration's role parameter (a custom parameter) may add. Never org_admin or
#: course_admin: a teacher can edit a link's custom parameters in most platforms.
GRANTABLE_ROLES = frozenset({"hr", "manager", "coach", "accreditation"})


#: The longest texts kept from a launch: the sizes of the columns they are stored in
#: (``tests/unit/service/test_limits.py`` checks that they match). Longer names and titles are
#: cut to size; a longer e-mail address or URL is dropped, because a cut one would be wrong.
MAX_NAME = 200
MAX_EMAIL = 320
MAX_TITLE = 500
MAX_URL = 1000
MAX_LOCALE = 35


@dataclass(frozen=True)
class ContextClaim:
    """The course the launch comes from."""

    id: str
    title: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class ResourceLinkClaim:
    """The placement (link) in the course."""

    id: str
    title: str | None = None


@dataclass(frozen=True)
class AgsClaim:
    """Assignment and Grade Services endpoints of the launch; store them for background jobs."""

    lineitem: str | None
    lineitems: str | None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeepLinkingSettings:
    """Deep linking settings of an ``LtiDeepLinkingRequest``; ``data`` must be echoed back."""

    return_url: str
    data: Any = field(default=None, hash=False)
    accept_types: tuple[str, ...] = ()
    accept_multiple: bool = False


@dataclass(frozen=True)
class LaunchContext:
    """A validated launch, with no pylti1p3 object left in it.

    Attributes:
        launch_id: Key of the stored launch data (``lti.launch.find_launch``).
        roles: The roles claim exactly as sent (full URIs or short names); see ``tool_roles``.
        custom: Custom parameters as text, already substituted by the platform.
        storage_target: ``lti_storage_target`` of the login initiation (platform storage), or
            ``None`` when the platform does not offer it.
        locale: ``launch_presentation.locale`` (e.g. ``nl-NL``), or ``None``.
        return_url: ``launch_presentation.return_url``, where "back to the course" leads; only
            an absolute http(s) URL, else ``None``.
    """

    launch_id: str
    message_type: str
    issuer: str
    client_id: str
    deployment_id: str
    registration_id: int
    tenant_id: int
    sub: str
    roles: tuple[str, ...]
    target_link_uri: str
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    context: ContextClaim | None = None
    resource_link: ResourceLinkClaim | None = None
    custom: Mapping[str, str] = field(default_factory=dict, hash=False)
    ags: AgsClaim | None = None
    nrps_memberships_url: str | None = None
    deep_linking: DeepLinkingSettings | None = None
    storage_target: str | None = None
    locale: str | None = None
    return_url: str | None = None
    #: ``lis.person_sourcedid``: the student information system's id, the HR personnel number
    person_sourcedid: str | None = None


def launch_context(body: Mapping[str, Any], *, launch_id: str, client_id: str,
                   registration_id: int, tenant_id: int,
                   storage_target: str | None = None) -> LaunchContext:
    """Build a ``LaunchContext`` from a validated id_token body."""
    context = body.get(CLAIM_CONTEXT) or None
    link = body.get(CLAIM_RESOURCE_LINK) or None
    ags = body.get(CLAIM_AGS) or None
    nrps = body.get(CLAIM_NRPS) or {}
    settings = body.get(CLAIM_DL_SETTINGS) or None
    return LaunchContext(
        launch_id=launch_id,
        message_type=body[CLAIM_MESSAGE_TYPE],
        issuer=body["iss"],
        client_id=client_id,
        deployment_id=body[CLAIM_DEPLOYMENT_ID],
        registration_id=registration_id,
        tenant_id=tenant_id,
        sub=str(body["sub"]),
        roles=tuple(str(role) for role in body.get(CLAIM_ROLES) or ()),
        target_link_uri=body.get(CLAIM_TARGET_LINK_URI, ""),
        name=_text(body.get("name"), MAX_NAME),
        given_name=_text(body.get("given_name"), MAX_NAME),
        family_name=_text(body.get("family_name"), MAX_NAME),
        email=_whole(body.get("email"), MAX_EMAIL),
        context=ContextClaim(str(context["id"]), _text(context.get("title"), MAX_TITLE),
                             _text(context.get("label"), MAX_TITLE))
        if context and context.get("id") else None,
        resource_link=ResourceLinkClaim(str(link["id"]), _text(link.get("title"), MAX_TITLE))
        if link and link.get("id") else None,
        custom={str(k): "" if v is None else str(v) for k, v in (body.get(CLAIM_CUSTOM) or {}).items()},
        ags=AgsClaim(_whole(ags.get("lineitem"), MAX_URL), _whole(ags.get("lineitems"), MAX_URL),
                     tuple(s for s in ags.get("scope") or () if isinstance(s, str)))
        if ags else None,
        nrps_memberships_url=_whole(nrps.get("context_memberships_url"), MAX_URL),
        deep_linking=DeepLinkingSettings(
            return_url=settings["deep_link_return_url"],
            data=settings.get("data"),
            accept_types=tuple(settings.get("accept_types") or ()),
            accept_multiple=settings.get("accept_multiple") in (True, "true"),
        ) if settings else None,
        storage_target=storage_target,
        locale=_whole((body.get(CLAIM_PRESENTATION) or {}).get("locale"), MAX_LOCALE),
        return_url=_web_url((body.get(CLAIM_PRESENTATION) or {}).get("return_url")),
        person_sourcedid=str((body.get(CLAIM_LIS) or {}).get("person_sourcedid") or "").strip() or None,
    )


def _text(value: Any, limit: int) -> str | None:
    """A display text (a name, a course title): text only, without NUL, cut to ``limit``."""
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip()[:limit] or None


def _whole(value: Any, limit: int) -> str | None:
    """A value that is useless when cut (an e-mail address, a URL): kept whole or not at all."""
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        return None
    return value


def _web_url(value: Any) -> str | None:
    """An absolute http(s) URL, or ``None`` (never a ``javascript:`` link into our pages)."""
    if not isinstance(value, str) or len(value) > MAX_URL or "\x00" in value:
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


_LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
_LTI11 = {"urn:lti:role:ims/lis/": "membership", "urn:lti:instrole:ims/lis/": "institution",
          "urn:lti:sysrole:ims/lis/": "system"}
_COURSE_ADMIN = {"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"}
_LEARNER = {"Learner", "Student", "Member"}


def parse_role(role: str) -> tuple[str, str]:
    """Split a role into (kind, name); kind is ``membership``, ``institution`` or ``system``.

    Full LIS v2 URIs, LTI 1.1 URNs and short names are understood. A short name is a context
    (membership) role, as LTI 1.3 says. For a context sub-role
    (``membership/Instructor#TeachingAssistant``) the name is the principal role
    (``Instructor``), because the sub-role only narrows it. Unknown forms give kind ``other``.
    """
    role = role.strip()
    if role.startswith(_LIS):
        path, _, name = role[len(_LIS):].partition("#")
        parts = path.split("/")
        if parts[0] == "membership" and len(parts) > 1 and parts[1]:
            return "membership", parts[1]
        return (parts[0], name) if parts[0] in ("membership", "institution", "system") else ("other", name)
    for prefix, kind in _LTI11.items():
        if role.startswith(prefix):
            return kind, role[len(prefix):].split("/")[0]
    if "/" in role or ":" in role or "#" in role:
        return "other", role
    return "membership", role


def tool_roles(context: LaunchContext | Iterable[str],
               granted: str | Iterable[str] | None = None) -> frozenset[str]:
    """Map LTI roles (and a role parameter) to Digitoets tool roles.

    Mapping:
        * institution or system ``Administrator`` (and system ``SysAdmin``) -> ``org_admin``
        * context ``Instructor``, ``TeachingAssistant``, ``ContentDeveloper``,
          ``Administrator`` (short names and sub-roles included) -> ``course_admin``
        * context or institution ``Learner``/``Student``/``Member`` -> ``employee``
        * no role that maps (unknown roles, ``Mentor``, ``Guest``, empty roles) -> ``employee``:
          anyone the platform lets launch is at least an employee taking their own test.
          Unknown roles add nothing when another role maps, so a teacher with an extra
          unknown role stays ``course_admin`` (not gradable in Moodle).

    Args:
        context: The launch, or the roles claim.
        granted: Value(s) of the registration's role parameter (a custom parameter, e.g.
            ``"coach, hr"``). Only ``hr``, ``coach`` and ``accreditation`` are honoured; other
            words, and unsubstituted variables like ``$User.id``, are ignored.

    Returns:
        The tool role names (values of ``service.models.people.ToolRole``).
    """
    roles = context.roles if isinstance(context, LaunchContext) else tuple(context)
    result: set[str] = set()
    for role in roles:
        kind, name = parse_role(str(role))
        if kind in ("institution", "system") and name in ("Administrator", "SysAdmin"):
            result.add(ORG_ADMIN)
        elif kind == "membership" and name in _COURSE_ADMIN:
            result.add(COURSE_ADMIN)
        elif kind in ("membership", "institution") and name in _LEARNER:
            result.add(EMPLOYEE)
    if not result:
        result.add(EMPLOYEE)
    if granted:
        words = re.split(r"[\s,;]+", granted) if isinstance(granted, str) else list(granted)
        result |= {w.strip().lower() for w in words} & GRANTABLE_ROLES
    return frozenset(result)
