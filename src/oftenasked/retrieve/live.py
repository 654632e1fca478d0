"""The search index of a knowledge base kept current, and what is cached for it.

The index is rebuilt (or loaded from its on-disk cache) when the store's generation moves on; the
generation is bumped by the database itself, so a change made by another process or by the sqlite3
shell is seen at the next question. Everything derived is cached in :class:`GenerationCache`:
query vectors, recent searches (so the answer and the related questions of one question cost one
search), pairs read from the store (most of an answer's cost), and filter postings.

Reads never hold a lock that a write holds. A search's pairs are read from the store in one
snapshot *at the index's generation*; when the knowledge base changed meanwhile, :class:`StaleIndex`
is raised and the caller searches again on the new index, so a score is never shown beside
another pair (pairs are matched to scores by rowid, never by position).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np

from ..errors import IndexNotReady, StaleIndex
from ..models import Pair
from ..store import Store
from ..store.search_rows import filter_fields
from .embed import Embedder
from .filters import Postings, build_postings
from .fusion import Weights
from .index import Candidates, Searchable, SearchIndex
from .memo import GenerationCache
from .segments import SegmentedIndex

SHARED_CANDIDATES = 50
"""Candidates one search keeps: enough for the answers and for choosing related questions."""
PAIR_CACHE = 4096
"""Pairs kept in memory between questions (a few MB)."""
QUERY_VECTORS = 1024
RECENT_SEARCHES = 64


class LiveIndex:
    """One store's current search index, built on demand, and its caches. Safe from many threads."""

    def __init__(self, store: Store, embedder: Callable[[], Embedder], *, live: bool = False) -> None:
        self.store = store
        self._embedder = embedder
        self.live = live
        """Follow edits with a delta segment and a removal mask (retrieve/segments.py), not a rebuild."""
        self._index: Searchable | None = None
        self._building = threading.Lock()
        self.vectors: GenerationCache[np.ndarray] = GenerationCache(QUERY_VECTORS)
        self.searches: GenerationCache[Candidates] = GenerationCache(RECENT_SEARCHES)
        self.pairs: GenerationCache[Pair] = GenerationCache(PAIR_CACHE)
        self.postings: GenerationCache[Postings] = GenerationCache(1)
        self._local = threading.local()

    def current(self) -> Searchable:
        """The index as of the store's generation now (built, or loaded from its cache, when stale).

        Called inside a snapshot, "now" is the snapshot's generation; when another thread has
        already built a newer index, :class:`StaleIndex` says: take a newer snapshot."""
        generation = self.store.generation()
        index = self._index
        if index is not None and index.generation == generation:
            return index
        if self.store.in_write():
            # Asked inside a write of one's own: an index of uncommitted changes, for this caller
            # only (never shared, never cached on disk: the write may yet be rolled back).
            return SearchIndex(self.store, self._embedder(), use_cache=False)
        ready_only = getattr(self._local, "ready_only", False)
        if ready_only and not (self.live and isinstance(index, SegmentedIndex)):
            raise IndexNotReady  # (a full build: seconds)
        # One build at a time; the others then find it built. A caller that must not wait (the
        # event loop) does not queue behind a build another thread has begun: it hands over.
        if not self._building.acquire(blocking=not ready_only):
            raise IndexNotReady
        try:
            return self._current(generation, ready_only)
        finally:
            self._building.release()

    def _current(self, generation: int, ready_only: bool) -> Searchable:
        """:meth:`current`'s build or catch-up, under ``_building``."""
        index = self._index
        if index is not None and index.generation > generation:
            raise StaleIndex
        if self.live:  # a delta segment and a mask, not a rebuild (the live_index setting)
            if not isinstance(index, SegmentedIndex):
                index = SegmentedIndex(self.store, self._embedder(),
                                       index if isinstance(index, SearchIndex) else None)
                self._index = index
            else:
                index.refresh(full_ok=not ready_only)  # (from the change log: milliseconds)
            if index.generation != generation:  # (refreshed past this snapshot: take a newer one)
                raise StaleIndex
            return index
        if index is None or index.generation != generation:
            index = SearchIndex(self.store, self._embedder())
            self._index = index
        return index

    @contextmanager
    def ready_only(self) -> Iterator[None]:
        """In this thread, answer only from an index that is ready or that live segments bring up
        to date from the change log (milliseconds): a full build raises :class:`IndexNotReady`
        instead of taking seconds (the HTTP server's event loop)."""
        self._local.ready_only = True
        try:
            yield
        finally:
            self._local.ready_only = False

    def use(self, index: Searchable) -> None:
        """Answer from this index (one built with other options) for as long as it is current."""
        self._index = index

    def ready(self) -> bool:
        """Whether the index is built and current, or live segments that catch up in milliseconds
        (answering then takes milliseconds; where the change log cannot say, ``ready_only`` still
        refuses the full build)."""
        index = self._index
        if self.live and isinstance(index, SegmentedIndex):
            return True
        return index is not None and index.generation == self.store.generation()

    def vector(self, text: str) -> np.ndarray:
        cached = self.vectors.get(text)
        if cached is None:
            cached = self._embedder().embed([text])[0]
            self.vectors.put(text, 0, cached)
        return cached

    def search(
        self, index: Searchable, question: str, k: int, weights: Weights, mask: np.ndarray | None = None
    ) -> Candidates:
        """Candidates for a question. Unfiltered searches are kept for a moment, so that the answer
        and the related questions of one question (the page, the HTTP API) cost one search."""
        if mask is not None or k > SHARED_CANDIDATES or self.store.in_write():
            return index.search(question, self.vector(question), k, weights, mask)
        key = (question, index.layout)  # (live segments: positions move at a merge)
        found = self.searches.get(key, index.generation)
        if found is None:
            found = index.search(question, self.vector(question), SHARED_CANDIDATES, weights)
            self.searches.put(key, index.generation, found)
        return head(found, k)

    def pairs_at(self, index: Searchable, positions: Iterable[int]) -> list[Pair]:
        """The pairs at these index positions, in order, as of the index's generation.

        Read in one snapshot of the store that is checked to be at that generation; any other
        generation (a write since the index was built) raises :class:`StaleIndex`."""
        generation = index.generation
        rowids = [int(index.rowids[i]) for i in positions]
        if self.store.in_write():  # uncommitted: read, never cache (the write may be rolled back)
            fresh = self.store.pairs_as_of(rowids, generation)
            if fresh is None or len(fresh) != len(set(rowids)):
                raise StaleIndex
            return [fresh[r] for r in rowids]
        found: dict[int, Pair] = {}
        for rowid in rowids:
            pair = self.pairs.get(rowid, generation)
            if pair is not None:
                found[rowid] = pair
        missing = [r for r in rowids if r not in found]
        if missing:
            fresh = self.store.pairs_as_of(missing, generation)
            if fresh is None or len(fresh) != len(set(missing)):
                raise StaleIndex
            for rowid, pair in fresh.items():
                self.pairs.put(rowid, generation, pair)
            found.update(fresh)
        return [found[r] for r in rowids]

    def filter_postings(self, index: Searchable) -> Postings:
        """(field, value) -> positions of the pairs that have it; built once per index generation."""
        key = index.layout  # (live segments: positions move at a merge)
        postings = None if self.store.in_write() else self.postings.get(key, index.generation)
        if postings is None:
            with self.store.snapshot() as db:
                if self.store.generation() != index.generation:
                    raise StaleIndex
                rows = filter_fields(db)
            postings = build_postings(index.rowids, rows)
            if not self.store.in_write():
                self.postings.put(key, index.generation, postings)
        return postings


def head(found: Candidates, k: int) -> Candidates:
    """The first ``k`` of ranked candidates."""
    return Candidates(
        order=found.order[:k],
        fused=found.fused[:k],
        signals={name: values[:k] for name, values in found.signals.items()},
        matched_text=found.matched_text[:k],
    )
