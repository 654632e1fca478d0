"""Semantic search: cosine similarity of a query vector to every text of every pair.

A pair has several texts (its question phrasings, or its answer chunks); its score is the best
of them. Texts are stored grouped by pair, so the per-pair maximum is one ``reduceat``.

Vectors are float16 in the store; scoring every text needs float32 (BLAS), so small indexes
hold a float32 copy. Large ones leave the float16 array in the index cache on disk and score only
candidate pairs found by an approximate index (:meth:`VectorIndex.scores_for`), reading just their
rows (:class:`RowFile`).
"""

from __future__ import annotations

import contextlib
import os

import numpy as np


class RowFile:
    """The rows of a 2-d ``.npy`` file, read on demand with ``pread``.

    Not a memory map on purpose: on recent Linux kernels a page fault in a file map brings in the
    whole large folio around it (hundreds of kilobytes), so a few hundred scattered rows per query
    made a 77 MB file fully resident within one query. Reading the rows costs microseconds and
    keeps resident memory to what is used.
    """

    def __init__(self, array: np.memmap) -> None:
        self.shape: tuple[int, ...] = tuple(array.shape)
        self.dtype = array.dtype
        self.ndim = 2
        self._offset = int(array.offset)
        self._row_bytes = int(array.shape[1]) * array.dtype.itemsize
        self._fd = os.open(str(array.filename), os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def ranges(self, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Rows ``begin[i]:end[i]`` for every i, concatenated, as float32."""
        parts = [
            os.pread(self._fd, (e - b) * self._row_bytes, self._offset + b * self._row_bytes)
            for b, e in zip(begin.tolist(), end.tolist())
            if e > b
        ]
        flat = np.frombuffer(b"".join(parts), dtype=self.dtype)
        return flat.reshape(-1, self.shape[1]).astype(np.float32)

    def __del__(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.close(self._fd)


class VectorIndex:
    """Exact cosine search over L2-normalised vectors, grouped by pair."""

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, n_pairs: int) -> None:
        if len(owners) and np.any(np.diff(owners) < 0):
            raise ValueError("vectors must be grouped by pair")
        # float16 vectors stay float16 (read from disk on demand when memory-mapped): see module doc.
        self.vectors: np.ndarray | RowFile
        if isinstance(vectors, np.memmap):
            self.vectors = RowFile(vectors)
        elif vectors.dtype == np.float16:
            self.vectors = vectors
        else:
            self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.owners = owners.astype(np.int64)
        self.n_pairs = n_pairs
        present = np.zeros(n_pairs, dtype=bool)
        present[self.owners] = True
        self._present = present
        self._starts = np.searchsorted(self.owners, np.arange(n_pairs)[present]).astype(np.int64)
        # Text range [begin, end) of every pair (empty for pairs without texts).
        self._begin = np.searchsorted(self.owners, np.arange(n_pairs), side="left").astype(np.int64)
        self._end = np.searchsorted(self.owners, np.arange(n_pairs), side="right").astype(np.int64)

    def text_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the query to every text."""
        if isinstance(self.vectors, RowFile):
            raise TypeError("exact search over every text needs the vectors in memory")
        return self.vectors @ query.astype(np.float32)

    def _ranges(self, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
        if isinstance(self.vectors, RowFile):
            return self.vectors.ranges(begin, end)
        counts = end - begin
        rows = np.repeat(begin - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return np.asarray(self.vectors[rows], dtype=np.float32)

    def pair_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(best cosine per pair, cosine of every text); pairs without texts get -1.

        Which text won matters only for the few pairs shown: :meth:`best_texts` finds it for them.
        """
        scores = self.text_scores(query)
        best = np.full(self.n_pairs, -1.0, dtype=np.float32)
        if len(scores):
            best[self._present] = np.maximum.reduceat(scores, self._starts)
        return best, scores

    def best_texts(self, pairs: np.ndarray, text_scores: np.ndarray) -> np.ndarray:
        """Index of the best-scoring text of each of ``pairs`` (-1 for a pair without texts)."""
        out = np.full(len(pairs), -1, dtype=np.int64)
        for at, (begin, end) in enumerate(zip(self._begin[pairs].tolist(), self._end[pairs].tolist())):
            if end > begin:
                out[at] = begin + int(np.argmax(text_scores[begin:end]))
        return out

    def scores_for(self, pairs: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`pair_scores` for the given pairs only: the same values, at a cost that does not
        grow with the index."""
        begin, end = self._begin[pairs], self._end[pairs]
        counts = end - begin
        best = np.full(len(pairs), -1.0, dtype=np.float32)
        argbest = np.full(len(pairs), -1, dtype=np.int64)
        total = int(counts.sum())
        if not total:
            return best, argbest
        rows = np.repeat(begin - np.cumsum(counts) + counts, counts) + np.arange(total)
        scores = self._ranges(begin, end) @ query.astype(np.float32)
        has = counts > 0
        offsets = (np.cumsum(counts) - counts)[has]
        best[has] = np.maximum.reduceat(scores, offsets)
        is_best = scores >= np.repeat(best, counts)
        winners = np.flatnonzero(is_best)
        slot = np.repeat(np.arange(len(pairs)), counts)[winners]
        first = np.unique(slot, return_index=True)
        argbest[first[0]] = rows[winners[first[1]]]
        return best, argbest

    def first_vectors(self) -> np.ndarray:
        """Each pair's first text vector (its main question, or its first answer chunk)."""
        out = np.zeros((self.n_pairs, self.vectors.shape[1] if self.vectors.ndim == 2 else 0), dtype=np.float32)
        if isinstance(self.vectors, RowFile):
            out[self._present] = self.vectors.ranges(self._starts, self._starts + 1)
        else:
            out[self._present] = self.vectors[self._starts]
        return out

    def first_rows(self) -> FirstVectors:
        """Like :meth:`first_vectors`, read on demand: for indexes too large to copy."""
        return FirstVectors(self)


class FirstVectors:
    """Each pair's first text vector as float32, looked up on indexing (``v[i]``, ``v[array]``)."""

    def __init__(self, index: VectorIndex) -> None:
        self._index = index
        self.shape = (index.n_pairs, index.vectors.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, pairs: int | np.ndarray) -> np.ndarray:
        index = self._index
        chosen = np.asarray(pairs, dtype=np.int64)
        flat = chosen.reshape(-1)
        begin, end = index._begin[flat], index._end[flat]
        out = np.zeros((len(flat), self.shape[1]), dtype=np.float32)
        has = end > begin
        out[has] = index._ranges(begin[has], begin[has] + 1)
        return out.reshape(*chosen.shape, self.shape[1])
