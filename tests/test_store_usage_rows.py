"""store/usage_rows.py and store/suggestion_rows.py: the same statements give the same rows on SQLite
and PostgreSQL (a real server: tests/conftest_pg.py), and the writes are all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from oftenasked.store import Store, open_store, suggestion_rows, usage_rows

QUERIES = [
    ("2026-01-01T10:00:00+00:00", "how do I stretch", "p1", 0.9, 1, "a"),
    ("2026-01-02T10:00:00+00:00", "How do I stretch", "p1", 0.4, 1, "b"),
    ("2026-01-03T10:00:00+00:00", "zzz unanswerable", None, None, 0, None),
    ("2026-01-04T10:00:00+00:00", "ZZZ unanswerable", None, None, 0, "c"),
    ("2026-01-05T10:00:00+00:00", "which shoes", "p2", 0.7, 1, "a"),
]
FEEDBACK = [
    ("2026-01-02T11:00:00+00:00", "How do I stretch", "p1", 0, "p2", "b", 0),
    ("2026-01-05T11:00:00+00:00", "which shoes", "p2", 1, None, "a", 0),
    ("2026-01-05T12:00:00+00:00", "", "p2", None, "p1", None, 1),
]


def _exercise(store: Store) -> dict[str, Any]:
    """Every read and write of the two modules on one store; what each returned."""
    db = store.db
    out: dict[str, Any] = {}
    with store.write_lock:
        with usage_rows.immediate(db):
            usage_rows.insert_queries(db, QUERIES)
        for row in FEEDBACK:
            usage_rows.insert_feedback(db, row)
        out["totals"] = usage_rows.query_totals(db)
        out["top_unanswered"] = usage_rows.top_unanswered(db, 5)
        out["newest"] = usage_rows.newest_queries(db, "2026-01-02", False, 3)
        out["newest_unanswered"] = usage_rows.newest_queries(db, "", True, 10)
        out["asked_all"] = usage_rows.asked_since(db, None)
        out["asked_since"] = usage_rows.asked_since(db, "2026-01-03")
        out["badly"] = sorted(usage_rows.asked_badly_since(db, "", 0.5), key=repr)
        out["counts_all"] = usage_rows.answered_counts(db)
        out["counts_some"] = usage_rows.answered_counts(db, ["p1", "p9"], "2026-01-02")
        out["counts_none"] = usage_rows.answered_counts(db, [])
        out["feedback_totals"] = usage_rows.feedback_totals(db)
        out["feedback_since"] = sorted(usage_rows.feedback_since(db, "2026-01-05"), key=repr)
        out["unhelpful"] = usage_rows.unhelpful_since(db, "")
        out["better"] = usage_rows.better_answers(db)
        out["disputed"] = sorted(usage_rows.disputed(db))
        out["votes"] = sorted(usage_rows.votes(db), key=repr)
        out["questions"] = sorted(usage_rows.logged_questions(db))
        vector = np.arange(4, dtype=np.float16).tobytes()
        usage_rows.keep_query_vectors(db, "m", {"h1": vector, "h2": vector})
        usage_rows.keep_query_vectors(db, "m", {"h1": b"\0" * 8})  # a kept vector stays as it was
        out["vectors"] = usage_rows.query_vectors(db, "m", ["h1", "h2", "h3", "h1"])
        usage_rows.delete_query_vectors(db, ["h2"])
        out["vector_hashes"] = usage_rows.query_vector_hashes(db)
        first = suggestion_rows.record(db, [("alternate", "p1", "stretch how", "k1", '{"n": 1}'),
                                            ("poor_answer", "p2", "", "k2", '{"n": 2}')], "2026-01-06T00:00:00+00:00")
        again = suggestion_rows.record(db, [("alternate", "p1", "stretch how", "k1", '{"n": 3}')], "2026-01-07")
        out["new_then_none"] = (len(first), again)
        suggestion_rows.decide(db, first[1], "accepted", "2026-01-08", '{"alternate": "x"}')
        out["evidence_kept_open"] = suggestion_rows.row(db, first[0])[4:6]  # type: ignore[index]
        out["open"] = [r[1:] for r in suggestion_rows.rows(db, "open")]
        out["all"] = [r[1:] for r in suggestion_rows.rows(db, None)]
        out["applied"] = (suggestion_rows.applied(db, first[1]), suggestion_rows.applied(db, 10**6))
        out["missing"] = suggestion_rows.row(db, 10**6)
        out["accepted_alternates"] = suggestion_rows.accepted_alternates(db)
        out["pruned"] = (usage_rows.delete_queries_before(db, "2026-01-02"),
                         usage_rows.delete_feedback_before(db, "2026-01-03"))
        out["forgotten"] = usage_rows.forget_all(db)
        out["after_forget"] = (usage_rows.query_totals(db), usage_rows.feedback_totals(db),
                               usage_rows.query_vector_hashes(db), [r[5] for r in suggestion_rows.rows(db, None)])
    return out


def _sqlite(tmp_path: Path) -> dict[str, Any]:
    store = open_store(tmp_path / "kb.sqlite")
    try:
        return _exercise(store)
    finally:
        store.close()


def test_usage_rows_on_sqlite(tmp_path: Path) -> None:
    got = _sqlite(tmp_path)
    assert got["totals"] == (5, 2)
    assert got["top_unanswered"] == [("ZZZ unanswerable", 2, "2026-01-04T10:00:00+00:00")]
    assert [r[1] for r in got["newest"]] == ["which shoes", "ZZZ unanswerable", "zzz unanswerable"]
    assert [r[0][:10] for r in got["newest_unanswered"]] == ["2026-01-04", "2026-01-03"]
    assert [r[0] for r in got["asked_all"]] == [q[1] for q in QUERIES]
    assert len(got["asked_since"]) == 3 and len(got["badly"]) == 3  # two unanswered, one under 0.5
    assert got["counts_all"] == {"p1": 2, "p2": 1} and got["counts_some"] == {"p1": 1} and got["counts_none"] == {}
    assert got["feedback_totals"] == (1, 1, 2)
    assert len(got["feedback_since"]) == 2 and got["unhelpful"] == [("How do I stretch", "p1", "b")]
    assert got["better"] == [("How do I stretch", "p2", "b", 0)]  # (the one with its question emptied is left out)
    assert got["disputed"] == [("", "p2"), ("How do I stretch", "p1")]
    assert got["vectors"] == {"h1": np.arange(4, dtype=np.float16).tobytes(), "h2": np.arange(4, dtype=np.float16).tobytes()}
    assert got["vector_hashes"] == ["h1"]
    assert got["new_then_none"] == (2, [])
    assert got["evidence_kept_open"] == ('{"n": 3}', "open")  # an open suggestion gets the fresh evidence
    assert [r[0] for r in got["open"]] == ["alternate"] and len(got["all"]) == 2
    assert got["applied"] == ('{"alternate": "x"}', None) and got["missing"] is None
    assert got["accepted_alternates"] == []  # (the accepted one is a poor answer)
    assert got["pruned"] == (1, 1)
    assert got["forgotten"] == 4
    assert got["after_forget"] == ((0, 0), (0, 0, 0), [], ["accepted"])  # decided suggestions stay


def test_a_failed_write_leaves_the_rows_as_they_were(tmp_path: Path) -> None:
    store = Store(tmp_path / "kb.sqlite")
    with pytest.raises(RuntimeError), usage_rows.immediate(store.db):
        usage_rows.insert_queries(store.db, QUERIES)
        raise RuntimeError("stop")
    assert usage_rows.query_totals(store.db) == (0, 0)
    assert not store.db.in_transaction
    store.close()


def test_usage_rows_are_the_same_on_postgres(tmp_path: Path, pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        on_postgres = _exercise(store)
    finally:
        store.close()
    on_sqlite = _sqlite(tmp_path)
    # Ids are each database's own; everything else must agree, row for row.
    assert on_postgres.keys() == on_sqlite.keys()
    for key, value in on_sqlite.items():
        assert on_postgres[key] == value, key
