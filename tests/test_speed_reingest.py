"""Re-ingesting unchanged content does no embedding work: vectors are cached by text hash."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from oftenasked import KnowledgeBase
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store

from .conftest import DATA, SEED


class CountingEmbedder:
    """The test embedder, counting the texts it is asked to embed (implements Embedder)."""

    def __init__(self) -> None:
        self._inner = HashEmbedder()
        self.name, self.dim = self._inner.name, self._inner.dim
        self.texts = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self._inner.embed(texts)


def test_reingesting_an_unchanged_source_embeds_nothing(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    sources = [SEED, DATA / "stackfaq" / "corpus.jsonl"]
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=embedder) as kb:
        first = kb.ingest(sources)
        assert embedder.texts == first.embedded > 0
        kb.search("why does my back hurt")
        counted = embedder.texts
        again = kb.ingest(sources)
        assert again.embedded == 0 and embedder.texts == counted
        assert all(s.unchanged == s.kept for s in again.sources)
        kb.search("why does my back hurt")  # the index (from its cache) embeds nothing either
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=embedder) as kb:
        kb.ingest(sources)
        kb.search("why does my back hurt")
        assert embedder.texts == counted + 1  # only the question, once per process (LRU)
