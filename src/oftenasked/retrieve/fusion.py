"""Fusion of retrieval signals into one ranking score: pure functions over score arrays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np


@cache
def tuning() -> dict[str, Any]:
    """The shipped fusion weights and confidence model (``retrieve/tuning.json``), with the embedding
    model and the texts recipe they were fitted for and a version that the index cache's stamp names."""
    return json.loads(resources.files(__package__).joinpath("tuning.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


_W = tuning()["weights"]


@dataclass(frozen=True)
class Weights:
    """Weights of the signals in the fused score.

    The defaults come from ``retrieve/tuning.json``, fitted by ``bench/loso.py`` over six development
    sets of different domains (StackFAQ, MEDIQA, SemEval forum questions, MQP patient questions, a
    COVID FAQ's rewordings, the starter questions) and chosen by leave-one-set-out: see
    bench/RESULTS.md. Every signal lies in [0, 1] and means the same whatever was searched.
    """

    question: float = _W["question"]
    """Cosine of the query to the pair's closest question phrasing."""
    answer: float = _W["answer"]
    """Cosine of the query to the pair's closest answer passage (question + chunk)."""
    lexical_question: float = _W["lexical_question"]
    """BM25 on questions, over the query's bound (:func:`bounded`)."""
    lexical_answer: float = _W["lexical_answer"]
    """BM25 on whole answers, likewise."""
    lexical_boost: float = _W["lexical_boost"]
    """Growth of the lexical weights with the log of a long query's length (:func:`lexical_boost`)."""


def scale_by_max(scores: np.ndarray) -> np.ndarray:
    """Scores divided by the query's best score, so each signal spans [0, 1] (the RRF-style baseline's
    normalisation; the index divides by the query's bound instead)."""
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


def lexical_boost(weights: Weights, words: int | np.ndarray) -> np.ndarray | float:
    """How much more the lexical signals weigh for a query of ``words`` words.

    Long questions (a forum post's subject and body) carry many precise words that BM25 matches,
    while one embedding of a long text blurs them: past ``LONG_QUERY`` words, the lexical weights
    grow with the logarithm of the length.
    """
    longer = np.log(np.maximum(np.asarray(words, dtype=np.float64), 1.0) / LONG_QUERY)
    return 1.0 + weights.lexical_boost * np.maximum(longer, 0.0)


LONG_QUERY = 12
"""Words from which a query counts as long (see :func:`lexical_boost`)."""


def convex(signals: dict[str, np.ndarray], weights: Weights, words: int | np.ndarray | None = None) -> np.ndarray:
    """Weighted sum of the signals: the ranking score of every pair.

    ``words``: the query's length in words (an array broadcasting against the signals for several
    queries), for :func:`lexical_boost`; None leaves the weights as they are.
    """
    boost = 1.0 if words is None or not weights.lexical_boost else lexical_boost(weights, words)
    return (
        weights.question * signals["question"]
        + weights.answer * signals["answer"]
        + boost * (weights.lexical_question * signals["lexical_question"] + weights.lexical_answer * signals["lexical_answer"])
    )


def rrf(rankings: list[np.ndarray], n: int, k: int = 60) -> np.ndarray:
    """Reciprocal-rank fusion of rankings (arrays of pair indexes, best first): the usual baseline."""
    fused = np.zeros(n, dtype=np.float64)
    for ranking in rankings:
        fused[ranking] += 1.0 / (k + np.arange(1, len(ranking) + 1))
    return fused
