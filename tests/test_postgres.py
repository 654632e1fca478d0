"""The PostgreSQL store on a real PostgreSQL: the same knowledge base, answers, log and feedback as SQLite."""

from __future__ import annotations

import json
import select
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from oftenasked import KnowledgeBase
from oftenasked.cli import cli
from oftenasked.errors import IngestError, NotFoundError
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.settings import Settings
from oftenasked.store import Store, open_store
from oftenasked.store.migrations import MIGRATIONS

from .conftest import SEED

QUESTIONS = ["Why does my lower back hurt when I run?", "can old trainers cause back pain", "what is a core exercise"]


def open_both(tmp_path: Path, url: str) -> tuple[KnowledgeBase, KnowledgeBase]:
    return (KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()),
            KnowledgeBase(open_store(url), embedder=HashEmbedder()))


def test_same_schema_and_migrations_as_sqlite(tmp_path: Path, pg_url: str) -> None:
    lite, pg = open_both(tmp_path, pg_url)
    with lite, pg:
        assert pg.store.schema_version == lite.store.schema_version == len(MIGRATIONS)
        tables = [t for (t,) in lite.store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            lite_columns = [r[1] for r in lite.store.db.execute(f"PRAGMA table_info({table})")]
            pg_columns = [c for (c,) in pg.store.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                (table,))]
            assert pg_columns == lite_columns, table
    # Opening again migrates nothing and keeps everything.
    again = open_store(pg_url)
    assert again.schema_version == len(MIGRATIONS) and again.generation() == 0
    again.close()


def test_same_pairs_and_answers_as_sqlite(tmp_path: Path, pg_url: str) -> None:
    lite, pg = open_both(tmp_path, pg_url)
    with lite, pg:
        reports = [kb.ingest([SEED]) for kb in (lite, pg)]
        assert reports[0].to_dict()["sources"][0]["added"] == reports[1].to_dict()["sources"][0]["added"]
        assert [(p.id, p.question, p.answer, p.alternates, p.metadata) for p in pg.pairs()] == \
            [(p.id, p.question, p.answer, p.alternates, p.metadata) for p in lite.pairs()]
        for question in QUESTIONS:
            a, b = lite.ask(question, top=3), pg.ask(question, top=3)
            assert [(h.pair.id, round(h.score, 9)) for h in b.hits] == [(h.pair.id, round(h.score, 9)) for h in a.hits]
        assert [(r.pair.id for r in lite.related(QUESTIONS[0]))] and \
            [r.pair.id for r in pg.related(QUESTIONS[0])] == [r.pair.id for r in lite.related(QUESTIONS[0])]
        # Re-ingesting changes nothing and embeds nothing; filters work on metadata from PostgreSQL.
        again = pg.ingest([SEED])
        assert again.embedded == 0 and not again.added and not again.changed
        assert pg.search(QUESTIONS[0], filters={"origin": str(SEED)})


def test_a_failed_ingest_leaves_postgres_as_it_was(tmp_path: Path, pg_url: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Fine?", "answer": "Yes."}\n{"question": "Broken?", "answer": \n', encoding="utf-8")
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED])
        before = (len(kb), kb.store.generation(), [p.id for p in kb.pairs()])
        with pytest.raises(IngestError, match="bad.jsonl, line 2"):
            kb.ingest([SEED, bad], all_or_nothing=True)
        assert (len(kb), kb.store.generation(), [p.id for p in kb.pairs()]) == before


def test_edits_bump_the_generation_and_notify_listeners(pg_url: str) -> None:
    import psycopg

    listener = psycopg.connect(pg_url, autocommit=True)
    listener.execute("LISTEN oftenasked")
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as kb, \
            KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as other:
        kb.ingest([SEED])
        pair = kb.pairs()[0]
        assert other.ask(pair.question).best.pair.id == pair.id
        kb.update_pair(pair.id, answer="An answer edited through the first knowledge base.")
        assert other.pair(pair.id).answer.startswith("An answer edited")
        assert other.ask(pair.question).best.pair.answer.startswith("An answer edited")  # its index rebuilt
        kb.delete_pair(pair.id)
        with pytest.raises(NotFoundError):
            other.pair(pair.id)
        assert pair.id not in [h.pair.id for h in other.search(pair.question, k=20)]
        removed = kb.remove_source(str(SEED))
        assert removed == len(kb.pairs()) + removed and len(other) == 0
        generation = kb.store.generation()
    select.select([listener.fileno()], [], [], 2)
    payloads = [n.payload for n in listener.notifies(timeout=1, stop_after=10)]
    listener.close()
    assert payloads and payloads[-1] == str(generation)


def test_query_log_and_feedback_live_in_postgres(pg_url: str) -> None:
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED])
        answered = kb.ask(kb.pairs()[0].question)
        assert answered.answered  # (ask logs it)
        kb.ask("zzz qqq unanswerable xyzzy call me on 0612345678")
        best = answered.best.pair.id
        kb.record_feedback(answered.question, best, helpful=True)
        kb.record_feedback(answered.question, best, helpful=False, better_id=kb.pairs()[1].id)
        stats = kb.stats()
    assert stats["questions_asked"] == 2 and stats["unanswered"] == 1
    assert stats["feedback"] == {"helpful": 1, "not_helpful": 1, "other_answer": 1}
    assert "[number]" in stats["top_unanswered"][0]["question"]  # redacted before it was stored
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder()) as reopened:
        assert reopened.stats()["questions_asked"] == 2


def test_cli_takes_the_url_by_option_and_by_environment(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(SEED), "--kb", pg_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kb"] == pg_url
    monkeypatch.setenv("OFTENASKED_KB", pg_url)
    result = runner.invoke(cli, ["ask", QUESTIONS[0], "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["answers"][0]["source"]
    assert not Path(pg_url).exists() and not list(Path.cwd().glob("postgresql:*"))


def test_an_unreachable_server_is_a_clear_error() -> None:
    from oftenasked.errors import OftenaskedError

    with pytest.raises(OftenaskedError, match="cannot connect to the PostgreSQL knowledge base"):
        open_store("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1")


def test_sqlite_is_still_the_default(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kb.sqlite")
    assert isinstance(store.db, sqlite3.Connection)
    store.close()


def test_learning_from_use_runs_on_postgres(pg_url: str) -> None:
    settings = Settings(suggestion_sessions=1, demand_min=1)
    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder(), settings=settings) as kb:
        kb.ingest([SEED])
        first, second = kb.pairs()[0], kb.pairs()[1]
        for session in ("a", "b", "c"):
            kb.ask(first.question, session=session)
            kb.ask("zzz qqq unanswerable xyzzy", session=session)
        kb.record_feedback(first.question, first.id, helpful=False, better_id=second.id, session="a")
        assert len(kb.query_log(since="7d")) == 6
        assert kb.often() and kb.gaps()
        made = kb.suggestions()
        assert made and all(s.status == "open" for s in made)
        assert kb.accept(made[0].id).status == "accepted"
        assert kb.revert(made[0].id).status == "reverted"
        assert len(kb.suggestions(status=None)) >= len(made)
        assert kb.related(first.question)
        assert kb.forget_query_log() == 6
