"""The one cache of oftenasked: a small thread-safe LRU whose entries hold for one generation.

Keyed by anything hashable and stamped with the knowledge base's generation (bumped by the
database on every change, ``store/migrations.py``), so any change makes every older entry stale at
once. Used for query vectors (generation 0: a text's vector never goes stale), recent searches,
pairs read from the store, filter postings, and the HTTP API's rendered answers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class GenerationCache(Generic[V]):
    """At most ``size`` values, each valid only for the generation it was computed at."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[int, V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, generation: int = 0) -> V | None:
        if self.size <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != generation:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: Hashable, generation: int, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = (generation, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
