"""Confidence: the probability that a retrieved pair answers the question.

A logistic model over where a hit stands against the knowledge base's own background
(``answer/background.py``: the first hits of questions it cannot answer): the percentiles of its
fused score, its similarities and its lead over the best hit that asks a different question,
fitted by ``bench/loso.py`` on six development sets where a third of the questions are made
unanswerable. How well it holds on a set it was not fitted on (the expected
calibration error, and the share right of the answers given at the threshold) is measured leave-one-
set-out and printed by ``bench/loso.py``; ``oftenasked eval`` prints the same for your own questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..retrieve.fusion import tuning
from .background import RIVALS as background_rivals
from .background import Background, margins


def features(
    signals: dict[str, np.ndarray],
    fused: np.ndarray,
    questions: Sequence[str] | None = None,
    background: Background | None = None,
) -> np.ndarray:
    """One row per hit (hits best first): the columns of :attr:`Calibration.FEATURES`.

    ``margin`` is a hit's lead over its best rival (:func:`~.background.margins`); the ``*_percentile``
    columns place a hit among the first hits of questions this knowledge base cannot answer
    (:meth:`Background.percentile`).
    """
    margin = margins(np.asarray(fused, dtype=np.float64), questions)
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
            bg.percentile("fused", fused),
            bg.percentile("question", question),
            bg.percentile("answer", answer),
            bg.percentile("margin", margin),
        ]
    ).astype(np.float64)


_C = tuning()["calibration"]


@dataclass(frozen=True)
class Calibration:
    """Coefficients of the logistic model (intercept first), one per feature.

    The defaults come from ``retrieve/tuning.json``: scikit-learn logistic regression (C = 0.01 over
    standardised features, every development set weighted equally) of "the first hit is right", on the
    six development sets with a third of each set's questions made unanswerable (their relevant pairs
    taken out). Of the features offered, leave-one-set-out fitting keeps the four percentiles: where a
    hit's fused score, question and answer similarity and margin stand among the first hits of
    questions this knowledge base cannot answer (``answer/background.py``). Raw similarities mean one
    thing in a small shop FAQ and another among 16,000 medical pairs; a percentile of the knowledge
    base's own wrong answers means the same in both. The other features keep a coefficient of 0 so a
    refit can take them up. Leave-one-set-out figures: bench/RESULTS.md.
    """

    FEATURES = (
        "question", "answer", "lexical_question", "lexical_answer", "fused", "margin", "best",
        "fused_over_background", "question_over_background", "answer_over_background",
        "fused_percentile", "question_percentile", "answer_percentile", "margin_percentile",
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
    fused_percentile: float = _C["fused_percentile"]
    question_percentile: float = _C["question_percentile"]
    answer_percentile: float = _C["answer_percentile"]
    margin_percentile: float = _C["margin_percentile"]

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

RIVALS = background_rivals
"""Hits a search looks at to find each hit's best rival (so a search for one hit still has them)."""
