"""Confidence: the probability that a retrieved pair answers the question.

A logistic model over the retrieval signals of a hit and its lead over the best hit that asks a
different question, fitted by ``bench/calibrate.py`` on development data where questions whose
answer is not in the knowledge base stand in for the questions it cannot answer. The score
therefore means what it says: of the answers given at confidence 0.8, about 80 % were right on
held-out data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class Calibration:
    """Coefficients of the logistic model (intercept first), one per feature.

    The defaults come from ``python bench/calibrate.py`` (scikit-learn logistic regression, C=10,
    each training source weighted equally): StackFAQ threads T001-T075 against the whole KB and
    against a KB without them, MEDIQA 2019 dev questions against their own candidates and against
    another question's. Held out: ECE 0.028 on StackFAQ T076-T125 (answerable and not); see
    bench/RESULTS.md for the starter questions.
    """

    FEATURES = (
        "question", "answer", "lexical_question", "lexical_answer", "fused", "margin", "best",
        "fused_over_background", "question_over_background", "answer_over_background",
    )

    intercept: float = -11.332
    question: float = 5.673
    answer: float = 2.560
    lexical_question: float = 1.037
    lexical_answer: float = 0.453
    fused: float = 3.439
    margin: float = 1.509
    best: float = 4.934
    fused_over_background: float = 0.0
    question_over_background: float = 0.0
    answer_over_background: float = 0.0

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
