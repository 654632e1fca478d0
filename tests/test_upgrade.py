"""A knowledge base made by an older oftenasked: its derived texts are made again, its pairs kept."""

from __future__ import annotations

from pathlib import Path

from oftenasked import KnowledgeBase
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store
from oftenasked.store.writer import TEXTS_RECIPE, make_row, rederive_texts

from .conftest import SEED


def _texts(store: Store) -> list[tuple]:
    return store.db.execute("SELECT pair_rowid, kind, ordinal, text FROM texts ORDER BY 1, 2, 3").fetchall()


def test_an_older_knowledge_base_gets_this_versions_texts_and_keeps_its_pairs(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED])
        assert rederive_texts(kb.store) == 0  # made by this version: nothing to do
        current = _texts(kb.store)
        pairs = kb.store.pairs()
        # As an older version left it: other answer passages, another content hash, no recipe noted.
        with kb.store.transaction():
            for rowid, _, pair in kb.store.pair_rows():
                old = [("q", 0, pair.question, "h0"), ("a", 0, "an old passage", "h1"), ("a", 1, "another", "h2")]
                kb.store.replace_texts(rowid, "old-hash", old)
            kb.store.db.execute("DELETE FROM meta WHERE key = 'texts_recipe'")
        generation = kb.store.generation()

    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        assert _texts(kb.store) == current
        assert kb.store.pairs() == pairs  # the pairs themselves, ingestion times included, unchanged
        assert kb.store.meta("texts_recipe") == TEXTS_RECIPE
        assert kb.store.generation() > generation  # the search index is rebuilt from the new texts
        report = kb.ingest([SEED])
        assert not report.sources[0].changed and not report.sources[0].added  # re-ingest: nothing new
        assert kb.ask("Why is my back sore from running?").answered


def test_a_read_only_knowledge_base_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED])
        kb.store.db.execute("UPDATE meta SET value = 'older' WHERE key = 'texts_recipe'")
    store = Store(path, readonly=True)
    assert rederive_texts(store) == 0 and store.meta("texts_recipe") == "older"
    store.close()


def test_content_hashes_from_the_store_match_those_made_at_ingest(tmp_path: Path) -> None:
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED])
        for _, content_hash, pair in kb.store.pair_rows():
            assert make_row(pair).content_hash == content_hash
