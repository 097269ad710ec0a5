"""Assignment and Grade Services and Names and Role Provisioning, usable from background jobs.

Built from a ``Registration`` and the URLs stored at launch, never from a browser session
(pylti1p3's ``from_cache`` needs the user's cookie). Why not pylti1p3's ``ServiceConnector``:
it sends no timeouts, caches access tokens forever (per connector), lower-cases the whole
``Link`` header before following ``rel="next"`` (breaking case-sensitive cursors), only
understands ``rel="next"`` in quotes, and reports errors with the response body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lti.errors import AgsError, NotGradableError, NrpsError, ScoreConflictError, ServiceError
from lti.service_client import ServiceClient, TokenCache, next_page_url  # noqa: F401 - public API

logger = logging.getLogger(__name__)

SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass(frozen=True)
class LineItem:
    """A gradebook column (AGS line item)."""

    id: str
    label: str
    score_maximum: float
    tag: str | None = None
    resource_id: str | None = None
    resource_link_id: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LineItem":
        return cls(id=data["id"], label=data.get("label", ""),
                   score_maximum=float(data.get("scoreMaximum", 0)), tag=data.get("tag"),
                   resource_id=data.get("resourceId"), resource_link_id=data.get("resourceLinkId"))


class AgsClient(ServiceClient):
    """Scores and line items (LTI AGS 2.0)."""

    error = AgsError

    def put_score(self, lineitem_url: str, user_id: str, score_given: float, score_maximum: float,
                  activity_progress: str, grading_progress: str, timestamp: datetime,
                  comment: str | None = None) -> int:
        """POST a score to ``<lineitem>/scores``, keeping the line item URL's query string.

        Args:
            lineitem_url: The line item URL as the platform gave it
                (``.../lineitem?type_id=1`` becomes ``.../lineitem/scores?type_id=1``).
            user_id: The learner's ``sub``.
            activity_progress: ``Initialized``, ``Started``, ``InProgress``, ``Submitted``,
                ``Completed``.
            grading_progress: ``FullyGraded``, ``Pending``, ``PendingManual``, ``Failed``,
                ``NotReady``.
            timestamp: When the score was given; must be timezone-aware.

        Returns:
            The platform's HTTP status (200, 201, 202 or 204).

        Raises:
            ScoreConflictError: 409 (same or older timestamp than the platform's last score).
            NotGradableError: 400 (for example a teacher, who is not gradable in Moodle).
            AgsError: Any other failure.
            ValueError: ``timestamp`` is naive.
        """
        if timestamp.tzinfo is None or timestamp.utcoffset() is None:
            raise ValueError("timestamp must be timezone-aware")
        score: dict[str, Any] = {
            "userId": str(user_id), "scoreGiven": score_given, "scoreMaximum": score_maximum,
            "activityProgress": activity_progress, "gradingProgress": grading_progress,
            "timestamp": timestamp.isoformat(timespec="milliseconds")}
        if comment:
            score["comment"] = comment
        response = self._call("POST", scores_url(lineitem_url), [SCOPE_SCORE], what="score service",
                              json=score,
                              headers={"Content-Type": "application/vnd.ims.lis.v1.score+json"})
        logger.info("Score sent to registration %s: %s", self.registration.id, response.status_code)
        return response.status_code

    def _status_error(self, status: int, what: str) -> ServiceError:
        if status == 409:
            return ScoreConflictError(f"{what} answered 409 (score timestamp not newer)", 409)
        if status == 400:
            return NotGradableError(f"{what} answered 400 (user not gradable?)", 400)
        return AgsError(f"{what} answered {status}", status)

    def lineitems(self, lineitems_url: str, **filters: str) -> tuple[LineItem, ...]:
        """Return every line item of the context (all pages), optionally filtered by the platform."""
        url: str | None = _with_query(lineitems_url, filters) if filters else lineitems_url
        items: list[LineItem] = []
        for body in self._pages(url, [SCOPE_LINEITEM], "application/vnd.ims.lis.v2.lineitemcontainer+json",
                                "line item service"):
            rows = body.get("content", []) if isinstance(body, dict) else body
            try:
                items += [LineItem.from_json(row) for row in rows or []]
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise AgsError("line item service answered malformed line items") from exc
        return tuple(items)

    def find_or_create_lineitem(self, lineitems_url: str, *, tag: str, resource_id: str, label: str,
                                score_maximum: float, resource_link_id: str | None = None) -> LineItem:
        """Return the line item with ``tag`` and ``resource_id``, creating it when missing."""
        for item in self.lineitems(lineitems_url, tag=tag, resource_id=resource_id):
            if item.tag == tag and item.resource_id == resource_id:
                return item
        new: dict[str, Any] = {"label": label, "scoreMaximum": score_maximum, "tag": tag,
                               "resourceId": resource_id}
        if resource_link_id:
            new["resourceLinkId"] = resource_link_id
        response = self._call("POST", lineitems_url, [SCOPE_LINEITEM], what="line item service",
                              json=new,
                              headers={"Content-Type": "application/vnd.ims.lis.v2.lineitem+json",
                                       "Accept": "application/vnd.ims.lis.v2.lineitem+json"})
        try:
            return LineItem.from_json(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise AgsError("line item service answered without a line item", response.status_code) from exc

@dataclass(frozen=True)
class Member:
    """A course member from Names and Role Provisioning (roles as the platform sends them)."""

    user_id: str
    roles: tuple[str, ...]
    name: str | None = None
    email: str | None = None
    status: str = "Active"


class NrpsClient(ServiceClient):
    """Course memberships (LTI NRPS 2.0), every page."""

    error = NrpsError

    def _status_error(self, status: int, what: str) -> ServiceError:
        return NrpsError(f"{what} answered {status}", status)

    def members(self, memberships_url: str) -> tuple[Member, ...]:
        """Return all members, following ``Link: <...>; rel="next"`` (or a ``next`` in the body)."""
        result: list[Member] = []
        for body in self._pages(memberships_url, [SCOPE_NRPS],
                                "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                                "membership service"):
            try:
                result += [Member(user_id=str(row["user_id"]), roles=tuple(row.get("roles") or ()),
                                  name=row.get("name") or None, email=row.get("email") or None,
                                  status=row.get("status") or "Active")
                           for row in (body.get("members") or [])]
            except (KeyError, TypeError, AttributeError) as exc:
                raise NrpsError("membership service answered malformed members") from exc
        logger.info("Memberships of registration %s: %s members", self.registration.id, len(result))
        return tuple(result)


def scores_url(lineitem_url: str) -> str:
    """``.../lineitem?type_id=1`` -> ``.../lineitem/scores?type_id=1``."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
