"""A small cache of rendered answers: often-asked questions are, by definition, asked again.

Keyed by the request and stamped with the knowledge base's generation, so any write (ingest,
edit, delete) makes every older entry stale at once. Thread-safe; bounded (least recently used
goes first).
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

    def get(self, key: Hashable, generation: int) -> V | None:
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
