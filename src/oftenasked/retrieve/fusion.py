"""Fusion of retrieval signals into one ranking score: pure functions over score arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Weights:
    """Weights of the signals in the fused score.

    From ``python bench/calibrate.py``: the grid point with the best sum of MRR@10 on StackFAQ's
    development threads (T001-T075, 0.9642) and MEDIQA 2019 dev re-ranking (0.9760), with each
    answer's opening passage embedded behind its question (so the answer signal carries the question too).
    Lexical question matching adds nothing here once the answer signal holds the question.
    """

    question: float = 0.35
    """Cosine of the query to the pair's closest question phrasing."""
    answer: float = 0.55
    """Cosine of the query to the pair's closest answer passage (question + chunk)."""
    lexical_question: float = 0.0
    """BM25 on questions, scaled to [0, 1] by the best score of the query."""
    lexical_answer: float = 0.1
    """BM25 on whole answers, scaled likewise."""


def scale_by_max(scores: np.ndarray) -> np.ndarray:
    """Scores divided by the query's best score, so each signal spans [0, 1]."""
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def bounded(scores: np.ndarray, bound: np.ndarray | float) -> np.ndarray:
    """BM25 scores divided by the query's bound (``LexicalIndex.bound``): in [0, 1] whatever was searched."""
    bound = np.asarray(bound, dtype=np.float64)
    out = np.divide(scores, bound, out=np.zeros(np.broadcast(scores, bound).shape), where=bound > 0)
    return np.clip(out, 0.0, 1.0)


def normalise(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The fused signals from the raw ones: cosines floored at 0, BM25 over its bound.

    ``raw`` holds ``question`` and ``answer`` (cosines), ``bm25_question`` and ``bm25_answer``, and
    ``bound_question`` and ``bound_answer`` (scalars or arrays broadcasting against the scores).
    """
    return {
        "question": np.maximum(raw["question"], 0.0),
        "answer": np.maximum(raw["answer"], 0.0),
        "lexical_question": bounded(raw["bm25_question"], raw["bound_question"]),
        "lexical_answer": bounded(raw["bm25_answer"], raw["bound_answer"]),
    }


def convex(signals: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    """Weighted sum of the signals: the ranking score of every pair."""
    return (
        weights.question * signals["question"]
        + weights.answer * signals["answer"]
        + weights.lexical_question * signals["lexical_question"]
        + weights.lexical_answer * signals["lexical_answer"]
    )


def rrf(rankings: list[np.ndarray], n: int, k: int = 60) -> np.ndarray:
    """Reciprocal-rank fusion of rankings (arrays of pair indexes, best first): the usual baseline."""
    fused = np.zeros(n, dtype=np.float64)
    for ranking in rankings:
        fused[ranking] += 1.0 / (k + np.arange(1, len(ranking) + 1))
    return fused
