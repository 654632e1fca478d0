"""pgvector in the PostgreSQL store, on a real PostgreSQL: halfvec vectors, the HNSW first pass, the
migration of a knowledge base that kept vectors as bytes, and the fallback where pgvector is missing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from oftenasked import KnowledgeBase
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store, open_store
from oftenasked.store import pgvector as pgv
from oftenasked.store.pgvector import ServerFirstPass

from .conftest import SEED

QUESTIONS = ["Why does my lower back hurt when I run?", "can old trainers cause back pain", "what is a core exercise",
             "stretches for the hamstrings", "should I see a doctor"]


def column_type(kb: KnowledgeBase) -> str | None:
    return pgv.column_type(kb.store.pg.raw)  # type: ignore[attr-defined]


def top(kb: KnowledgeBase, question: str) -> list[tuple[str, float]]:
    return [(h.pair.id, round(h.score, 6)) for h in kb.ask(question, top=3).hits]


def test_vectors_are_halfvec_and_read_back_as_the_same_float16(pg_url: str) -> None:
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED])
        assert column_type(kb) == "halfvec"
        vectors = {f"h{i}": np.random.default_rng(i).standard_normal(256).astype(np.float16) for i in range(3)}
        with kb.store.transaction():
            kb.store.put_vectors("test-model", vectors)
        back = kb.store.cached_vectors("test-model", list(vectors))
        assert all(back[h].tobytes() == v.tobytes() for h, v in vectors.items())


def test_hnsw_first_pass_gives_the_in_process_answers(tmp_path: Path, pg_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFTENASKED_PGVECTOR_MIN_PAIRS", "0")  # every size: the seed is small
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()) as lite, \
            KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as pg:
        lite.ingest([SEED])
        pg.ingest([SEED])
        index = pg.retrieval.current()
        assert isinstance(index.ann_questions, pgv._Kind)  # the first pass is the database's
        assert pgv.index_exists(pg.store.pg.raw, "hash-bow", 256)  # type: ignore[attr-defined]
        for question in QUESTIONS:
            assert top(pg, question) == top(lite, question), question
        # An edit is answered from the new index (its pairs map to the new rowids).
        pair = pg.pairs()[0]
        pg.update_pair(pair.id, answer="Edited: rest, then run again slowly.")
        assert pg.ask(pair.question).best.pair.answer.startswith("Edited:")


def test_below_the_size_set_the_in_process_index_is_used(pg_url: str) -> None:
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as pg:
        pg.ingest([SEED])
        assert pg.store.pgvector_min_pairs == 1_000_000  # type: ignore[attr-defined]
        assert pg.retrieval.current().ann_questions is None
        assert not pgv.index_exists(pg.store.pg.raw, "hash-bow", 256)  # type: ignore[attr-defined]


def test_first_pass_leaves_out_pairs_the_index_does_not_hold(pg_url: str) -> None:
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as pg:
        pg.ingest([SEED])
        rowids = np.array(sorted(pg.store.rowid_of(p.id) or 0 for p in pg.pairs()))
        held = rowids[::2]  # an index built before half of these pairs existed
        owners = np.repeat(np.arange(len(held)), 2)
        store: Any = pg.store
        with store.transaction():
            pgv.ensure_index(store.pg.raw, "hash-bow", 256)
        first = ServerFirstPass(store.pg.raw, store.pg._lock, "hash-bow", held, owners, np.arange(len(held)))
        vector = HashEmbedder().embed([QUESTIONS[0]])[0]
        texts, scores = first.questions.search(vector, 50)
        assert len(texts) and np.all(owners[texts] < len(held))
        assert np.all(np.diff(scores) <= 1e-6)  # best first
        found_rowids = held[owners[texts]]
        assert set(found_rowids) <= set(held.tolist())


def test_a_kb_with_vectors_as_bytes_migrates_and_a_server_without_pgvector_falls_back(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import psycopg

    real = pgv.load_extension

    def missing(raw: Any) -> str | None:  # a PostgreSQL without pgvector: the same error path, a real error
        raw.execute("SAVEPOINT oftenasked_pgvector")
        try:
            raw.execute("CREATE EXTENSION IF NOT EXISTS vector_not_installed_here")
        except psycopg.Error as exc:
            raw.execute("ROLLBACK TO SAVEPOINT oftenasked_pgvector")
            return str(exc).strip().splitlines()[0]
        raise AssertionError("that extension should not exist")

    monkeypatch.setattr(pgv, "load_extension", missing)
    monkeypatch.setenv("OFTENASKED_PGVECTOR_MIN_PAIRS", "0")
    with caplog.at_level(logging.WARNING, logger="oftenasked"):
        old = KnowledgeBase(open_store(pg_url), embedder=HashEmbedder())
    assert "pgvector cannot be loaded" in caplog.text and "vector_not_installed_here" in caplog.text
    password = pg_url.split("//", 1)[1].split("@", 1)[0].partition(":")[2]
    assert not password or password not in caplog.text
    with old:
        old.ingest([SEED])
        assert column_type(old) == "bytea"
        assert old.retrieval.current().ann_questions is None  # the in-process index, as before
        answers = {q: top(old, q) for q in QUESTIONS}
        hashes = [h for (h,) in old.store.db.execute("SELECT text_hash FROM vectors")]
        before = old.store.cached_vectors("hash-bow", hashes)
    monkeypatch.setattr(pgv, "load_extension", real)
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as new:  # pgvector there now: migrated
        assert column_type(new) == "halfvec"
        after = new.store.cached_vectors("hash-bow", hashes)
        assert len(after) == len(before) and all(after[h].tobytes() == before[h].tobytes() for h in hashes)
        assert isinstance(new.retrieval.current().ann_questions, pgv._Kind)
        assert {q: top(new, q) for q in QUESTIONS} == answers
        assert new.ingest([SEED]).embedded == 0  # nothing embedded again
