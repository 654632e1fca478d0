"""Real demand: how often each pair answered a question lately, to rank related questions by it.

Related questions are chosen by meaning (answer/related.py). When the pairs among them were
asked for at least ``min_demand`` times in all over the window, they are shown most asked
first (meaning breaks ties); with less evidence than that, counts are noise and the order by
meaning stands.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from ..store import usage_rows

WINDOW_DAYS = 30
"""How far back demand is counted."""
T = TypeVar("T")


def counts(db: sqlite3.Connection, pair_ids: Sequence[str], days: int = WINDOW_DAYS) -> dict[str, int]:
    """How many logged questions each pair answered in the last ``days`` days."""
    if not pair_ids:
        return {}
    cutoff = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    return usage_rows.answered_counts(db, pair_ids, cutoff)


def rank_by_demand(items: Sequence[T], pair_ids: Sequence[str], demand: dict[str, int], min_demand: int) -> list[T]:
    """``items`` (in order of meaning, with their ``pair_ids``) most asked first, when the counts
    add up to ``min_demand``; else as they are. ``min_demand`` 0 turns demand ranking off."""
    total = sum(demand.get(p, 0) for p in pair_ids)
    if min_demand <= 0 or total < min_demand:
        return list(items)
    order = sorted(range(len(items)), key=lambda i: (-demand.get(pair_ids[i], 0), i))
    return [items[i] for i in order]
