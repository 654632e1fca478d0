"""Approximate nearest neighbours for large knowledge bases: a faiss inverted-file index.

Past a few hundred thousand texts, scoring every vector costs more than the rest of an answer
(numpy, exact: about 2 ms at 50k texts, 30 ms at 1M), and a float32 copy of every vector no
longer fits a laptop's memory. An IVF index with 8-bit scalar quantisation (IVF-SQ8) finds the
candidate texts in well under a millisecond at a million; the exact cosine is then computed for
those candidates only (:meth:`VectorIndex.scores_for`), so the scores shown stay exact.

Why IVF rather than a graph (HNSW): on two cores, building HNSW over 200k vectors took 30-100 s
(usearch) against 10 s for IVF-SQ8, and a knowledge base of a million pairs holds two to three
million texts. Recall against exact search is measured in ``bench/speed.py``.

faiss is an optional extra (``pip install 'oftenasked[scale]'``): small knowledge bases never
need it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MissingExtraError

NPROBE = 48
"""Inverted lists visited per query: the recall/latency dial (see bench/RESULTS.md)."""
TRAIN_SAMPLE = 64
"""Training vectors per list for k-means (faiss warns under 39)."""


def faiss_module() -> Any:
    """faiss, or a clear error saying how to install it."""
    try:
        import faiss
    except ImportError:
        raise MissingExtraError("approximate search over large knowledge bases (faiss)", "scale") from None
    return faiss


def lists_for(n: int) -> int:
    """Number of inverted lists: about 2·√n, a power of two, at least 16."""
    return max(16, 2 ** round(math.log2(max(1.0, 2 * math.sqrt(n)))))


class AnnIndex:
    """Approximate inner-product (cosine, for unit vectors) search over the rows of a matrix."""

    def __init__(self, index: Any, nprobe: int = NPROBE) -> None:
        self._index = index
        self.nprobe = nprobe
        self._index.nprobe = nprobe

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, *, seed: int = 0, batch: int = 100_000) -> AnnIndex:
        """Index every row of ``vectors`` (float16 or float32, unit length); row number = id."""
        faiss = faiss_module()
        n, dim = vectors.shape
        nlist = min(lists_for(n), max(1, n // TRAIN_SAMPLE))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(n, size=min(n, nlist * TRAIN_SAMPLE), replace=False))
        index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
        for start in range(0, n, batch):
            index.add(np.ascontiguousarray(vectors[start : start + batch], dtype=np.float32))
        return cls(index)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, approximate scores) of the ``k`` nearest rows, best first."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self._index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), k)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def save(self, path: Path) -> None:
        faiss_module().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True) -> AnnIndex:
        """The index written by :meth:`save`; memory-mapped, so only the lists visited are read."""
        faiss = faiss_module()
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        return cls(faiss.read_index(str(path), flags))
