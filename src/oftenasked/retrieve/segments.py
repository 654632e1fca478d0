"""Live index updates: a main index, a small delta index of the pairs changed since, and a mask.

A full rebuild of the search index reads every vector and re-tokenises every text (2.5 s at 16k
pairs, about 2 minutes at 1M). :class:`SegmentedIndex` instead keeps the main
:class:`~.index.SearchIndex` as it was built and, when the store's generation moves on, reads only
which pairs changed (from the change log of migration 5, then those pairs' content hashes; every
pair's hash only when the log cannot say): pairs removed or changed are masked out of
the main index at once, and pairs added or changed go into a delta index built over just them,
searched beside the main one. Once the delta grows past ``MERGE_AT`` pairs, or ``MERGE_QUIET``
seconds after the last change (or on demand), a full rebuild runs in a background thread and is
swapped in, as Lucene and tantivy merge segments; searches keep going on the old segments meanwhile.

What is exact before a merge: which pairs can be found (removed ones never are), each pair's vector
signals (cosine to its questions and answer passages: they do not depend on the other pairs), and
its BM25 signals too: each segment keeps its own word statistics, so a search scores every segment
with those of the live pairs of all of them together (``lexical.combined_scores``: the union's
number of pairs, average length and document frequencies, removed pairs out), as one index over
them would. So answers and scores are a full rebuild's before the merge as after it (up to float
rounding; tested), and a merge is only housekeeping: it keeps the delta small and its search cheap.

The layer presents the interface the knowledge base uses (``search``, ``rowids``, ``size``,
``generation``, ``q_ordinals``, ``main_question_vectors``), with positions [0, main) in the main
index and [main, main + delta) in the delta.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..answer.background import Background
from ..store import Store, segment_rows
from .embed import Embedder
from .fusion import Weights
from .index import Candidates, GivenLexical, SearchIndex
from .lexical import combined_scores

_layouts = itertools.count(1)
MERGE_AT = 2_000
"""Pairs in the delta past which a background merge starts (its search is exact, so it must stay small)."""
MERGE_QUIET = 30.0
"""Seconds without a change after which a pending delta is merged in the background: scores are
already a full rebuild's, but each search then pays for the delta and for rescoring BM25 across
segments, which a quiet spell is the cheap time to end."""


def _together(
    main: SearchIndex, delta: SearchIndex | None, removed: np.ndarray, query: str
) -> tuple[GivenLexical | None, GivenLexical | None]:
    """The query's BM25 in each segment with the word statistics of the live pairs of all of them
    together (removed pairs out): what a full rebuild would score. (None, None) where an index
    cached before document lengths were kept cannot say; each segment then scores on its own."""
    fields = []
    for name in ("lexical_questions", "lexical_answers"):
        parts = [(getattr(main, name), ~removed)] + ([(getattr(delta, name), None)] if delta is not None else [])
        found = combined_scores(parts, query)
        if found is None:
            return None, None
        fields.append(found)
    (q_scores, q_bound), (a_scores, a_bound) = fields
    main_given = GivenLexical(q_scores[0], a_scores[0], q_bound, a_bound)
    delta_given = GivenLexical(q_scores[1], a_scores[1], q_bound, a_bound) if delta is not None else None
    return main_given, delta_given


class _Stacked:
    """The main index's first question vectors, then the delta's, indexed as one (``v[i]``, ``v[array]``)."""

    def __init__(self, main: Any, delta: Any, split: int) -> None:
        self._main, self._delta, self._split = main, delta, split
        self.shape = (split + (len(delta) if delta is not None else 0), main.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, positions: int | np.ndarray) -> np.ndarray:
        chosen = np.asarray(positions, dtype=np.int64)
        flat = chosen.reshape(-1)
        out = np.zeros((len(flat), self.shape[1]), dtype=np.float32)
        low = flat < self._split
        if low.any():
            out[low] = np.asarray(self._main[flat[low]], dtype=np.float32)
        if (~low).any():
            out[~low] = np.asarray(self._delta[flat[~low] - self._split], dtype=np.float32)
        return out.reshape(*chosen.shape, self.shape[1])


def _hashes(store: Store) -> tuple[int, dict[int, str], int | None]:
    """The generation, every pair's content hash and the newest change logged, read in one snapshot."""
    logged = store.schema_version >= segment_rows.CHANGE_LOG_VERSION
    with store.snapshot() as db:
        generation = store.generation()
        hashes = segment_rows.content_hashes(db)
        seq = segment_rows.last_change(db) if logged else None
    return generation, hashes, seq


def _changes(store: Store, seq: int | None) -> tuple[int, int, dict[int, str], set[int]] | None:
    """(generation, newest change, content hashes now of the pairs changed since change ``seq``,
    their rowids) in one snapshot; None when the log cannot say (none, or pruned past ``seq``)."""
    if seq is None:
        return None
    with store.snapshot() as db:
        generation = store.generation()
        found = segment_rows.changes_since(db, seq)
        if found is None:
            return None
        newest, rowids = found
        return generation, newest, segment_rows.content_hashes_of(db, sorted(rowids)), rowids


def _copy_pairs(store: Store, rowids: Sequence[int], model: str) -> Store:
    """An in-memory store holding only these pairs (rowids kept), their sources, texts and vectors."""
    memory = Store(":memory:")
    with store.snapshot() as src, memory.transaction() as dst:
        hashes = segment_rows.copy_pairs(src, dst, rowids)
        memory.put_vectors(model, store.cached_vectors(model, hashes))
    return memory


class SegmentedIndex:
    """A main search index, a delta of the pairs changed since it was built, and a mask of the removed ones."""

    def __init__(
        self, store: Store, embedder: Embedder, main: SearchIndex | None = None, *, merge_at: int = MERGE_AT,
        merge_quiet: float = MERGE_QUIET,
    ):
        self.store, self.embedder, self.merge_at, self.merge_quiet = store, embedder, merge_at, merge_quiet
        self._changed_at = time.monotonic()
        self._lock = threading.RLock()
        self._merging: threading.Thread | None = None
        self._install(main)

    def _install(self, main: SearchIndex | None) -> None:
        """A full build (or the one given) as the main segment, with an empty delta; then catch up."""
        while True:
            generation, hashes, seq = _hashes(self.store)
            built = main if main is not None and main.generation == generation else SearchIndex(self.store, self.embedder)
            main = None
            if built.generation == generation:
                break
        with self._lock:
            self.main = built
            self._main_hashes = {int(r): hashes[int(r)] for r in built.rowids}
            self._main_position = {int(r): i for i, r in enumerate(built.rowids)}
            self._seq = seq
            """The newest change logged that the segments have taken in (None: no log, compare every hash)."""
            self._touched: dict[int, str | None] = {}
            """Rowid -> content hash now (None: deleted) of every pair changed since the main build."""
            self._set(generation, np.zeros(built.size, dtype=bool), None, np.zeros(0, dtype=np.int64))

    def _set(self, generation: int, removed: np.ndarray, delta: SearchIndex | None, delta_rowids: np.ndarray) -> None:
        self.generation = generation
        self.removed = removed
        self.delta = delta
        self._pending = delta is not None or bool(removed.any())
        """Whether there is anything to merge (read on every search: kept, not scanned for)."""
        split = self.main.size
        self.rowids = np.concatenate([self.main.rowids, delta_rowids]).astype(np.int64)
        self.q_ordinals = np.concatenate([self.main.q_ordinals, delta.q_ordinals if delta else np.zeros(0, np.int32)])
        self.main_question_vectors = _Stacked(self.main.main_question_vectors,
                                              delta.main_question_vectors if delta else None, split)
        self.layout = next(_layouts)  # last: a reader that saw the old layout sees any swap begun
        """Changes whenever positions do: a merge moves pairs at the same generation, so what is
        remembered by position (recent searches, filter postings) is keyed by this as well, and an
        answer whose work overlapped a change of layout is worked out again (``KnowledgeBase``)."""

    # -- keeping up with the store -----------------------------------------------------------
    def refresh(self) -> bool:
        """Follow the store's changes since the last refresh: mask, delta, and a merge when due.

        Cheap next to a rebuild: the pairs changed since the last refresh, from the change log
        (migration 5; without it, or past its pruning, every pair's rowid and hash), and an index
        over the changed pairs only. True when something changed.
        """
        with self._lock:
            if self.store.generation() == self.generation:
                if self._pending and time.monotonic() - self._changed_at >= self.merge_quiet:
                    self.merge_in_background()
                return False
            self._changed_at = time.monotonic()
            logged = _changes(self.store, self._seq)
            if logged is not None and (logged[3] or logged[0] == self.generation):
                generation, self._seq, now, rowids = logged
                self._touched.update({r: now.get(r) for r in rowids})
            else:  # (the generation moved with nothing logged: a change the log cannot see, e.g. by hand)
                generation, hashes, self._seq = _hashes(self.store)
                self._touched = {r: hashes.get(r) for r in set(hashes) | set(self._main_hashes)
                                 if hashes.get(r) != self._main_hashes.get(r)}
            removed = np.zeros(self.main.size, dtype=bool)
            for rowid, current in self._touched.items():
                position = self._main_position.get(rowid)
                if position is not None and current != self._main_hashes[rowid]:
                    removed[position] = True
            changed = sorted(r for r, h in self._touched.items() if h is not None and self._main_hashes.get(r) != h)
            delta = None
            if changed:
                memory = _copy_pairs(self.store, changed, self.embedder.name)
                delta = SearchIndex(memory, self.embedder, ann=False, coarse=False, use_cache=False)
                memory.close()
            self._set(generation, removed, delta, np.asarray(changed, dtype=np.int64))
            if len(changed) >= self.merge_at:
                self.merge_in_background()
            return True

    def background(self, weights: Weights) -> Background:
        """The main segment's (``SearchIndex.background``): the delta is small beside it."""
        return self.main.background(weights)

    def merge(self) -> None:
        """Rebuild the main segment from the store (a full build) and drop the delta and the mask."""
        self._install(None)

    def merge_in_background(self) -> threading.Thread:
        """Start a merge in a thread (at most one at a time); searches use the old segments until it ends."""
        with self._lock:
            if self._merging is None or not self._merging.is_alive():
                self._merging = threading.Thread(target=self.merge, name="oftenasked-merge", daemon=True)
                self._merging.start()
            return self._merging

    # -- searching ---------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self.rowids)

    @property
    def delta_size(self) -> int:
        return 0 if self.delta is None else self.delta.size

    def search(
        self, query: str, vector: np.ndarray, k: int, weights: Weights, mask: np.ndarray | None = None
    ) -> Candidates:
        """The ``k`` best pairs of both segments by fused score; positions index ``rowids``."""
        with self._lock:
            main, delta, removed = self.main, self.delta, self.removed
        split = main.size
        alive = ~removed if mask is None else (~removed & mask[:split])
        given = _together(main, delta, removed, query) if delta is not None or removed.any() else (None, None)
        parts = [main.search(query, vector, k, weights, alive if removed.any() or mask is not None else None, given[0])]
        if delta is not None:
            found = delta.search(query, vector, k, weights, None if mask is None else mask[split:], given[1])
            parts.append(Candidates(found.order + split, found.fused, found.signals,
                                    np.where(found.matched_text >= 0, found.matched_text + len(main.q_ordinals), -1)))
        order = np.concatenate([p.order for p in parts])
        fused = np.concatenate([p.fused for p in parts])
        keep = np.argsort(-fused, kind="stable")[:k]
        return Candidates(
            order=order[keep],
            fused=fused[keep],
            signals={name: np.concatenate([p.signals[name] for p in parts])[keep] for name in parts[0].signals},
            matched_text=np.concatenate([p.matched_text for p in parts])[keep],
        )
