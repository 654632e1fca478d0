"""Self-calibration: how well a question that this knowledge base cannot answer still scores in it.

A confidence model fitted on other knowledge bases does not know this one: in a knowledge base of
16,000 medical pairs, "What are the symptoms of X?" is asked for a thousand conditions, and a question
about a condition it lacks still finds a close question; in a small FAQ of a shop, an off-topic question
finds nothing close. So the knowledge base is asked its own questions with each one's own pair (and
every pair asking the same thing) left out: each such search is a question it cannot answer, and its
first hit shows how well a wrong answer scores here. The confidence model reads a hit's signals
against that background (``answer/confidence.py``).

Computed from the stored vectors (nothing is embedded), on a fixed sample of pairs, when the search
index is built; it changes only when the knowledge base does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..retrieve.fusion import Weights
    from ..retrieve.index import SearchIndex

REUSE = 0.05
"""A knowledge base that changed by at most this share of its pairs since its background was measured
(in this process) keeps that background: a few edits do not move the medians of 300 searches, and an
edit a second must not cost 300 searches each."""
_RECENT: dict[tuple[str, str], tuple[int, Background]] = {}
_RECENT_LOCK = threading.Lock()

SAMPLE = 300
"""Pairs asked (a fixed, evenly spread sample): the medians settle within about 0.01 from 200 on."""
SAME_QUESTION = 0.9
"""Question vectors this close ask the same thing: left out with the pair asked."""
HITS = 20


@dataclass(frozen=True)
class Background:
    """Medians, over questions this knowledge base cannot answer, of its first hit's signals."""

    fused: float = 0.0
    question: float = 0.0
    answer: float = 0.0
    questions_asked: int = 0

    def to_dict(self) -> dict[str, float]:
        return {"fused": self.fused, "question": self.question, "answer": self.answer, "questions_asked": self.questions_asked}


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
    fused, question, answer = [], [], []
    for i in picked:
        vector = np.asarray(vectors[i], dtype=np.float32)
        found = index.search(texts[i], vector, min(HITS, n), weights)
        if not len(found.order):
            continue
        same = np.asarray(vectors[found.order], dtype=np.float32) @ vector >= SAME_QUESTION
        keep = np.flatnonzero((found.order != i) & ~same)
        if not len(keep):
            continue
        first = int(keep[0])
        fused.append(float(found.fused[first]))
        question.append(float(found.signals["question"][first]))
        answer.append(float(found.signals["answer"][first]))
    if not fused:
        return Background()
    return Background(
        fused=float(np.median(fused)),
        question=float(np.median(question)),
        answer=float(np.median(answer)),
        questions_asked=len(fused),
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
