"""Named errors of the pure skills rules; ``service`` wraps or maps them at its edge."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class MappingsError(Exception):
    """Base of every error the mappings package raises on purpose."""


@dataclass(frozen=True)
class ContentProblem:
    """One problem in a content folder, shown as ``file: path.inside.file: reason``."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class ContentError(MappingsError):
    """Raised when a content folder has problems; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[ContentProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        return (type(self), (self.problems,))


class InvalidAnswerError(MappingsError, ValueError):
    """Raised when an answer does not fit its item (wrong type, unknown code, duplicate, wrong length)."""

    def __init__(self, item_code: str, reason: str):
        super().__init__(f"answer to item {item_code!r}: {reason}")
        self.item_code = item_code  # lets the web layer put the message under this field
        self.reason = reason

    def __reduce__(self):
        # Exceptions pickle as cls(*args); ours takes two arguments, not the message.
        return (type(self), (self.item_code, self.reason))
