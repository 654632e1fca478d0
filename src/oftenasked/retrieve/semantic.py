"""Semantic search: cosine similarity of a query vector to every text of every pair.

A pair has several texts (its question phrasings, or its answer chunks); its score is the best
of them. Texts are stored grouped by pair, so the per-pair maximum is one ``reduceat``.
"""

from __future__ import annotations

import numpy as np


class VectorIndex:
    """Exact cosine search over L2-normalised vectors, grouped by pair."""

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, n_pairs: int) -> None:
        if len(owners) and np.any(np.diff(owners) < 0):
            raise ValueError("vectors must be grouped by pair")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.owners = owners.astype(np.int64)
        self.n_pairs = n_pairs
        present = np.zeros(n_pairs, dtype=bool)
        present[self.owners] = True
        self._present = present
        self._starts = np.searchsorted(self.owners, np.arange(n_pairs)[present]).astype(np.int64)

    def text_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the query to every text."""
        return self.vectors @ query.astype(np.float32)

    def pair_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(best cosine per pair, index of the best text per pair); pairs without texts get -1."""
        scores = self.text_scores(query)
        best = np.full(self.n_pairs, -1.0, dtype=np.float32)
        argbest = np.full(self.n_pairs, -1, dtype=np.int64)
        if not len(scores):
            return best, argbest
        best[self._present] = np.maximum.reduceat(scores, self._starts)
        # The winning text of each pair: the first text whose score equals its pair's best.
        is_best = scores >= best[self.owners]
        winners = np.flatnonzero(is_best)
        first = np.unique(self.owners[winners], return_index=True)
        argbest[first[0]] = winners[first[1]]
        return best, argbest

    def first_vectors(self) -> np.ndarray:
        """Each pair's first text vector (its main question, or its first answer chunk)."""
        out = np.zeros((self.n_pairs, self.vectors.shape[1] if self.vectors.ndim == 2 else 0), dtype=np.float32)
        out[self._present] = self.vectors[self._starts]
        return out
