"""The goals page's reads and the one write: targets (audit-logged), trend groups with their names, and chart geometry.

The trend itself and the targets come from :mod:`service.operations.compliance_trend`; this
module adds what the page needs around them: which groups have a line at a level, their names,
and the coordinates of an inline SVG chart (computed here, so the template only draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import models as m
from service.operations import audit
from service.operations import compliance_trend as trends


def add_target(session: Session, organisation: m.Organisation, actor: m.Person, name: str, level: str,
               percent: int | None, due_on: date | None) -> m.ComplianceTarget:
    """Set a target (checked by :func:`compliance_trend.set_target`) and write it to the audit log."""
    target = trends.set_target(session, organisation, actor, name, level, percent, due_on)
    audit.record(session, organisation, actor, audit.Action.HR_TARGET_SET, f"target:{target.id}",
                 {"level": level, "percent": percent, "due_on": due_on.isoformat()})
    return target


def trend_groups(session: Session, organisation: m.Organisation, level: str,
                 names: dict[str, dict[int, str]]) -> list[tuple[str, str]]:
    """The groups with a stored line at a level: (group key, name in words), sorted by name."""
    keys = session.scalars(select(m.ComplianceSnapshot.group_key).distinct()
                           .where(m.ComplianceSnapshot.organisation_id == organisation.id,
                                  m.ComplianceSnapshot.level == level))
    return sorted(((key, key_label(key, names)) for key in keys), key=lambda pair: pair[1])


def key_label(key: str, names: dict[str, dict[int, str]]) -> str:
    """``l3.t7`` in words: "Den Haag / Afdeling Zon"; ``*`` is "overig", ``-`` "geen"."""
    if not key:
        return ""
    words = []
    for part, field in zip(key.split("."), ("locatie", "team", "functie"), strict=False):
        value = part[1:]
        words.append("overig" if value == "*" else "geen" if value == "-" else
                     names[field].get(int(value), value) if value.isdigit() else value)
    return " / ".join(words)


@dataclass(frozen=True)
class Chart:
    """An SVG line chart of % met per month: the line's points, the target lines and the axis labels."""

    width: int
    height: int
    line: str
    dots: tuple[tuple[float, float, str, float], ...]
    targets: tuple[tuple[float, str, int], ...]
    ticks: tuple[tuple[float, int], ...]
    months: tuple[tuple[float, str], ...]


def chart(trend: trends.Trend, width: int = 560, height: int = 240, margin: int = 40) -> Chart:
    """Coordinates for the trend line (0-100% upwards) and one horizontal line per target."""
    inner_w, inner_h = width - 2 * margin, height - 2 * margin
    count = len(trend.points)

    def x(i: int) -> float:
        return round(margin + (inner_w * i / (count - 1) if count > 1 else inner_w / 2), 1)

    def y(percent: float) -> float:
        return round(margin + inner_h * (1 - percent / 100), 1)

    dots = tuple((x(i), y(p.percent_met), p.month.strftime("%m-%Y"), p.percent_met)
                 for i, p in enumerate(trend.points))
    return Chart(width, height, " ".join(f"{dx},{dy}" for dx, dy, *_ in dots), dots,
                 tuple((y(t.percent), t.name, t.percent) for t in trend.targets),
                 tuple((y(v), v) for v in (0, 25, 50, 75, 100)),
                 tuple((dx, label) for dx, _dy, label, _p in dots))
