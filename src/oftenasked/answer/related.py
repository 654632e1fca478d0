"""Related questions: other needs near the asked one, diverse, never a rephrasing of it.

Maximal marginal relevance over question vectors: each next question is the one most related
to the asked question and least like the questions already shown (and the answer given).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class VectorLookup(Protocol):
    """Main question vectors by pair index: an array, or the index's memory-mapped view."""

    def __getitem__(self, at: Any) -> np.ndarray: ...

DUPLICATE = 0.90
"""Question cosine above which two questions ask the same thing."""
DIVERSITY = 0.35
"""Weight of novelty against relatedness in maximal marginal relevance."""


def select_related(
    candidates: np.ndarray,
    relevance: np.ndarray,
    vectors: VectorLookup,
    query: np.ndarray,
    shown: list[int],
    top: int,
) -> list[tuple[int, float]]:
    """Pick ``top`` of ``candidates`` (pair indexes with their ``relevance``) by MMR.

    ``vectors`` holds every pair's main question vector; ``shown`` are pairs already on screen
    (the answer), which count as selected for novelty but are never returned.
    """
    pool = np.asarray(candidates, dtype=np.int64)
    relevance = np.asarray(relevance, dtype=np.float32)
    fresh = ~np.isin(pool, shown)
    pool, relevance = pool[fresh], relevance[fresh]
    if not len(pool) or top <= 0:
        return []
    pool_vectors = np.asarray(vectors[pool], dtype=np.float32)
    apart = pool_vectors @ query < DUPLICATE  # a rephrasing of the asked question is never related
    pool, relevance, pool_vectors = pool[apart], relevance[apart], pool_vectors[apart]
    # Closest question already chosen, per candidate (-inf while nothing is chosen: no penalty).
    redundancy = np.full(len(pool), -np.inf, dtype=np.float32)
    if shown:
        redundancy = (pool_vectors @ np.asarray(vectors[np.asarray(shown)], dtype=np.float32).T).max(axis=1)
    taken = np.zeros(len(pool), dtype=bool)
    picked: list[tuple[int, float]] = []
    while len(picked) < top:
        penalty = np.where(np.isinf(redundancy), 0.0, redundancy)
        score = (1 - DIVERSITY) * relevance - DIVERSITY * penalty
        score[taken | (redundancy >= DUPLICATE)] = -np.inf
        if not len(score) or np.isneginf(score.max()):
            break
        best = int(np.argmax(score))
        taken[best] = True
        picked.append((int(pool[best]), float(relevance[best])))
        redundancy = np.maximum(redundancy, pool_vectors @ pool_vectors[best])
    return picked
