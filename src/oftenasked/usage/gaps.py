"""Gaps: needs asked repeatedly that the knowledge base answers badly, for an editor to write next.

A logged question counts when it got "no good answer" or an answer under the ``gap_confidence``
setting; feedback counts when it said "not helpful". They are grouped by meaning like the often
asked needs, kept when asked at least ``MIN_COUNT`` times, and ordered by how many people they
affect (distinct sessions; a question without one is a person of its own).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..retrieve.embed import Embedder
from ..store import usage_rows
from .needs import Asked, Need, group, summarise

MIN_COUNT = 2
"""A need asked once is not yet a gap."""
Nearest = Callable[[str], Sequence[dict[str, Any]]]
"""The nearest pairs to a question, best first: dicts with id, question and confidence."""


def badly_answered(db: sqlite3.Connection, cutoff: str | None, low: float) -> list[Asked]:
    """Logged questions left unanswered or answered under ``low``, and unhelpful feedback, since ``cutoff``."""
    since = cutoff or ""
    events = [Asked(q, a, c, bool(ok), s) for q, a, c, ok, s in usage_rows.asked_badly_since(db, since, low)]
    events += [Asked(q, p, None, True, s, unhelpful=True) for q, p, s in usage_rows.unhelpful_since(db, since)]
    return events


def gaps(db: sqlite3.Connection, embedder: Embedder, nearest: Nearest, cutoff: str | None, low: float,
         top: int = 20, min_count: int = MIN_COUNT) -> list[Need]:
    """The needs that most people asked without a good answer, each with the nearest pairs."""
    needs = [summarise(g) for g in group(db, embedder, badly_answered(db, cutoff, low)) if len(g) >= min_count]
    needs.sort(key=lambda n: (-n.people, -n.count))
    out = []
    for need in needs[:top]:
        near = tuple(nearest(need.questions[0]))
        best = near[0] if near else None
        out.append(replace(need, pair_id=best["id"] if best else None,
                           confidence=best["confidence"] if best else None, nearest=near))
    return out
