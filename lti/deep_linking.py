"""The deep linking response: the tests a teacher picked, as LtiResourceLink content items.

pylti1p3's ``DeepLink`` is not used: it sends ``aud`` as a list, always adds a ``data`` claim
(``null`` when the platform sent none) and puts ``title: null``/``url: null`` in content items.
This module builds the same JWT with exactly the claims the certification checks.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Sequence

import jwt

from lti.claims import LaunchContext
from lti.errors import LaunchError
from lti.keys import signing_key
from lti.registration import ToolKey

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESPONSE_LIFETIME = 600


@dataclass(frozen=True)
class LineItemSpec:
    """The gradebook column the platform creates with the link."""

    score_maximum: float
    label: str
    resource_id: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class ResourceLinkItem:
    """One ``ltiResourceLink`` content item.

    Attributes:
        title: Shown in the course.
        url: Launch URL; ``None`` lets the platform use the tool's default target link URI.
        custom: Custom parameters the platform sends back at launch, e.g.
            ``{"digitoets_test": "ecd-basis"}``.
        line_item: Gradebook column to create, or ``None`` for an ungraded link.
    """

    title: str
    url: str | None = None
    text: str | None = None
    custom: Mapping[str, str] = field(default_factory=dict, hash=False)
    line_item: LineItemSpec | None = None

    def to_claim(self) -> dict[str, Any]:
        """Return the content item as it goes into the JWT."""
        item: dict[str, Any] = {"type": "ltiResourceLink", "title": self.title}
        if self.url:
            item["url"] = self.url
        if self.text:
            item["text"] = self.text
        if self.custom:
            item["custom"] = {str(k): str(v) for k, v in self.custom.items()}
        if self.line_item:
            spec = self.line_item
            line: dict[str, Any] = {"scoreMaximum": spec.score_maximum, "label": spec.label}
            if spec.resource_id:
                line["resourceId"] = spec.resource_id
            if spec.tag:
                line["tag"] = spec.tag
            item["lineItem"] = line
        return item


@dataclass(frozen=True)
class DeepLinkingResponse:
    """Post ``{"JWT": jwt}`` to ``return_url`` from an auto-submitting form in the browser."""

    return_url: str
    jwt: str = field(repr=False)

    @property
    def form_fields(self) -> dict[str, str]:
        """The form fields of the auto-submitting form."""
        return {"JWT": self.jwt}


def deep_linking_response(context: LaunchContext, key: ToolKey, items: Sequence[ResourceLinkItem],
                          *, message: str | None = None,
                          now: datetime | None = None) -> DeepLinkingResponse:
    """Sign the deep linking response for a validated ``LtiDeepLinkingRequest``.

    Claims: ``iss`` our client id, ``aud`` the platform issuer, ``deployment_id``,
    ``message_type`` ``LtiDeepLinkingResponse``, ``version`` 1.3.0, a fresh ``nonce``,
    ``iat``/``exp``, ``content_items`` and ``data`` echoed when the request had it.

    Args:
        context: The deep linking launch (``find_launch`` returns it on a later request).
        key: The tool's current key (``KeyFolder.current()``).
        items: The chosen links; more than one only when the platform accepts multiple.
        message: Optional text the platform shows after the return (``msg`` claim).
        now: The current time (tests).

    Raises:
        LaunchError: ``not_deep_linking`` when the launch was not a deep linking request,
            ``too_many_items`` when the platform accepts one item and got several.
    """
    settings = context.deep_linking
    if context.message_type != "LtiDeepLinkingRequest" or settings is None:
        raise LaunchError("not_deep_linking", f"launch {context.launch_id} is not deep linking")
    if len(items) > 1 and not settings.accept_multiple:
        raise LaunchError("too_many_items", "the platform accepts one content item")
    issued = int(now.timestamp()) if now else int(time.time())
    claims: dict[str, Any] = {
        "iss": context.client_id,
        "aud": context.issuer,
        "iat": issued,
        "exp": issued + RESPONSE_LIFETIME,
        "nonce": uuid.uuid4().hex,
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": context.deployment_id,
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        DL + "content_items": [item.to_claim() for item in items],
    }
    if settings.data is not None:
        claims[DL + "data"] = settings.data
    if message:
        claims[DL + "msg"] = message
    token = jwt.encode(claims, signing_key(key), algorithm="RS256", headers={"kid": key.kid})
    return DeepLinkingResponse(return_url=settings.return_url, jwt=token)
