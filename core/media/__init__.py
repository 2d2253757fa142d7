"""Media preflight: will TikTok accept this video? inspect() reads it, check() lists problems, preflight() both."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from core.errors import ClipshipError
from core.media.probe import MIME_TYPES, READ_CAP, MediaFacts, MediaInfoUnavailable, inspect
from core.media.rules import (
    ACCEPTED_CODECS,
    ACCEPTED_CONTAINERS,
    DEFAULT_MAX_DURATION_S,
    MAX_FILE_SIZE,
    Limits,
    Problem,
    check,
)

__all__ = [
    "ACCEPTED_CODECS",
    "ACCEPTED_CONTAINERS",
    "DEFAULT_MAX_DURATION_S",
    "MAX_FILE_SIZE",
    "MIME_TYPES",
    "READ_CAP",
    "Limits",
    "MediaFacts",
    "MediaInfoUnavailable",
    "Problem",
    "Report",
    "check",
    "inspect",
    "preflight",
]


@dataclass(frozen=True)
class Report:
    """The answer for one file: its facts (None only if the inspector itself failed) and every problem."""

    path: str
    facts: MediaFacts | None
    problems: tuple[Problem, ...]

    @property
    def accepted(self) -> bool:
        """True when nothing blocks the upload (advisory notes allowed)."""
        return not self.blocking

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.blocking)

    @property
    def advisories(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.blocking)

    def to_dict(self) -> dict[str, Any]:
        """The shape `check --json` prints: {path, accepted, facts, problems}."""
        return {
            "path": self.path,
            "accepted": self.accepted,
            "facts": None if self.facts is None else self.facts.to_dict(),
            "problems": [p.to_dict() for p in self.problems],
        }


def preflight(path: str | os.PathLike[str], limits: Limits | None = None) -> Report:
    """inspect + check in one call that never raises: what the CLI and the window use."""
    text = os.fspath(path)
    try:
        facts = inspect(text)
    except ClipshipError as exc:  # the inspector could not be loaded: say so rather than blame the file
        return Report(text, None, (Problem("inspector_unavailable", True, exc.message, exc.hint),))
    return Report(text, facts, tuple(check(facts, limits)))
