"""Reading the employee's pages over HTTP, as a browser's script would: CSRF token, the question, its choices.

Shared by the load benchmark (tests/bench/bench_load.py) and the outage-under-load test. It
imports no locust: locust monkey-patches the standard library for gevent in the whole process.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from requests.adapters import HTTPAdapter

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"|name="csrf-token" content="([^"]+)"')
ITEM = re.compile(r'data-item="([^"]+)"\s+data-type="([^"]+)"')
CHOICE = re.compile(r'<input type="(?:radio|checkbox)" id="answer-[^"]*" name="answer" value="([^"]+)"')
STEP_LABEL = re.compile(r'<label for="position-\d+">([^<]*)</label>')


class SourceAddress(HTTPAdapter):
    """Connect from one loopback address (127.0.0.0/8 is all local on Linux), as people do from their own
    computers: the login limits count per address."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
        super().init_poolmanager(connections, maxsize, block, source_address=(self.address, 0), **kwargs)


class PageProblem(Exception):
    """A page without what the next step needs (its form's token, its question)."""


def csrf_token(text: str, url: str = "") -> str:
    found = CSRF.search(text)
    if not found:
        raise PageProblem(f"no CSRF token on {url}")
    return found.group(1) or found.group(2)


@dataclass(frozen=True)
class Question:
    """The question on a page: its item id, type (multiple, single, self_rating, ordering), choices and steps."""

    item: str
    kind: str
    choices: list[str]
    steps: list[str]


def question(text: str) -> Question:
    found = ITEM.search(text)
    if not found:
        raise PageProblem("a question page without its question")
    item, kind = found.groups()
    return Question(item, kind, CHOICE.findall(text), [html.unescape(label) for label in STEP_LABEL.findall(text)])
