"""Confidence: the probability that a retrieved pair answers the question.

A logistic model over the retrieval signals, fitted by ``bench/calibrate.py`` on StackFAQ's
development threads, where questions about threads left out of the knowledge base stand in
for the questions a knowledge base cannot answer. The score therefore means what it says: of
the answers given at confidence 0.8, about 80 % were right on held-out data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """Coefficients of the logistic model (intercept first), and the signals they weigh."""

    intercept: float = -14.0
    question: float = 14.0
    answer: float = 6.0
    fused: float = 0.0
    lexical_question: float = 0.5
    lexical_answer: float = 0.2

    def probability(self, signals: dict[str, np.ndarray], fused: np.ndarray) -> np.ndarray:
        z = (
            self.intercept
            + self.question * signals["question"]
            + self.answer * signals["answer"]
            + self.fused * fused
            + self.lexical_question * signals["lexical_question"]
            + self.lexical_answer * signals["lexical_answer"]
        )
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


DEFAULT = Calibration()
