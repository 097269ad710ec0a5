"""Check statements against an xAPI Profile: statement templates and primary patterns.

A small checker of the parts of the xAPI Profiles 1.0 spec (Part Two, sections 8 and 9) that our
profile uses; PyPI has no Python validator of xAPI Profiles (the known ones, Yet Analytics'
``persephone`` and ``pan``, are Clojure). What it checks:

- Template: ``verb``, ``objectActivityType``, ``objectStatementRefTemplate`` (the object is a
  StatementRef), ``context{Parent,Grouping,Category,Other}ActivityType`` (every listed type is
  present in that context list), and ``rules`` with ``presence`` (included, excluded,
  recommended) and ``any`` / ``all`` / ``none``. Rule locations are the JSONPath subset the spec
  allows without filters: ``$``, ``.name``, ``['name']``, ``[n]`` and ``[*]`` / ``.*``.
- Pattern: statements are grouped by ``context.registration``, ordered by timestamp (stable, so
  the order within a batch decides ties, as the spec says), and each group must match one
  primary pattern from start to end (``sequence``, ``alternates``, ``optional``, ``zeroOrMore``,
  ``oneOrMore``; members are templates or patterns).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

_STEP = re.compile(r"\.([A-Za-z_][\w-]*|\*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+|\*)\]")
_CONTEXT_TYPES = {"contextParentActivityType": "parent", "contextGroupingActivityType": "grouping",
                  "contextCategoryActivityType": "category", "contextOtherActivityType": "other"}


class ProfileError(ValueError):
    """Raised when the profile itself uses something this checker does not know."""


def evaluate(statement: Any, location: str) -> list[Any]:
    """The values at ``location`` (JSONPath subset) in ``statement``; [] when there are none."""
    if not location.startswith("$"):
        raise ProfileError(f"a rule location must start with $: {location!r}")
    nodes, position = [statement], 1
    while position < len(location):
        step = _STEP.match(location, position)
        if step is None:
            raise ProfileError(f"unsupported JSONPath at {location[position:]!r} in {location!r}")
        name, quoted, index = step.groups()
        key = name if name is not None else (quoted if quoted is not None else index)
        found = []
        for node in nodes:
            if key == "*":
                found += list(node.values()) if isinstance(node, dict) else \
                    list(node) if isinstance(node, list) else []
            elif isinstance(node, dict) and index is None and key in node:
                found.append(node[key])
            elif isinstance(node, list) and index is not None and int(key) < len(node):
                found.append(node[int(key)])
        nodes, position = found, step.end()
    return nodes


def _types(activities: Iterable[Any]) -> set[str]:
    return {a.get("definition", {}).get("type") for a in activities if isinstance(a, dict)}


def template_problems(template: dict[str, Any], statement: dict[str, Any]) -> list[str]:
    """Why ``statement`` does not match ``template``; [] when it matches."""
    problems = []
    if "verb" in template and statement.get("verb", {}).get("id") != template["verb"]:
        problems.append(f"verb is not {template['verb']}")
    obj = statement.get("object", {})
    if "objectActivityType" in template and \
            obj.get("definition", {}).get("type") != template["objectActivityType"]:
        problems.append(f"object type is not {template['objectActivityType']}")
    if "objectStatementRefTemplate" in template and obj.get("objectType") != "StatementRef":
        problems.append("object is not a StatementRef")
    activities = statement.get("context", {}).get("contextActivities", {})
    for key, where in _CONTEXT_TYPES.items():
        missing = set(template.get(key, [])) - _types(activities.get(where, []))
        if missing:
            problems.append(f"context {where} lacks activity types {sorted(missing)}")
    for rule in template.get("rules", []):
        problems += _rule_problems(rule, statement)
    return problems


def _rule_problems(rule: dict[str, Any], statement: dict[str, Any]) -> list[str]:
    if "selector" in rule:
        raise ProfileError("rule selectors are not supported")
    values = [v for location in rule["location"].split("|")
              for v in evaluate(statement, location.strip())]
    where, presence = rule["location"], rule.get("presence")
    if presence == "included" and (not values or any(v is None for v in values)):
        return [f"{where} is required"]
    if presence == "excluded":
        return [f"{where} must be absent"] if values else []
    if not values:
        return []
    if "any" in rule and not any(v in rule["any"] for v in values):
        return [f"{where} has none of {rule['any']}"]
    if "all" in rule and not all(v in rule["all"] for v in values):
        return [f"{where} has values outside {rule['all']}"]
    if "none" in rule and any(v in rule["none"] for v in values):
        return [f"{where} has a value from {rule['none']}"]
    return []


def matching_templates(profile: dict[str, Any], statement: dict[str, Any]) -> list[str]:
    """Ids of the profile's templates that ``statement`` matches."""
    return [t["id"] for t in profile["templates"] if not template_problems(t, statement)]


def _ends(patterns: dict[str, dict], member: str, seq: Sequence[set[str]], start: int) -> set[int]:
    """Every position where ``member`` (template or pattern) can stop matching from ``start``."""
    pattern = patterns.get(member)
    if pattern is None:  # a template: matches one statement
        return {start + 1} if start < len(seq) and member in seq[start] else set()
    if "sequence" in pattern:
        positions = {start}
        for part in pattern["sequence"]:
            positions = {end for p in positions for end in _ends(patterns, part, seq, p)}
        return positions
    if "alternates" in pattern:
        return {end for part in pattern["alternates"] for end in _ends(patterns, part, seq, start)}
    if "optional" in pattern:
        return {start} | _ends(patterns, pattern["optional"], seq, start)
    key = "zeroOrMore" if "zeroOrMore" in pattern else "oneOrMore"
    if key not in pattern:
        raise ProfileError(f"pattern {member} has no known member")
    reached = {start} if key == "zeroOrMore" else set()
    frontier = _ends(patterns, pattern[key], seq, start)
    while frontier - reached:
        reached |= frontier
        frontier = {end for p in frontier for end in _ends(patterns, pattern[key], seq, p)}
    return reached


def matching_primary_patterns(profile: dict[str, Any], templates: Sequence[set[str]]) -> list[str]:
    """Primary patterns that the sequence (one set of matched templates per statement) follows."""
    patterns = {p["id"]: p for p in profile["patterns"]}
    return [pid for pid, p in patterns.items()
            if p.get("primary") and len(templates) in _ends(patterns, pid, templates, 0)]


def _when(statement: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))


def check(profile: dict[str, Any], statements: Iterable[dict[str, Any]]) -> list[str]:
    """Problems of ``statements`` (in the order sent) against ``profile``; [] when they conform.

    Each statement must match a template and carry a registration; the statements of each
    registration, ordered by timestamp, must follow one primary pattern.
    """
    problems, groups = [], {}
    for statement in statements:
        found = set(matching_templates(profile, statement))
        if not found:
            problems.append(f"statement {statement.get('id')} matches no template")
        registration = statement.get("context", {}).get("registration")
        if registration is None:
            problems.append(f"statement {statement.get('id')} has no registration, so no pattern")
            continue
        groups.setdefault(registration, []).append((statement, found))
    for registration, members in groups.items():
        members.sort(key=lambda pair: _when(pair[0]))  # stable: ties keep the order sent
        if not matching_primary_patterns(profile, [found for _, found in members]):
            names = [sorted(t.rsplit("/", 1)[-1] for t in found) for _, found in members]
            problems.append(f"registration {registration} follows no primary pattern: {names}")
    return problems
