"""Live index updates: a main index, a small delta index of the pairs changed since, and a mask.

A full rebuild of the search index reads every vector and re-tokenises every text (2.5 s at 16k
pairs, about 2 minutes at 1M). :class:`SegmentedIndex` instead keeps the main
:class:`~.index.SearchIndex` as it was built and, when the store's generation moves on, reads only
which pairs changed, from the change log of migration 5 (a full build only where the log cannot
say: pruned past the main build, or a change it missed): pairs removed or changed are masked out
of the main index at once, and pairs added or changed go into a delta index built over just them,
searched beside the main one. A new process starts the same way from the index cached before the
last changes (``cache.stale``: same file, model and format; checked against the log and the pair
count), so an edit made elsewhere is not a full rebuild for the next ``oftenasked ask`` either.
Once the delta grows past ``MERGE_AT`` pairs, or ``MERGE_QUIET`` seconds after the last change (or
on demand), a full rebuild runs in a background thread and is swapped in, as Lucene and tantivy
merge segments; searches keep going on the old segments meanwhile.

What is exact before a merge: which pairs can be found (removed ones never are), each pair's vector
signals (cosine to its questions and answer passages: they do not depend on the other pairs), and
its BM25 signals too: each segment keeps its own word statistics, so a search scores every segment
with those of the live pairs of all of them together (``lexical.combined_scores``: the union's
number of pairs, average length and document frequencies, removed pairs out), as one index over
them would. So answers and scores are a full rebuild's before the merge as after it (up to float
rounding; tested), and a merge is only housekeeping: it keeps the delta small and its search cheap.

The layer presents the interface the knowledge base uses (``index.Searchable``: ``search``,
``rowids``, ``size``, ``generation``, ``q_ordinals``, ``main_question_vectors``, ``layout``), with
positions [0, main) in the main index and [main, main + delta) in the delta; what the main segment
was built with (``from_cache``, ``approximate``, ``coarse``) is read through.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..answer.background import Background
from ..errors import IndexNotReady
from ..store import Store, segment_rows
from .embed import Embedder
from .fusion import Weights
from .index import Candidates, GivenLexical, SearchIndex
from .lexical import combined_scores

_layouts = itertools.count(1)
MERGE_AT = 2_000
"""Pairs in the delta past which a background merge starts (its search is exact, so it must stay small)."""
EVENT_LOOP_DELTA = 200
"""The largest delta a caller that must not wait (``refresh(full_ok=False)``: the HTTP server's event
loop) builds itself, in milliseconds; a bigger one is left to a worker thread."""
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


def _changes(store: Store, seq: int | None, count: bool) -> tuple[int, int, set[int], set[int], int | None] | None:
    """(generation, newest change, the rowids of the pairs changed since change ``seq``, those of
    them that are pairs now, and with ``count`` how many pairs there are), read in one snapshot;
    None when the log cannot say (no log, or pruned past ``seq``)."""
    if seq is None or store.schema_version < segment_rows.CHANGE_LOG_VERSION:
        return None
    with store.snapshot() as db:
        generation = store.generation()
        found = segment_rows.changes_since(db, seq)
        if found is None:
            return None
        newest, rowids = found
        present = set(segment_rows.content_hashes_of(db, sorted(rowids)))
        return generation, newest, rowids, present, segment_rows.pair_count(db) if count else None


def _same_log(store: Store, main: SearchIndex) -> bool:
    """Whether the change log still holds the entry ``main`` was built at, for the same pair (else
    the knowledge base at this path is not the one the cached index was built from)."""
    if not main.seq:
        return True
    with store.snapshot() as db:
        logged = segment_rows.change_at(db, main.seq)
    return logged is None or logged == main.seq_pair


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
        self._install(main, stale_ok=main is None)

    def _install(self, main: SearchIndex | None, *, stale_ok: bool = False) -> None:
        """A full build (or the one given) as the main segment, with an empty delta; then catch up.

        ``stale_ok``: start from the on-disk cache of an older state of this knowledge base, if it
        has one, and take in what the change log says changed since (a new process after an edit:
        no full rebuild). Where the log cannot say, or does not add up, a full build instead."""
        built = main if main is not None else SearchIndex(self.store, self.embedder, stale_ok=stale_ok)
        with self._lock:
            self.main = built
            self._main_position = {int(r): i for i, r in enumerate(built.rowids)}
            self._seq = built.seq
            """The newest change logged that the segments have taken in (None: no log)."""
            self._touched: dict[int, bool] = {}
            """Rowid -> whether it is a pair now, for every pair changed since the main build."""
            self._set(built.generation, np.zeros(built.size, dtype=bool), None, np.zeros(0, dtype=np.int64))
            if built.generation == self.store.generation():
                return
            # From a cache of an older state: checked to add up to what a full build would hold.
            if not _same_log(self.store, built) or not self._catch_up(check=True):
                self._install(None)  # (a full build at the generation now)

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
    def refresh(self, *, full_ok: bool = True) -> bool:
        """Follow the store's changes since the last refresh: mask, delta, and a merge when due.

        Cheap next to a rebuild: the pairs changed since the last refresh, from the change log
        (migration 5), and an index over the changed pairs only. Where the log cannot say (pruned
        past the main build: over 100,000 changes), a full build; or, without ``full_ok``,
        :class:`IndexNotReady` (for a caller that must not wait seconds). True when something changed.
        """
        with self._lock:
            if self.store.generation() == self.generation:
                if self._pending and time.monotonic() - self._changed_at >= self.merge_quiet:
                    self.merge_in_background()
                return False
            if not self._catch_up(most=None if full_ok else EVENT_LOOP_DELTA):
                if not full_ok:
                    raise IndexNotReady
                self._install(None)
            self._changed_at = time.monotonic()
            return True

    def _catch_up(self, check: bool = False, most: int | None = None) -> bool:
        """Mask and re-index the pairs the change log says changed since the main build; False
        when it cannot say, when the delta would hold more than ``most`` pairs, or (``check``) when
        the result would not hold as many pairs as the store (a cache that is not this knowledge
        base's after all)."""
        logged = _changes(self.store, self._seq, check)
        if logged is None:
            return False
        generation, seq, rowids, present, expected_size = logged
        if not rowids and generation != self.generation:
            return False  # (the generation moved with nothing logged: a change the log cannot see)
        touched = self._touched | {r: r in present for r in rowids}
        removed = np.zeros(self.main.size, dtype=bool)
        for rowid in touched:
            position = self._main_position.get(rowid)
            if position is not None:
                removed[position] = True
        changed = sorted(r for r, now in touched.items() if now)
        if expected_size is not None and self.main.size - int(removed.sum()) + len(changed) != expected_size:
            return False  # (not what a full build would hold: never serve it)
        if most is not None and len(changed) > most:
            return False
        self._seq, self._touched = seq, touched  # (taken in only once it adds up)
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

    # What the main segment was built with (how it searches, whether it came from the disk cache):
    # the delta is always small and searched exactly.
    @property
    def from_cache(self) -> bool:
        return self.main.from_cache

    @property
    def approximate(self) -> bool:
        return self.main.approximate

    @property
    def ann_questions(self) -> Any:
        return self.main.ann_questions

    @property
    def coarse(self) -> Any:
        return self.main.coarse

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
