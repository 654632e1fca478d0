"""A first pass in fewer dimensions: candidate texts for mid-sized knowledge bases, without faiss.

Scoring a query against every 384-d vector is bound by memory bandwidth: at 16k pairs the two
float32 matrices (questions, answer passages) are 50 MB, read in full for every question (about
0.75 ms each on two cores). Projected onto the 96 directions that carry most of the knowledge
base's vectors (the top eigenvectors of XᵀX, which best preserve inner products), the matrices
are 6 MB each, stay in the CPU cache, and are scored in under 0.1 ms. The texts that lead there
are only candidates: every signal is then computed exactly for their pairs
(:meth:`SearchIndex._search_candidates`), so the scores shown are exact and the ranking agrees
with exact search except when a pair's exact score would have lifted it from outside the
candidates (recall against exact search is measured in bench/speed.py and tests/test_coarse.py).
"""

from __future__ import annotations

import numpy as np

DIMS = 96
"""Dimensions kept: at 16k pairs, 96 found every exact top-10 pair among 256 candidates."""


def basis_for(*matrices: np.ndarray, dims: int = DIMS) -> np.ndarray:
    """The ``dims`` directions (384 x dims, float32) along which the rows of the matrices lie most."""
    dim = matrices[0].shape[1]
    moment = np.zeros((dim, dim), dtype=np.float64)
    for matrix in matrices:
        for start in range(0, len(matrix), 65536):  # float64 in slices: bounded memory
            block = np.asarray(matrix[start : start + 65536], dtype=np.float64)
            moment += block.T @ block
    values, vectors = np.linalg.eigh(moment)  # ascending eigenvalues
    return np.ascontiguousarray(vectors[:, ::-1][:, : min(dims, dim)], dtype=np.float32)


class CoarseIndex:
    """Approximate inner-product search over the rows of a matrix, in a shared low-dimensional basis.

    The same ``search`` as :class:`ann.AnnIndex`: (row ids, approximate scores), best first.
    """

    def __init__(self, vectors: np.ndarray, basis: np.ndarray) -> None:
        self.basis = basis
        self.projected = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32) @ basis)

    @property
    def size(self) -> int:
        return len(self.projected)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.projected @ (query.astype(np.float32) @ self.basis)
        top = np.argpartition(-scores, k - 1)[:k] if k < self.size else np.arange(self.size)
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int64), scores[top]
