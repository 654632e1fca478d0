"""Learning from use, through the Python API: the log, needs, gaps, suggestions, demand (fast embedder)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from oftenasked import KnowledgeBase, Settings
from oftenasked.errors import InputError, NotFoundError
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store
from oftenasked.usage import rank_by_demand
from oftenasked.usage.needs import cluster

from .conftest_server import FAQ, faq_bytes


def make(path: Path, **settings: object) -> KnowledgeBase:
    kb = KnowledgeBase(Store(path), embedder=HashEmbedder(), settings=Settings(threshold=0.3, **settings))  # type: ignore[arg-type]
    kb.ingest_bytes(faq_bytes(FAQ), "faq.jsonl")
    return kb


def test_every_ask_is_logged_with_its_answer_and_session_only_when_given(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    kb.ask("How do I reset my password?", session="s-1")
    kb.ask("Where is the moon base?")
    kb.ask("How do I track my order?", record=False)  # the caller logs it, or does not
    entries = kb.query_log()
    assert [e.question for e in entries] == ["Where is the moon base?", "How do I reset my password?"]
    unanswered, reset = entries
    assert reset.pair_id == "reset" and reset.answered and reset.confidence and reset.session == "s-1"
    assert not unanswered.answered and unanswered.session is None
    assert [e.question for e in kb.query_log(unanswered=True)] == ["Where is the moon base?"]
    columns = {r[1] for r in kb.store.db.execute("PRAGMA table_info(queries)")}
    assert not columns & {"ip", "client", "user", "user_agent"}  # nothing that names a person
    kb.close()


def test_log_since_and_forget(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    kb.ask("How do I reset my password?")
    kb.flush_query_log()
    month_ago = (datetime.now(timezone.utc) - timedelta(days=30)).isoformat(timespec="seconds")
    kb.store.db.execute("UPDATE queries SET asked_at = ?", (month_ago,))  # (within the 90 days kept)
    kb.ask("How do I track my order?")
    kb.record_feedback("How do I track my order?", "track", helpful=True, session="s")
    assert [e.question for e in kb.query_log(since="7d")] == ["How do I track my order?"]
    assert len(kb.query_log()) == 2
    assert kb.query_log(since="7d")[0].feedback[0]["helpful"] is True  # later feedback shown with it
    with pytest.raises(InputError, match="7 days"):
        kb.query_log(since="7 days")
    assert kb.forget_query_log() == 2
    assert kb.query_log() == [] and kb.stats()["feedback"] == {"helpful": 0, "not_helpful": 0, "other_answer": 0}
    kb.close()


def test_retention_takes_the_vectors_of_pruned_questions_and_keeps_suggestions(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite", retention_days=90)
    kb.ask("How do I reset my password?")
    kb.often()  # embeds the logged question and keeps its vector
    db = kb.store.db
    assert db.execute("SELECT count(*) FROM query_vectors").fetchone()[0] == 1
    db.execute("INSERT INTO suggestions(kind, pair_id, question, key, status, created_at)"
               " VALUES ('alternate', 'reset', 'reset it', 'k', 'accepted', '2000-01-01T00:00:00+00:00')")
    db.execute("UPDATE queries SET asked_at = '2000-01-01T00:00:00+00:00'")
    kb.ask("How do I track my order?")
    kb.flush_query_log()  # writing the log prunes it, and the vector of the question that left it
    assert [e.question for e in kb.query_log()] == ["How do I track my order?"]
    assert db.execute("SELECT count(*) FROM query_vectors").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM suggestions").fetchone()[0] == 1  # the editor's record stays
    kb.close()


def test_cluster_groups_near_vectors_and_keeps_far_ones_apart() -> None:
    import numpy as np

    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    near = np.array([0.95, 0.31]) / np.linalg.norm([0.95, 0.31])
    assert cluster(np.stack([a, b, near])) == [0, 1, 0]


def test_often_counts_needs_and_names_the_pair_and_its_mean_confidence(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    for _ in range(3):
        kb.ask("How do I reset my password?")
    kb.ask("how do i reset my password")  # the same text, spelt otherwise: one need
    kb.ask("How do I track my order?")
    needs = kb.often(top=5)
    assert needs[0].count == 4 and needs[0].pair_id == "reset" and needs[0].questions[0] == "How do I reset my password?"
    assert needs[0].confidence is not None and 0.3 <= needs[0].confidence <= 1
    assert needs[1].count == 1 and needs[1].pair_id == "track"
    assert set(needs[0].to_dict()) >= {"count", "questions", "pair_id", "confidence"}
    assert kb.often(top=1) == needs[:1]
    # Vectors of logged questions are kept: grouping again embeds nothing new.
    kept = kb.store.db.execute("SELECT count(*) FROM query_vectors").fetchone()[0]
    assert kept == 2
    # ... for as long as the question is in the log: past it (retention), its vector goes too.
    kb.store.db.execute("DELETE FROM queries WHERE question LIKE '%track%'")
    kb.suggestions()
    assert kb.store.db.execute("SELECT count(*) FROM query_vectors").fetchone()[0] == 1
    kb.close()


def test_gaps_are_needs_asked_repeatedly_without_a_good_answer(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    for session in ("a", "b", "c"):
        kb.ask("Do you ship parcels to the moon?", session=session)
    kb.ask("Where is the cafeteria?")  # asked once: not yet a gap
    kb.ask("How do I reset my password?")
    kb.record_feedback("How do I reset my password?", "reset", helpful=False, session="x")
    kb.record_feedback("How do I reset my password?", "reset", helpful=False, session="y")
    gaps = kb.gaps()
    assert [g.questions[0] for g in gaps] == ["Do you ship parcels to the moon?", "How do I reset my password?"]
    moon, reset = gaps
    assert moon.people == 3 and moon.unanswered == 3
    assert reset.unhelpful == 2 and reset.pair_id == "reset"  # the nearest pair
    assert moon.pair_id in {None, *(n["id"] for n in moon.nearest)}
    kb.close()


def _three_people_say_track_was_right(kb: KnowledgeBase, sessions: tuple[str | None, ...] = ("a", "b", "c")) -> None:
    for session in sessions:
        kb.record_feedback("where is my parcel", "shipping", better_id="track", session=session)


def test_a_flood_from_one_session_makes_no_suggestion_several_sessions_do(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    _three_people_say_track_was_right(kb, ("same",) * 50)
    _three_people_say_track_was_right(kb, (None,) * 50)  # no session at all: one more, not fifty
    assert kb.suggestions() == []
    _three_people_say_track_was_right(kb, ("other",))
    [suggestion] = kb.suggestions()
    assert (suggestion.kind, suggestion.pair_id, suggestion.question) == ("alternate", "track", "where is my parcel")
    assert suggestion.evidence["sessions"] == 3 and suggestion.evidence["feedback"] == 101
    assert kb.pair("track").alternates == ()  # nothing changes without the editor
    kb.close()


def test_the_editors_feedback_alone_makes_a_suggestion(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    kb.record_feedback("where is my parcel", "shipping", better_id="track", editor=True)
    assert [s.evidence["editor"] for s in kb.suggestions()] == [True]
    kb.close()


def test_accept_reject_revert(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    _three_people_say_track_was_right(kb)
    [suggestion] = kb.suggestions()
    accepted = kb.accept(suggestion.id)
    assert accepted.status == "accepted" and accepted.decided_at
    assert kb.pair("track").alternates == ("where is my parcel",)
    assert kb.ask("where is my parcel", record=False).best.pair.id == "track"  # type: ignore[union-attr]
    assert kb.suggestions() == [] and [s.status for s in kb.suggestions(status=None)] == ["accepted"]
    with pytest.raises(InputError, match="revert it instead"):
        kb.reject(suggestion.id)
    assert kb.revert(suggestion.id).status == "reverted"
    assert kb.pair("track").alternates == ()
    assert kb.suggestions() == []  # a reverted suggestion is not made again
    with pytest.raises(NotFoundError):
        kb.accept(999)
    kb.close()


def test_an_accepted_alternate_outlives_a_reingest_until_reverted(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    _three_people_say_track_was_right(kb)
    [suggestion] = kb.suggestions()
    kb.accept(suggestion.id)
    kb.ingest_bytes(faq_bytes(FAQ), "faq.jsonl")  # the source, as it was: without the alternate
    assert kb.pair("track").alternates == ("where is my parcel",)
    kb.revert(suggestion.id)
    kb.ingest_bytes(faq_bytes(FAQ), "faq.jsonl")
    assert kb.pair("track").alternates == ()
    kb.close()


def test_a_rejected_suggestion_is_not_made_again(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    _three_people_say_track_was_right(kb)
    [suggestion] = kb.suggestions()
    assert kb.reject(suggestion.id).status == "rejected"
    _three_people_say_track_was_right(kb, ("d", "e", "f"))
    assert kb.suggestions() == []
    assert kb.pair("track").alternates == ()
    kb.close()


def test_suggestions_auto_applies_them_when_the_setting_says_so(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite", suggestions_auto=True)
    _three_people_say_track_was_right(kb)
    assert [s.status for s in kb.suggestions(status=None)] == ["accepted"]
    assert kb.pair("track").alternates == ("where is my parcel",)
    kb.close()


def test_questions_that_keep_landing_on_one_pair_suggest_their_phrasing(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    for session in ("a", "b", "c"):
        kb.ask("reset my password please", session=session)
    [suggestion] = kb.suggestions()
    assert (suggestion.pair_id, suggestion.question) == ("reset", "reset my password please")
    assert suggestion.evidence["sessions"] == 3
    kb.close()


def test_poor_answers_are_flagged_from_several_sessions(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    for session in ("a", "b", "c"):
        kb.record_feedback("What are the password rules?", "password-rules", helpful=False, session=session)
    kb.record_feedback("What are the password rules?", "password-rules", helpful=True, session="d")
    [flag] = kb.suggestions()
    assert (flag.kind, flag.pair_id) == ("poor_answer", "password-rules")
    assert flag.evidence["not_helpful"] == 3 and flag.evidence["helpful"] == 1
    assert kb.accept(flag.id).status == "accepted"
    kb.close()


def test_rank_by_demand_only_with_enough_of_it() -> None:
    items, ids = ["a", "b", "c"], ["a", "b", "c"]
    assert rank_by_demand(items, ids, {"c": 5, "b": 1}, min_demand=20) == ["a", "b", "c"]  # too little: meaning
    assert rank_by_demand(items, ids, {"c": 15, "b": 5}, min_demand=20) == ["c", "b", "a"]
    assert rank_by_demand(items, ids, {"c": 50}, min_demand=0) == ["a", "b", "c"]  # 0: off


def test_related_ranks_by_demand_when_there_is_enough(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite", demand_min=10)
    before = [r.pair.id for r in kb.related("How do I reset my password?", top=3)]
    last = before[-1]
    for _ in range(12):  # people keep asking for the last one
        kb.ask(kb.pair(last).question)
    kb.flush_query_log()  # (demand counts what is written: at most a second late)
    after = [r.pair.id for r in kb.related("How do I reset my password?", top=3)]
    assert after[0] == last and sorted(after) == sorted(before)
    kb.close()


def test_migration_3_upgrades_an_older_file(tmp_path: Path) -> None:
    kb = make(tmp_path / "kb.sqlite")
    kb.close()
    db = sqlite3.connect(tmp_path / "kb.sqlite")
    assert {"session"} <= {r[1] for r in db.execute("PRAGMA table_info(feedback)")}
    assert db.execute("SELECT count(*) FROM suggestions").fetchone() == (0,)
    db.close()
