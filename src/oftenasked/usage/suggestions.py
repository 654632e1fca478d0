"""Suggestions for the editor, learnt from use, each with its evidence; accepted ones can be reverted.

Two kinds:

* ``alternate``: a phrasing people use becomes an alternate question of a pair. Proposed when
  people said "this other pair was right" for it, or when a group of logged questions keeps
  landing on one pair and one of its phrasings is not yet a question of that pair.
* ``poor_answer``: a pair that people keep marking "not helpful" is flagged for the editor.

A suggestion needs evidence from ``min_sessions`` distinct sessions (questions and feedback
without a session all count as one), or one piece of feedback from the editor (the CLI): a
flood from one session never makes one. Nothing changes the knowledge base until the editor
accepts a suggestion, unless the ``suggestions_auto`` setting says so. A rejected suggestion is
never proposed again.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from ..errors import InputError, NotFoundError
from ..models import Pair
from ..retrieve.embed import Embedder
from ..store import suggestion_rows, usage_rows
from .needs import Asked, group, normal, summarise

SETTLED = 0.8
"""Mean confidence above which a phrasing already finds its pair well: nothing to suggest."""
LANDING = 0.8
"""Share of a group's answered questions that must land on one pair to suggest its phrasings."""


class Pairs(Protocol):
    """What accepting and reverting need from the knowledge base."""

    def pair(self, pair_id: str) -> Pair: ...

    def update_pair(self, pair_id: str, *, alternates: Sequence[str] | None = None) -> Pair: ...


@dataclass(frozen=True)
class Suggestion:
    id: int
    kind: str
    pair_id: str
    question: str
    evidence: dict[str, Any]
    status: str
    created_at: str
    decided_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "pair_id": self.pair_id, "question": self.question or None,
                "evidence": self.evidence, "status": self.status, "created_at": self.created_at,
                "decided_at": self.decided_at}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _sessions(events: Sequence[Asked]) -> int:
    """Distinct sessions; everything without one counts as one more."""
    named = {e.session for e in events if e.session}
    return len(named) + (1 if any(not e.session for e in events) else 0)


def _candidates(db: sqlite3.Connection, embedder: Embedder, known: dict[str, set[str]],
                min_sessions: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, pair_id, question, evidence) of every suggestion the log and the feedback support now."""
    out: list[tuple[str, str, str, dict[str, Any]]] = []
    # 1. "This other pair was right", grouped per pair by meaning.
    rows = usage_rows.better_answers(db)
    per_pair: dict[str, list[tuple[Asked, bool]]] = {}
    for question, better_id, session, editor in rows:
        per_pair.setdefault(better_id, []).append((Asked(question, better_id, None, True, session), bool(editor)))
    for pair_id, items in per_pair.items():
        by_editor = {normal(a.question) for a, editor in items if editor}
        for events in group(db, embedder, [a for a, _ in items]):
            sessions = _sessions(events)
            phrasing = next((q for q, _ in Counter(e.question for e in events).most_common()
                             if normal(q) not in known.get(pair_id, set())), None)
            editor = any(normal(e.question) in by_editor for e in events)
            if phrasing and (sessions >= min_sessions or editor):
                out.append(("alternate", pair_id, phrasing, {
                    "reason": "people said this pair was the right answer", "feedback": len(events),
                    "sessions": sessions, "editor": editor,
                    "questions": [q for q, _ in Counter(e.question for e in events).most_common(5)]}))
    # 2. Logged questions that keep landing on one pair, in phrasings the pair does not have yet
    # (and that nobody said it answers badly).
    disputed = {(normal(q), p) for q, p in usage_rows.disputed(db)}
    for events in group(db, embedder, [Asked(q, a, c, bool(ok), s) for q, a, c, ok, s in usage_rows.asked_since(db, None)],
                        by_pair=True):
        need = summarise(events)
        answered = [e for e in events if e.answered and e.pair_id]
        if need.pair_id is None or not answered:
            continue
        landing = [e for e in answered if e.pair_id == need.pair_id]
        if len(landing) < LANDING * len(answered) or _sessions(landing) < min_sessions:
            continue
        phrasings = Counter(e.question for e in landing)
        for question, count in phrasings.most_common():
            scores = [e.confidence for e in landing if e.question == question and e.confidence is not None]
            if (normal(question) in known.get(need.pair_id, set()) or (scores and min(scores) >= SETTLED)
                    or (normal(question), need.pair_id) in disputed):
                continue
            out.append(("alternate", need.pair_id, question, {
                "reason": "questions asked this way keep being answered by this pair", "asked": len(landing),
                "sessions": _sessions(landing), "this_phrasing": count,
                "mean_confidence": round(sum(scores) / len(scores), 4) if scores else None,
                "questions": [q for q, _ in phrasings.most_common(5)]}))
            break
    # 3. Pairs people keep marking "not helpful".
    votes: dict[str, list[tuple[bool, Asked, bool]]] = {}
    for question, pair_id, helpful, session, editor in usage_rows.votes(db):
        votes.setdefault(pair_id, []).append((bool(helpful), Asked(question, pair_id, None, True, session),
                                              bool(editor)))
    for pair_id, given in votes.items():
        down = [a for ok, a, _ in given if not ok]
        editor = any(ed for ok, _, ed in given if not ok)
        if len(down) > len(given) - len(down) and (_sessions(down) >= min_sessions or editor):
            out.append(("poor_answer", pair_id, "", {
                "reason": "people marked this answer not helpful", "not_helpful": len(down),
                "helpful": len(given) - len(down), "sessions": _sessions(down), "editor": editor,
                "questions": [q for q, _ in Counter(a.question for a in down if a.question).most_common(5)]}))
    return out


def known_phrasings(db: sqlite3.Connection) -> dict[str, set[str]]:
    """Each pair's question and alternates, normalised."""
    return {pid: {normal(q), *(normal(a) for a in json.loads(alts))}
            for pid, q, alts in suggestion_rows.phrasing_rows(db)}


def propose(db: sqlite3.Connection, embedder: Embedder, known: dict[str, set[str]], min_sessions: int) -> list[int]:
    """Record the suggestions the evidence supports (open ones get fresh evidence); the new ids.

    ``known`` holds each pair's phrasings (question and alternates, normalised): a phrasing a pair
    already has is never suggested for it.
    """
    found = [(kind, pair_id, question, f"{kind}\x1f{pair_id}\x1f{normal(question)}", json.dumps(evidence))
             for kind, pair_id, question, evidence in _candidates(db, embedder, known, min_sessions)]
    return suggestion_rows.record(db, found, _now())


def _row(row: tuple[Any, ...]) -> Suggestion:
    id_, kind, pair_id, question, evidence, status, created, decided = row
    return Suggestion(int(id_), kind, pair_id, question, json.loads(evidence), status, created, decided)


def listing(db: sqlite3.Connection, status: str | None = "open") -> list[Suggestion]:
    """Suggestions with ``status`` (None: all), oldest first."""
    return [_row(r) for r in suggestion_rows.rows(db, status)]


def get(db: sqlite3.Connection, suggestion_id: int) -> Suggestion:
    row = suggestion_rows.row(db, suggestion_id)
    if row is None:
        raise NotFoundError(f"no suggestion with id {suggestion_id}")
    return _row(row)


def _decide(db: sqlite3.Connection, suggestion_id: int, status: str, applied: dict[str, Any] | None) -> None:
    suggestion_rows.decide(db, suggestion_id, status, _now(), None if applied is None else json.dumps(applied))


def accept(db: sqlite3.Connection, pairs: Pairs, suggestion_id: int) -> Suggestion:
    """Apply an open suggestion: the phrasing becomes an alternate question (a poor answer is flagged)."""
    found = get(db, suggestion_id)
    if found.status != "open":
        raise InputError(f"suggestion {suggestion_id} is {found.status}, not open")
    applied: dict[str, Any] = {"flagged": True}
    if found.kind == "alternate":
        pair = pairs.pair(found.pair_id)
        if normal(found.question) in {normal(q) for q in (pair.question, *pair.alternates)}:
            applied = {"alternate": None}  # the editor added it meanwhile: nothing to change or undo
        else:
            pairs.update_pair(found.pair_id, alternates=(*pair.alternates, found.question))
            applied = {"alternate": found.question}
    _decide(db, suggestion_id, "accepted", applied)
    return get(db, suggestion_id)


def reject(db: sqlite3.Connection, suggestion_id: int) -> Suggestion:
    """Discard an open suggestion; it is not proposed again."""
    found = get(db, suggestion_id)
    if found.status != "open":
        raise InputError(f"suggestion {suggestion_id} is {found.status}, not open"
                         + (": revert it instead" if found.status == "accepted" else ""))
    _decide(db, suggestion_id, "rejected", None)
    return get(db, suggestion_id)


def revert(db: sqlite3.Connection, pairs: Pairs, suggestion_id: int) -> Suggestion:
    """Undo an accepted suggestion: the alternate question it added is taken out again."""
    found = get(db, suggestion_id)
    if found.status != "accepted":
        raise InputError(f"suggestion {suggestion_id} is {found.status}: only an accepted one can be reverted")
    added = json.loads(suggestion_rows.applied(db, suggestion_id) or "{}").get("alternate")
    if added:
        try:
            pair = pairs.pair(found.pair_id)
        except NotFoundError:
            pair = None  # the pair is gone: nothing left to undo
        if pair is not None and added in pair.alternates:
            pairs.update_pair(found.pair_id, alternates=[a for a in pair.alternates if a != added])
    _decide(db, suggestion_id, "reverted", None)
    return get(db, suggestion_id)


def reapply(db: sqlite3.Connection, pairs: Pairs) -> int:
    """Add the alternates of accepted suggestions back to their pairs where a re-ingest of the pair's
    source took them out (the source does not have them): accepted stays accepted until reverted.
    How many pairs were edited."""
    edited = 0
    for pair_id, applied in suggestion_rows.accepted_alternates(db):
        added = json.loads(applied or "{}").get("alternate")
        if not added:
            continue
        try:
            pair = pairs.pair(pair_id)
        except NotFoundError:
            continue  # the pair is gone from its source: nothing to add it to
        if normal(added) not in {normal(q) for q in (pair.question, *pair.alternates)}:
            pairs.update_pair(pair_id, alternates=(*pair.alternates, added))
            edited += 1
    return edited
