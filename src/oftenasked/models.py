"""The typed results of oftenasked: frozen dataclasses, one result type per call."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pair:
    """One question and its answer, as stored."""

    id: str
    question: str
    answer: str
    """The answer as Markdown (lists kept as lists)."""
    source: str
    """What to cite: the page URL or file the pair came from."""
    origin: str = ""
    """The ingested file or URL that holds the pair (re-ingesting it updates the pair)."""
    position: int = 0
    """Order of the pair within its origin, from 0."""
    alternates: tuple[str, ...] = ()
    """Other phrasings of the question; all of them are searchable."""
    metadata: dict[str, str] = field(default_factory=dict)
    ingested_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["alternates"] = list(self.alternates)
        return data


@dataclass(frozen=True)
class Hit:
    """A pair found for a question, with its confidence and why it was found."""

    pair: Pair
    score: float
    """Calibrated confidence in [0, 1] that this pair answers the question."""
    matched_question: str
    """The stored phrasing (question or alternate) closest to what was asked."""
    signals: dict[str, float] = field(default_factory=dict)
    """The retrieval signals behind the score (similarities, lexical scores)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.pair.id,
            "question": self.pair.question,
            "matched_question": self.matched_question,
            "answer": self.pair.answer,
            "score": round(self.score, 4),
            "source": self.pair.source,
            "metadata": dict(self.pair.metadata),
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
        }


@dataclass(frozen=True)
class Answer:
    """The result of :meth:`KnowledgeBase.ask`."""

    question: str
    hits: tuple[Hit, ...]
    """Best first; only hits at or above the threshold."""
    threshold: float
    did_you_mean: tuple[Hit, ...] = ()
    """When nothing clears the threshold: the nearest questions, to offer instead."""

    @property
    def answered(self) -> bool:
        """False means the engine has no good answer (a flag, never a magic id)."""
        return bool(self.hits)

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "threshold": self.threshold,
            "answers": [h.to_dict() for h in self.hits],
            "did_you_mean": [h.to_dict() for h in self.did_you_mean],
        }


@dataclass(frozen=True)
class Related:
    """A question people also ask, with its answer."""

    pair: Pair
    score: float
    """Relatedness in [0, 1] to the asked question."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.pair.id,
            "question": self.pair.question,
            "answer": self.pair.answer,
            "score": round(self.score, 4),
            "source": self.pair.source,
        }


@dataclass(frozen=True)
class Page:
    """An "Often asked" page: the best answer, related questions with answers, sources."""

    title: str
    question: str
    answer: Answer
    related: tuple[Related, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        if self.answer.best:
            seen[self.answer.best.pair.source] = None
        for r in self.related:
            seen[r.pair.source] = None
        return tuple(s for s in seen if s)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "question": self.question,
            "answer": self.answer.best.to_dict() if self.answer.best else None,
            "answered": self.answer.answered,
            "did_you_mean": [h.to_dict() for h in self.answer.did_you_mean],
            "related": [r.to_dict() for r in self.related],
            "sources": list(self.sources),
        }

    def to_markdown(self) -> str:
        from .answer.page import render_markdown

        return render_markdown(self)

    def to_html(self) -> str:
        from .answer.page import render_html

        return render_html(self)

    def to_json(self) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class Dropped:
    """A block of a source that ingestion left out, and why."""

    text: str
    reason: str
    line: int | None = None


@dataclass(frozen=True)
class SourceReport:
    """What ingesting one source did."""

    origin: str
    format: str
    kept: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    dropped: tuple[Dropped, ...] = ()
    error: str | None = None

    @property
    def dropped_by_reason(self) -> dict[str, int]:
        """How many blocks were dropped for each reason (the reason's words before any ":"), most first."""
        counts: dict[str, int] = {}
        for d in self.dropped:
            key = d.reason.split(":", 1)[0].split(",", 1)[0].strip()
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("added", "changed", "removed"):
            data[key] = list(data[key])
        data["dropped"] = [asdict(d) for d in self.dropped]
        data["dropped_by_reason"] = self.dropped_by_reason
        return data


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did, source by source."""

    sources: tuple[SourceReport, ...]
    embedded: int = 0
    """Texts embedded by the model (unchanged text is never embedded twice)."""

    @property
    def added(self) -> int:
        return sum(len(s.added) for s in self.sources)

    @property
    def changed(self) -> int:
        return sum(len(s.changed) for s in self.sources)

    @property
    def removed(self) -> int:
        return sum(len(s.removed) for s in self.sources)

    @property
    def errors(self) -> tuple[SourceReport, ...]:
        return tuple(s for s in self.sources if s.error)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "embedded": self.embedded,
            "sources": [s.to_dict() for s in self.sources],
        }
