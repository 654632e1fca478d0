"""Lexical search: BM25 (bm25s) over a field of every pair, English-stemmed.

bm25s has no query language, so a question like "NOT working OR broken?" is only words:
user text can never break a query. The index is plain files (bm25s' own format plus the
tokenizer's vocabulary), saved beside the knowledge base and memory-mapped when loaded, so a
new process answers without re-tokenising the collection.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_STEMMER: Any = None
SMALL_WITHOUT_SCIPY = 5_000
"""Texts up to which an index is built without importing scipy (see :class:`LexicalIndex`)."""


def _bm25s(*, building: bool = False) -> Any:
    """bm25s, imported without scipy unless an index is built.

    bm25s imports scipy.sparse when it is installed, but uses it only to build an index (its
    "scipy" backend); answering from a saved index needs numpy only, and importing scipy cost
    0.3 s (idle) to 1.7 s (busy machine) of a cold ``oftenasked ask``. So a process that has not
    loaded scipy imports bm25s with scipy hidden, and the first build hands bm25s the real scipy
    backend (the one every index was built with), so built indexes stay exactly as before.
    """
    hide = "bm25s" not in sys.modules and "scipy" not in sys.modules
    if hide:
        sys.modules["scipy"] = None  # type: ignore[assignment]  # (an ImportError for bm25s' optional import)
    try:
        import bm25s
    finally:
        if hide:
            del sys.modules["scipy"]
    module: Any = bm25s
    if building and not module.SCIPY_AVAILABLE:
        try:
            import scipy.sparse
        except ImportError:  # pragma: no cover - bm25s' numpy backend then builds it
            return module
        module.sp = scipy.sparse
        module.SCIPY_AVAILABLE = True
    return module


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def _tokenizer() -> Any:
    bm25s = _bm25s()
    from bm25s.stopwords import STOPWORDS_EN

    return bm25s.tokenization.Tokenizer(stemmer=_stemmer(), stopwords=list(STOPWORDS_EN))


class LexicalIndex:
    """BM25 scores of a query against one text per pair."""

    def __init__(self, texts: list[str] | None = None, *, _state: tuple[int, Any, Any] | None = None) -> None:
        self.doc_lengths: np.ndarray | None = None
        """Words in each pair's text (as BM25 counts them): what :func:`combined_scores` needs."""
        self._frequencies: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if _state is not None:
            self.size, self._tokenizer, self._bm25 = _state
            self._term_max: np.ndarray | None = None
            return
        texts = texts or []
        # A small index (a live delta segment) is built by bm25s' numpy backend unless scipy is
        # loaded already: the same arrays bit for bit, as fast at this size, and a new process
        # catching up after an edit does not import scipy for a few pairs (0.3-1.7 s).
        bm25s = _bm25s(building=len(texts) > SMALL_WITHOUT_SCIPY)

        self.size = len(texts)
        self._tokenizer = _tokenizer()
        ids = self._tokenizer.tokenize(texts, return_as="ids", show_progress=False) if texts else []
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(ids, show_progress=False)
        self.doc_lengths = np.array([len(doc) for doc in ids], dtype=np.int64)
        self._term_max = None

    def scores(self, query: str, *, fast: bool = False) -> np.ndarray:
        """One BM25 score per pair (0 where no query word occurs).

        ``fast`` sums the postings with ``bincount`` (float64) instead of bm25s' ``add.at``
        (float32): several times faster on large indexes, equal up to float32 rounding.
        """
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        ids = self._query_tokens(query)
        # Unknown words come back as the empty-string token; they match nothing.
        empty = self._tokenizer.get_vocab_dict().get("")
        ids = [i for i in ids if i != empty]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        if fast and getattr(self._bm25, "nonoccurrence_array", None) is None:
            matrix = self._bm25.scores
            indptr = matrix["indptr"]
            spans = [(int(indptr[i]), int(indptr[i + 1])) for i in ids]
            docs = np.concatenate([matrix["indices"][a:b] for a, b in spans])
            weights = np.concatenate([matrix["data"][a:b] for a, b in spans])
            return np.bincount(docs, weights=weights, minlength=self.size).astype(np.float32)
        return np.asarray(self._bm25.get_scores(ids), dtype=np.float32)

    def bound(self, query: str) -> float:
        """The most any pair can score for this query: each query word's best score over the pairs, summed.

        Scores divided by it lie in [0, 1] and mean "how much of the query's weight this pair
        matches". Unlike dividing by the best score among the pairs searched, the same pair gets the
        same value on every search path and whether or not a better pair exists (a query whose
        answer is missing must not have its best remaining match scaled up to 1).
        """
        ids = self.query_ids(query)
        if not ids:
            return 0.0
        return float(self.term_max()[ids].sum())

    def term_max(self) -> np.ndarray:
        """Each word's highest score over the pairs (one pass over the postings, then kept)."""
        if self._term_max is None:
            matrix = self._bm25.scores
            indptr = np.asarray(matrix["indptr"], dtype=np.int64)
            data = np.asarray(matrix["data"], dtype=np.float32)
            lengths = np.diff(indptr)
            out = np.zeros(len(lengths), dtype=np.float32)
            has = lengths > 0
            if len(data):
                out[has] = np.maximum.reduceat(data, indptr[:-1][has])
            self._term_max = out
        return self._term_max

    def _query_tokens(self, query: str) -> list[int]:
        # As a stream: the list form wraps even one query in a (disabled) progress bar, 0.05 ms a call.
        return list(next(iter(self._tokenizer.tokenize([query], update_vocab=False, return_as="stream"))))

    # -- large indexes: score only what is needed ----------------------------------------
    def query_ids(self, query: str) -> list[int]:
        """The query's word ids in this index (unknown words dropped; repeats kept, as BM25 sums them)."""
        if not self.size:
            return []
        ids = self._query_tokens(query)
        empty = self._tokenizer.get_vocab_dict().get("")
        return [int(i) for i in ids if i != empty]

    def rare_scores(self, ids: list[int], max_postings: int) -> np.ndarray:
        """BM25 over the words of ``ids`` that occur in at most ``max_postings`` pairs: the part
        of the score that tells pairs apart, at a fraction of the cost (frequent words have long
        postings and a low weight). For choosing candidates, not for scoring them."""
        matrix = self._bm25.scores
        indptr = matrix["indptr"]
        spans = [(int(indptr[i]), int(indptr[i + 1])) for i in ids]
        spans = [(a, b) for a, b in spans if b - a <= max_postings]
        if not spans:
            return np.zeros(self.size, dtype=np.float32)
        docs = np.concatenate([matrix["indices"][a:b] for a, b in spans])
        weights = np.concatenate([matrix["data"][a:b] for a, b in spans])
        return np.bincount(docs, weights=weights, minlength=self.size).astype(np.float32)

    def scores_at(self, ids: list[int], docs: np.ndarray) -> np.ndarray:
        """Exact BM25 of the query ``ids`` for the given pairs only (``docs`` sorted, unique)."""
        out = np.zeros(len(docs), dtype=np.float64)
        if not len(docs) or not ids:
            return out.astype(np.float32)
        matrix = self._bm25.scores
        indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
        for i in ids:
            a, b = int(indptr[i]), int(indptr[i + 1])
            postings = indices[a:b]
            at = np.searchsorted(postings, docs)
            inside = at < (b - a)
            hit = np.zeros(len(docs), dtype=bool)
            hit[inside] = postings[at[inside]] == docs[inside]
            out[hit] += data[a + at[hit]]
        return out.astype(np.float32)

    # -- on disk ------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the index as plain files into ``folder``: the BM25 score matrix (CSC arrays),
        its parameters, and the tokenizer's vocabulary."""
        folder.mkdir(parents=True, exist_ok=True)
        params: dict[str, Any] = {"size": self.size, "bm25s": _bm25s_version()}
        if self.size:
            bm25 = self._bm25
            for name in _MATRIX:
                np.save(folder / f"{name}.npy", np.asarray(bm25.scores[name]))
            if getattr(bm25, "nonoccurrence_array", None) is not None:
                np.save(folder / "nonoccurrence.npy", bm25.nonoccurrence_array)
            params.update({name: getattr(bm25, name) for name in _PARAMS})
            params["num_docs"] = int(bm25.scores["num_docs"])
            self._tokenizer.save_vocab(str(folder))
            np.save(folder / "term_max.npy", self.term_max())
            if self.doc_lengths is not None:
                np.save(folder / "doc_lengths.npy", self.doc_lengths)
        (folder / "params.json").write_text(json.dumps(params))

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> LexicalIndex:
        """The index saved by :meth:`save`; its score matrix is memory-mapped, not read."""
        bm25s = _bm25s()

        params = json.loads((folder / "params.json").read_text())
        if params.get("bm25s") != _bm25s_version():
            raise ValueError("index written by another bm25s version")
        tokenizer = _tokenizer()
        bm25 = bm25s.BM25()
        if params["size"]:
            bm25 = bm25s.BM25(**{name: params[name] for name in _PARAMS})
            # Plain arrays over the map: slicing a np.memmap costs a subclass object per slice.
            bm25.scores = {
                name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r" if mmap else None)) for name in _MATRIX
            }
            bm25.scores["num_docs"] = params["num_docs"]
            nonoccurrence = folder / "nonoccurrence.npy"
            bm25.nonoccurrence_array = np.load(nonoccurrence) if nonoccurrence.exists() else None
            tokenizer.load_vocab(str(folder))
        index = cls(_state=(int(params["size"]), tokenizer, bm25))
        term_max = folder / "term_max.npy"
        if params["size"] and term_max.exists():
            index._term_max = np.load(term_max)
        lengths = folder / "doc_lengths.npy"
        if params["size"] and lengths.exists():
            index.doc_lengths = np.load(lengths)
        elif not params["size"]:
            index.doc_lengths = np.zeros(0, dtype=np.int64)
        return index

    # -- several indexes as one ----------------------------------------------------------
    def term_frequencies(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(pairs, how often ``word`` occurs in each) from the stored scores, which bm25s keeps
        instead of the counts: score = idf * tf / (tf + k1 * (1 - b + b * length / average)),
        solved for tf (a whole number) with this index's own statistics."""
        known = self._frequencies.get(word)
        if known is not None:
            return known
        found = self._term_frequencies(word)
        if len(self._frequencies) >= 1024:  # (an index never changes: what was worked out stays true)
            self._frequencies.pop(next(iter(self._frequencies)), None)
        self._frequencies[word] = found
        return found

    def _term_frequencies(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        empty = np.zeros(0, dtype=np.int64)
        term = self._tokenizer.get_vocab_dict().get(word)
        if term is None or not term or not self.size or self.doc_lengths is None:
            return empty, empty
        matrix = self._bm25.scores
        a, b_ = int(matrix["indptr"][term]), int(matrix["indptr"][term + 1])
        docs = np.asarray(matrix["indices"][a:b_], dtype=np.int64)
        if not len(docs):
            return empty, empty
        score = np.asarray(matrix["data"][a:b_], dtype=np.float64)
        k1, b = float(self._bm25.k1), float(self._bm25.b)
        idf = np.log(1 + (self.size - len(docs) + 0.5) / (len(docs) + 0.5))
        norm = k1 * (1 - b + b * self.doc_lengths[docs] / float(self.doc_lengths.mean()))
        tf = np.rint(score * norm / np.maximum(idf - score, 1e-12)).astype(np.int64)
        return docs, np.maximum(tf, 1)


_FREE = threading.local()


def words(query: str) -> list[str]:
    """The query's words as every index's tokenizer makes them (stemmed, stop words out), words that
    no index knows included: a tokenizer of this thread's, whose vocabulary is emptied after each call."""
    tokenizer = getattr(_FREE, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _FREE.tokenizer = _tokenizer()
    try:
        found = tokenizer.tokenize([query], update_vocab=True, return_as="string", show_progress=False)[0]
    finally:
        tokenizer.reset_vocab()
    return [w for w in found if w]


def combined_scores(parts: Sequence[tuple[LexicalIndex, np.ndarray | None]], query: str) -> tuple[list[np.ndarray], float] | None:
    """BM25 of ``query`` over several indexes' pairs as one index over them would give it: each
    ``(index, alive)`` (alive: which of its pairs count, None for all) scored with the union's number
    of pairs, average length and document frequencies (Lucene's formulas, as bm25s). The scores of
    each index's pairs, and the query's bound over the union; None when an index lacks its lengths
    (a cache written before they were kept)."""
    indexes = [ix for ix, _ in parts if ix.size]
    if not indexes or any(ix.doc_lengths is None for ix in indexes):
        return None
    alive = [np.ones(ix.size, dtype=bool) if mask is None else mask for ix, mask in parts]
    n = sum(int(m.sum()) for m in alive)
    total = sum(int(ix.doc_lengths[m].sum()) for (ix, _), m in zip(parts, alive) if ix.size and ix.doc_lengths is not None)
    out = [np.zeros(ix.size, dtype=np.float64) for ix, _ in parts]
    if not n or not total:
        return [o.astype(np.float32) for o in out], 0.0
    k1, b = float(indexes[0]._bm25.k1), float(indexes[0]._bm25.b)
    average = total / n
    bound = 0.0
    found: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for word in words(query):  # (repeats count again, as in one index's query)
        if word not in found:
            found[word] = [ix.term_frequencies(word) if ix.size else (np.zeros(0, np.int64),) * 2 for ix, _ in parts]
        live = [(docs[m[docs]], tf[m[docs]]) for (docs, tf), m in zip(found[word], alive)]
        df = sum(len(docs) for docs, _ in live)
        if not df:
            continue
        idf = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        best = 0.0
        for at, ((ix, _), (docs, tf)) in enumerate(zip(parts, live)):
            if len(docs):
                assert ix.doc_lengths is not None
                score = idf * tf / (tf + k1 * (1 - b + b * ix.doc_lengths[docs] / average))
                out[at] += np.bincount(docs, weights=score, minlength=ix.size)
                best = max(best, float(score.max()))
        bound += best
    return [o.astype(np.float32) for o in out], bound


_MATRIX = ("data", "indices", "indptr")
_PARAMS = ("k1", "b", "delta", "method", "idf_method", "dtype", "int_dtype")


def _bm25s_version() -> str:
    return str(_bm25s().__version__)
