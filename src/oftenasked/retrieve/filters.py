"""Metadata filters: which pairs of an index have a (field, value), and the mask a filter makes.

Fields are the pair's metadata plus ``source`` and ``origin``; names and values are compared
lower-cased. Several values of one field match any of them; several fields combine with AND or OR.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ..errors import InputError

Filters = Mapping[str, str | Sequence[str]]
Postings = dict[tuple[str, str], np.ndarray]
_NONE = np.zeros(0, dtype=np.int64)


def build_postings(rowids: np.ndarray, rows: Iterable[tuple[int, str, str, str]]) -> Postings:
    """(field, value) -> index positions of the pairs that have it, from (rowid, metadata JSON, source, origin)."""
    position = {int(r): i for i, r in enumerate(rowids)}
    lists: dict[tuple[str, str], list[int]] = {}
    for rowid, metadata, source, origin in rows:
        at = position.get(rowid)
        if at is None:  # a pair without texts is not in the index
            continue
        fields = {k.lower(): v.lower() for k, v in json.loads(metadata).items()}
        fields.setdefault("source", source.lower())
        fields.setdefault("origin", origin.lower())
        for field in fields.items():
            lists.setdefault(field, []).append(at)
    return {field: np.asarray(at, dtype=np.int64) for field, at in lists.items()}


def mask(postings: Postings, size: int, filters: Filters, mode: str) -> np.ndarray:
    """True for the index positions that pass the filters."""
    if mode not in ("and", "or"):
        raise InputError(f"filter mode must be 'and' or 'or', got {mode!r}")
    per_key = []
    for key, value in filters.items():
        values = {value.lower()} if isinstance(value, str) else {v.lower() for v in value}
        matched = np.zeros(size, dtype=bool)
        for v in values:
            matched[postings.get((key.lower(), v), _NONE)] = True
        per_key.append(matched)
    combine = np.logical_and.reduce if mode == "and" else np.logical_or.reduce
    return np.asarray(combine(per_key), dtype=bool)
