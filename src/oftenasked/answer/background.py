"""Self-calibration: how well a question that this knowledge base cannot answer still scores in it.

A confidence model fitted on other knowledge bases does not know this one: in a knowledge base of
16,000 medical pairs, "What are the symptoms of X?" is asked for a thousand conditions, and a question
about a condition it lacks still finds a close question; in a small FAQ of a shop, an off-topic question
finds nothing close. So the knowledge base is asked its own questions with each one's own pair (and
every pair asking the same thing) left out: each such search is a question it cannot answer, and its
first hit shows how well a wrong answer scores here. The confidence model reads a hit's signals
against that background (``answer/confidence.py``): above all, the share of those wrong first hits
that the hit outscores (its percentile), which means the same in every knowledge base.

Computed from the stored vectors (nothing is embedded), on a fixed sample of pairs, when the search
index is built; it changes only when the knowledge base does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..retrieve.fusion import Weights
    from ..retrieve.index import SearchIndex

REUSE = 0.05
"""A knowledge base that changed by at most this share of its pairs since its background was measured
(in this process) keeps that background: a few edits do not move the medians or percentiles of 300
searches, and an edit a second must not cost 300 searches each."""
_RECENT: dict[tuple[str, str], tuple[int, Background]] = {}
_RECENT_LOCK = threading.Lock()

SAMPLE = 300
"""Pairs asked (a fixed, evenly spread sample): the medians settle within about 0.01 from 200 on."""
SAME_QUESTION = 0.9
"""Question vectors this close ask the same thing: left out with the pair asked."""
HITS = 20
RIVALS = 10
"""Hits the confidence model looks at (``confidence.RIVALS``; kept here to spare an import cycle)."""
VERSION = 2
"""Of what a background holds (part of its cache file's name): 2 keeps the sorted samples."""
SAMPLED = ("fused", "question", "answer", "margin")
PRIOR = 30
"""Pseudo-hits beside a background's sample in :meth:`Background.percentile` (a tenth of a full one)."""


def margins(fused: np.ndarray, questions: Sequence[str] | None = None) -> np.ndarray:
    """Each hit's fused score minus that of the best other hit with a different question (hits best
    first; answers to the same question are not rivals); without ``questions`` every other hit is a
    rival. A hit with no rival in the list gets its own fused score as margin."""
    n = len(fused)
    keys = [" ".join(q.lower().split()) for q in questions] if questions is not None else list(range(n))
    out = np.array(fused, dtype=np.float64, copy=True)
    for i in range(n):
        for j in range(n):
            if j != i and keys[j] != keys[i]:
                out[i] = fused[i] - fused[j]
                break
    return out


@dataclass(frozen=True)
class Background:
    """Over questions this knowledge base cannot answer, its first hit's signals: their medians, and
    the sorted samples (``SAMPLED``) that :meth:`percentile` reads a hit against."""

    fused: float = 0.0
    question: float = 0.0
    answer: float = 0.0
    questions_asked: int = 0
    samples: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def percentile(self, name: str, values: np.ndarray) -> np.ndarray:
        """The share of this knowledge base's wrong first hits that ``values`` outscore, in [0, 1].

        A small knowledge base has few questions to ask itself, and a share of five is no measure: the
        sample counts beside ``PRIOR`` pseudo-hits spread evenly over [0, 1] (the value itself, clipped,
        is their share), so that with no background at all the signal stands in for its percentile
        and a hit of a ten-pair FAQ is not certain just because it beats nine others."""
        values = np.asarray(values, dtype=np.float64)
        prior = np.clip(values, 0.0, 1.0)
        sample = self.samples.get(name, ())
        if not sample:
            return prior
        share = np.searchsorted(np.asarray(sample), values, side="left") / len(sample)
        return np.asarray((len(sample) * share + PRIOR * prior) / (len(sample) + PRIOR))

    def to_dict(self) -> dict[str, object]:
        return {
            "fused": self.fused, "question": self.question, "answer": self.answer,
            "questions_asked": self.questions_asked, "samples": {k: list(v) for k, v in self.samples.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Background:
        samples = {str(k): tuple(float(x) for x in v) for k, v in data.get("samples", {}).items()}
        if set(samples) != set(SAMPLED):
            raise ValueError("a background without its samples")
        return cls(
            fused=float(data["fused"]), question=float(data["question"]), answer=float(data["answer"]),
            questions_asked=int(data["questions_asked"]), samples=samples,
        )


def background(
    index: SearchIndex, questions_at: Callable[[list[int]], Sequence[str]], weights: Weights, sample: int = SAMPLE
) -> Background:
    """The background of a search index; ``questions_at`` gives the main question of pairs at index positions."""
    n = index.size
    if n < 2:
        return Background()
    vectors = index.main_question_vectors
    picked = np.unique(np.linspace(0, n - 1, num=min(sample, n)).astype(np.int64)).tolist()
    texts = dict(zip(picked, questions_at(picked)))
    seen: dict[str, list[float]] = {name: [] for name in SAMPLED}
    # What a search for each question returns once its answer is gone: the hits kept, as the
    # confidence model sees them (its first RIVALS); their questions are read once, for the margins.
    kept_hits: list[tuple[np.ndarray, np.ndarray]] = []
    for i in picked:
        vector = np.asarray(vectors[i], dtype=np.float32)
        found = index.search(texts[i], vector, min(HITS, n), weights)
        if not len(found.order):
            continue
        same = np.asarray(vectors[found.order], dtype=np.float32) @ vector >= SAME_QUESTION
        keep = np.flatnonzero((found.order != i) & ~same)
        if not len(keep):
            continue
        kept = keep[:RIVALS]
        first = int(kept[0])
        seen["fused"].append(float(found.fused[first]))
        seen["question"].append(float(found.signals["question"][first]))
        seen["answer"].append(float(found.signals["answer"][first]))
        kept_hits.append((found.order[kept], found.fused[kept]))
    if not seen["fused"]:
        return Background()
    positions = sorted({int(at) for order, _ in kept_hits for at in order})
    question_of = dict(zip(positions, questions_at(positions)))
    for order, fused in kept_hits:
        seen["margin"].append(float(margins(fused, [question_of[int(at)] for at in order])[0]))
    return Background(
        fused=float(np.median(seen["fused"])),
        question=float(np.median(seen["question"])),
        answer=float(np.median(seen["answer"])),
        questions_asked=len(seen["fused"]),
        samples={name: tuple(sorted(round(v, 6) for v in values)) for name, values in seen.items()},
    )


def recent(place: str, key: str, size: int) -> Background | None:
    """The background measured last in this process for this knowledge base and weights, if it has
    changed by at most ``REUSE`` of its pairs since."""
    with _RECENT_LOCK:
        found = _RECENT.get((place, key))
    if found is None or abs(found[0] - size) > REUSE * max(found[0], 1):
        return None
    return found[1]


def remember(place: str, key: str, size: int, measured: Background) -> None:
    with _RECENT_LOCK:
        _RECENT[(place, key)] = (size, measured)
