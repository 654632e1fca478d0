"""What a reader yields: pairs as found in a source, before they are stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..errors import UnusableRecordError
from ..models import Dropped

SKIPPED = "record skipped"
"""The reason, in the report, of a well-formed record that could not be used."""
QUESTION_FROM = "question_from"
"""Metadata key of a pair whose question is not a question of the source but its title or heading."""


@dataclass
class RawPair:
    """A question and answer read from a source, with where they were found."""

    question: str
    answer: str
    """Markdown: paragraphs separated by blank lines, lists as ``1.``/``-`` items."""
    id: str | None = None
    """The id the source gave the pair, kept everywhere; None to generate a stable one."""
    source: str | None = None
    """What to cite, if the source names it (a URL); else the origin is cited."""
    line: int | None = None
    """Line of the question in the source, from 1, where the format has lines."""
    alternates: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class ReadResult:
    """Everything a reader found in one source."""

    format: str
    pairs: list[RawPair]
    dropped: list[Dropped] = field(default_factory=list)
    title: str | None = None
    skipped: list[UnusableRecordError] = field(default_factory=list)
    """Records that could not be used; each is in ``dropped`` too. In strict mode the first fails the source."""

    def skip(self, error: UnusableRecordError, text: str = "") -> None:
        """Leave out a record that cannot be used, and report it with its line."""
        where = f", field {error.field!r}" if error.field else ""
        self.skipped.append(error)
        self.dropped.append(Dropped(text or error.problem, f"{SKIPPED}{where}: {error.problem}", error.line))


def record_text(question: object, answer: object) -> str:
    """What the report shows of a skipped record: its question, else the start of its answer."""
    for value in (question, answer):
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= 80 else text[:79] + "…"
    return "(empty record)"


def stable_id(origin_name: str, question: str) -> str:
    """An id for a pair whose source gave none: stable while the question's words stay."""
    norm = " ".join(question.lower().split())
    digest = hashlib.sha1(f"{origin_name}\x00{norm}".encode()).hexdigest()[:12]
    return f"q-{digest}"
