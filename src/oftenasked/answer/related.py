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
    picked: list[tuple[int, float]] = []
    chosen = [vectors[i] for i in shown]
    pool = [
        (int(c), float(r))
        for c, r in zip(candidates, relevance)
        if c not in shown and float(vectors[c] @ query) < DUPLICATE
    ]
    while pool and len(picked) < top:
        best_score, best_at = -np.inf, -1
        for at, (c, r) in enumerate(pool):
            redundancy = max((float(vectors[c] @ v) for v in chosen), default=0.0)
            if redundancy >= DUPLICATE:
                continue
            score = (1 - DIVERSITY) * r - DIVERSITY * redundancy
            if score > best_score:
                best_score, best_at = score, at
        if best_at < 0:
            break
        c, r = pool.pop(best_at)
        picked.append((c, r))
        chosen.append(vectors[c])
    return picked
