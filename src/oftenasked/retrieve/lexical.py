"""Lexical search: BM25 (bm25s) over a field of every pair, English-stemmed.

bm25s has no query language, so a question like "NOT working OR broken?" is only words:
user text can never break a query.
"""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_STEMMER = Stemmer.Stemmer("english")


class LexicalIndex:
    """BM25 scores of a query against one text per pair."""

    def __init__(self, texts: list[str]) -> None:
        self.size = len(texts)
        self._tokenizer = bm25s.tokenization.Tokenizer(stemmer=_STEMMER, stopwords=list(STOPWORDS_EN))
        ids = self._tokenizer.tokenize(texts, return_as="ids", show_progress=False) if texts else []
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(ids, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per pair (0 where no query word occurs)."""
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        ids = self._tokenizer.tokenize([query], return_as="ids", update_vocab=False, show_progress=False)[0]
        # Unknown words come back as the empty-string token; they match nothing.
        empty = self._tokenizer.get_vocab_dict().get("")
        ids = [i for i in ids if i != empty]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(ids), dtype=np.float32)
