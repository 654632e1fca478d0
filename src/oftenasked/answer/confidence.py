"""Confidence: the probability that a retrieved pair answers the question.

A logistic model over the retrieval signals of a hit, its lead over the best hit that asks a
different question, and its signals against the knowledge base's own background
(``answer/background.py``), fitted by ``bench/loso.py`` on six development sets where a third of the
questions are made unanswerable. How well it holds on a set it was not fitted on (the expected
calibration error, and the share right of the answers given at the threshold) is measured leave-one-
set-out and printed by ``bench/loso.py``; ``oftenasked eval`` prints the same for your own questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..retrieve.fusion import tuning
from .background import Background


def features(
    signals: dict[str, np.ndarray],
    fused: np.ndarray,
    questions: Sequence[str] | None = None,
    background: Background | None = None,
) -> np.ndarray:
    """One row per hit (hits best first): the columns of :attr:`Calibration.FEATURES`.

    ``margin`` is a hit's fused score minus that of the best other hit with a different question
    (answers to the same question are not rivals); without ``questions`` every other hit is a rival.
    A hit with no rival in the list gets its own fused score as margin.
    """
    n = len(fused)
    keys = [" ".join(q.lower().split()) for q in questions] if questions is not None else list(range(n))
    margin = np.array(fused, dtype=np.float64, copy=True)
    for i in range(n):
        for j in range(n):
            if j != i and keys[j] != keys[i]:
                margin[i] = fused[i] - fused[j]
                break
    question, answer = signals["question"], signals["answer"]
    bg = background or Background()
    return np.column_stack(
        [
            question,
            answer,
            signals["lexical_question"],
            signals["lexical_answer"],
            fused,
            margin,
            np.maximum(question, answer),
            fused - bg.fused,
            question - bg.question,
            answer - bg.answer,
        ]
    ).astype(np.float64)


_C = tuning()["calibration"]


@dataclass(frozen=True)
class Calibration:
    """Coefficients of the logistic model (intercept first), one per feature.

    The defaults come from ``retrieve/tuning.json``: scikit-learn logistic regression (C = 0.1, every
    development set weighted equally) of "the first hit is right", on the six development sets with a
    third of each set's questions made unanswerable (their relevant pairs taken out). The
    ``*_over_background`` features read a hit against what questions this knowledge base cannot
    answer still score in it (``answer/background.py``), so that one model serves dense and sparse
    knowledge bases alike. Leave-one-set-out figures: bench/RESULTS.md.
    """

    FEATURES = (
        "question", "answer", "lexical_question", "lexical_answer", "fused", "margin", "best",
        "fused_over_background", "question_over_background", "answer_over_background",
    )

    intercept: float = _C["intercept"]
    question: float = _C["question"]
    answer: float = _C["answer"]
    lexical_question: float = _C["lexical_question"]
    lexical_answer: float = _C["lexical_answer"]
    fused: float = _C["fused"]
    margin: float = _C["margin"]
    best: float = _C["best"]
    fused_over_background: float = _C["fused_over_background"]
    question_over_background: float = _C["question_over_background"]
    answer_over_background: float = _C["answer_over_background"]

    def from_features(self, x: np.ndarray) -> np.ndarray:
        coef = np.array([getattr(self, name) for name in self.FEATURES])
        z = self.intercept + x @ coef
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def probability(
        self,
        signals: dict[str, np.ndarray],
        fused: np.ndarray,
        questions: Sequence[str] | None = None,
        background: Background | None = None,
    ) -> np.ndarray:
        """Confidence of each hit (hits best first, as :func:`features` expects them).

        A hit is never more confident than a hit ranked above it (the raw model disagrees with the
        ranking's order for about one StackFAQ query in ten): the hits above a threshold are then
        always the first ones of the ranking, and the first hit carries the most confidence.
        """
        if not len(fused):
            return np.zeros(0)
        return np.minimum.accumulate(self.from_features(features(signals, fused, questions, background)))


DEFAULT = Calibration()

RIVALS = 10
"""Hits a search looks at to find each hit's best rival (so a search for one hit still has them)."""
