"""The SQLite store: migrations, WAL, updates in place, and failed ingests that change nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from oftenasked import IngestError, KnowledgeBase, NotFoundError
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store
from oftenasked.store.migrations import MIGRATIONS


def write(path, *records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def embed(self, texts):
        self.calls += len(texts)
        return super().embed(texts)


def test_schema_is_migrated_and_wal(tmp_path):
    store = Store(tmp_path / "kb.sqlite")
    assert store.schema_version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    assert Store(tmp_path / "kb.sqlite").schema_version == len(MIGRATIONS)


def test_reingest_unchanged_changes_and_embeds_nothing(tmp_path):
    embedder = CountingEmbedder()
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=embedder)
    faq = write(tmp_path / "faq.jsonl", {"id": "1", "question": "How old?", "answer": "Old."},
                {"id": "2", "question": "How big?", "answer": "Big."})
    first = kb.ingest([faq])
    assert first.added == 2 and first.embedded == 4
    calls, generation = embedder.calls, kb.store.generation()
    again = kb.ingest([faq])
    assert (again.added, again.changed, again.removed, again.embedded) == (0, 0, 0, 0)
    assert embedder.calls == calls and kb.store.generation() == generation


def test_reingest_reports_added_changed_removed(tmp_path):
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    faq = write(tmp_path / "faq.jsonl", {"id": "1", "question": "How old?", "answer": "Old."},
                {"id": "2", "question": "How big?", "answer": "Big."})
    kb.ingest([faq])
    write(faq, {"id": "1", "question": "How old?", "answer": "Very old."}, {"id": "3", "question": "How far?", "answer": "Far."})
    report = kb.ingest([faq]).sources[0]
    assert (report.added, report.changed, report.removed) == (("3",), ("1",), ("2",))
    assert [p.id for p in kb.pairs()] == ["1", "3"] and kb.pair("1").answer == "Very old."


def test_failed_ingest_leaves_the_knowledge_base_as_it_was(tmp_path):
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    good = write(tmp_path / "good.jsonl", {"id": "1", "question": "How old?", "answer": "Old."})
    kb.ingest([good])
    before = kb.export_jsonl and list(kb.export_jsonl())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "9", "question": "Q?", "answer": "A."}\n{"id": "10", "question": \n', encoding="utf-8")
    with pytest.raises(IngestError) as error:
        kb.ingest([good, bad], all_or_nothing=True)
    assert "bad.jsonl, line 2" in str(error.value)
    report = kb.ingest([bad])
    assert report.errors and "line 2" in report.errors[0].error
    assert list(kb.export_jsonl()) == before


def test_ids_must_be_unique_across_sources(tmp_path):
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    kb.ingest([write(tmp_path / "a.jsonl", {"id": "1", "question": "Q?", "answer": "A."})])
    with pytest.raises(IngestError, match="already belongs to"):
        kb.ingest([write(tmp_path / "b.jsonl", {"id": "1", "question": "R?", "answer": "B."})], all_or_nothing=True)


def test_remove_source(tmp_path):
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    faq = write(tmp_path / "a.jsonl", {"id": "1", "question": "Q?", "answer": "A."})
    kb.ingest([faq])
    assert kb.remove_source(str(faq)) == 1 and len(kb) == 0 and kb.sources() == []
    with pytest.raises(NotFoundError):
        kb.remove_source(str(faq))


def test_tables_are_plain_sqlite(tmp_path):
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    kb.ingest([write(tmp_path / "a.jsonl", {"id": "1", "question": "Q?", "answer": "A."})])
    kb.close()
    db = sqlite3.connect(tmp_path / "kb.sqlite")
    assert db.execute("SELECT id, question, answer FROM pairs").fetchall() == [("1", "Q?", "A.")]


def test_remove_source_by_relative_path(tmp_path, monkeypatch):
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    kb.ingest([write(tmp_path / "a.jsonl", {"id": "1", "question": "Q?", "answer": "A."})])
    monkeypatch.chdir(tmp_path)
    assert kb.remove_source("a.jsonl") == 1 and kb.sources() == []
