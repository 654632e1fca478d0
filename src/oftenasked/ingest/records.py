"""What a reader yields: pairs as found in a source, before they are stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..models import Dropped


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


def stable_id(origin_name: str, question: str) -> str:
    """An id for a pair whose source gave none: stable while the question's words stay."""
    norm = " ".join(question.lower().split())
    digest = hashlib.sha1(f"{origin_name}\x00{norm}".encode()).hexdigest()[:12]
    return f"q-{digest}"
