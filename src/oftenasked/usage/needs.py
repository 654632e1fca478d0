"""Needs: logged questions grouped by meaning, counted, with the pair that answers them.

Grouping is leader clustering over question vectors (the knowledge base's own embedder): the
distinct phrasings, most asked first, each join the first-seen group whose leading phrasing is
within ``SAME_NEED`` cosine, or lead a new group. For often asked needs the knowledge base's own
answers count first (``by_pair``): phrasings mostly answered by one pair are one need, whatever
their wording, and only the phrasings without a good answer are grouped by meaning alone (they
join a pair's need when close enough to one of its phrasings). It is deterministic, needs nothing beyond
numpy, costs one matrix-vector product per phrasing against the groups so far, and keeps no
n-by-n distance matrix (scikit-learn's agglomerative clustering would, 800 MB at 10,000 distinct
questions). bench/feedback.py measures it against the StackFAQ paraphrase threads.

Vectors of logged questions are kept in ``query_vectors`` by model and text hash, so that
``often`` and ``gaps`` embed each distinct question once, ever.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..retrieve.embed import Embedder
from ..store import usage_rows

SAME_NEED = 0.72
"""Cosine of two questions' vectors from which they ask for the same thing (bench/feedback.py)."""
EXAMPLES = 3
"""Example phrasings shown per need."""


def normal(text: str) -> str:
    """The form under which two phrasings count as the same text (case, spaces, end punctuation aside)."""
    return " ".join(text.lower().split()).strip(" ?!.")


def text_hash(text: str) -> str:
    return hashlib.sha1(normal(text).encode()).hexdigest()


def vectors(db: sqlite3.Connection, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of ``texts``, read from ``query_vectors`` or embedded once and kept there."""
    hashes = [text_hash(t) for t in texts]
    found = {h: np.frombuffer(blob, dtype=np.float16).astype(np.float32)
             for h, blob in usage_rows.query_vectors(db, embedder.name, hashes).items()}
    missing = {h: t for h, t in zip(hashes, texts) if h not in found}
    if missing:
        fresh = embedder.embed([normal(t) for t in missing.values()])
        new = dict(zip(missing, np.asarray(fresh, dtype=np.float32)))
        usage_rows.keep_query_vectors(db, embedder.name, {h: v.astype(np.float16).tobytes() for h, v in new.items()})
        found.update(new)
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    matrix = np.stack([found[h] for h in hashes])
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms == 0, 1, norms), dtype=np.float32)


def cluster(matrix: np.ndarray, threshold: float = SAME_NEED) -> list[int]:
    """Group rows (unit vectors, most important first) by meaning: the group number of each row."""
    leaders: list[int] = []
    groups: list[int] = []
    for at in range(len(matrix)):
        if leaders:
            sims = matrix[leaders] @ matrix[at]
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                groups.append(best)
                continue
        leaders.append(at)
        groups.append(len(leaders) - 1)
    return groups


@dataclass(frozen=True)
class Asked:
    """One logged event to group: a question (or feedback on one) with what happened to it."""

    question: str
    pair_id: str | None = None
    confidence: float | None = None
    answered: bool = True
    session: str | None = None
    unhelpful: bool = False


@dataclass(frozen=True)
class Need:
    """A need: how often it was asked, example phrasings, the pair answering it and its mean confidence."""

    count: int
    questions: tuple[str, ...]
    pair_id: str | None
    confidence: float | None
    people: int
    """Distinct sessions, each question asked without one counting as a person of its own."""
    unanswered: int = 0
    unhelpful: int = 0
    nearest: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "count": self.count, "questions": list(self.questions), "pair_id": self.pair_id,
            "confidence": None if self.confidence is None else round(self.confidence, 4), "people": self.people,
            "unanswered": self.unanswered, "unhelpful": self.unhelpful,
        }
        if self.nearest:
            out["nearest"] = list(self.nearest)
        return out


def group(db: sqlite3.Connection, embedder: Embedder, events: Iterable[Asked],
          threshold: float = SAME_NEED, by_pair: bool = False) -> list[list[Asked]]:
    """Events grouped by the meaning of their question, the most frequent group first.

    With ``by_pair``, phrasings mostly answered by one pair form that pair's group first."""
    by_text: dict[str, list[Asked]] = {}
    for event in events:
        if event.question.strip():
            by_text.setdefault(normal(event.question), []).append(event)
    texts = sorted(by_text, key=lambda t: (-len(by_text[t]), t))
    if not texts:
        return []
    matrix = vectors(db, embedder, texts)
    groups: dict[object, list[Asked]] = {}
    rest = list(range(len(texts)))
    if by_pair:
        owner: dict[str, str] = {}
        for text in texts:
            answered = Counter(e.pair_id for e in by_text[text] if e.answered and e.pair_id)
            if answered and answered.most_common(1)[0][1] * 2 > len(by_text[text]):
                owner[text] = answered.most_common(1)[0][0]
        rest = [i for i, t in enumerate(texts) if t not in owner]
        members: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            if text in owner:
                members.setdefault(owner[text], []).append(i)
                groups.setdefault(("pair", owner[text]), []).extend(by_text[text])
        if members and rest:
            # A phrasing without a good answer joins the pair whose phrasings it is closest to.
            keys = list(members)
            rows = [i for key in keys for i in members[key]]
            labels = [key for key in keys for _ in members[key]]
            sims = matrix[rest] @ matrix[rows].T
            still = []
            for at, i in enumerate(rest):
                best = int(np.argmax(sims[at]))
                if sims[at, best] >= threshold:
                    groups[("pair", labels[best])].extend(by_text[texts[i]])
                else:
                    still.append(i)
            rest = still
    for i, number in zip(rest, cluster(matrix[rest], threshold) if rest else []):
        groups.setdefault(("meaning", number), []).extend(by_text[texts[i]])
    return sorted(groups.values(), key=len, reverse=True)


def people(events: Sequence[Asked]) -> int:
    sessions = {e.session for e in events if e.session}
    return len(sessions) + sum(1 for e in events if not e.session)


def summarise(events: Sequence[Asked]) -> Need:
    """A group of events as a need: the pair most often answered, and its mean confidence then."""
    phrasings = Counter(e.question for e in events)
    answered = Counter(e.pair_id for e in events if e.answered and e.pair_id)
    pair_id = answered.most_common(1)[0][0] if answered else None
    scores = [e.confidence for e in events if e.pair_id == pair_id and e.confidence is not None]
    return Need(
        count=len(events),
        questions=tuple(q for q, _ in phrasings.most_common(EXAMPLES)),
        pair_id=pair_id,
        confidence=float(np.mean(scores)) if scores else None,
        people=people(events),
        unanswered=sum(1 for e in events if not e.answered),
        unhelpful=sum(1 for e in events if e.unhelpful),
    )


def logged(db: sqlite3.Connection, cutoff: str | None) -> list[Asked]:
    """The logged questions since ``cutoff`` (a stored time; None: all)."""
    return [Asked(q, a, c, bool(ok), s) for q, a, c, ok, s in usage_rows.asked_since(db, cutoff or "")]


def often(db: sqlite3.Connection, embedder: Embedder, cutoff: str | None, top: int = 20) -> list[Need]:
    """The ``top`` most asked needs since ``cutoff``, most asked first."""
    return [summarise(g) for g in group(db, embedder, logged(db, cutoff), by_pair=True)[:top]]
