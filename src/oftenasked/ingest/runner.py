"""Where the reading and the embedding of sources run: in this process, or on a cluster.

Both steps are pure functions of their input, so they can run anywhere; the writer alone
touches the store (writer.py). The local runner is the default; ``ingest.distributed`` sends
the same steps to a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from ..errors import IngestError
from ..retrieve.embed import Embedder
from . import ReadResult, read_source

Progress = Callable[[str, int, int], None]
Source = tuple[str, bytes | IngestError]

EMBED_BATCH = 256
"""Texts per embedding call. Fixed, and the batches made in one place (the writer), so that a text's
vector never depends on where it was computed: the model quantises its activations per call."""


class Runner(Protocol):
    """Runs the pure steps of an ingest; results come back in the order of the input."""

    def read(
        self, sources: Sequence[Source], fmt: str | None, strict: bool, progress: Progress | None
    ) -> list[ReadResult | IngestError]: ...

    def embed(self, embedder: Embedder, batches: Sequence[list[str]], progress: Progress | None) -> list[np.ndarray]: ...


def read_one(origin: str, data: bytes | IngestError, fmt: str | None, strict: bool) -> ReadResult | IngestError:
    """Read one source; its error is returned, not raised, so that a cluster hands it back like a result."""
    try:
        if isinstance(data, IngestError):  # could not be read or fetched
            return data
        if not data:
            raise IngestError(origin, "empty file, or it cannot be read")
        return read_source(data, origin, fmt, strict=strict)
    except IngestError as exc:
        return exc


class LocalRunner:
    """Reads and embeds in this process, one source and one batch after another."""

    def read(
        self, sources: Sequence[Source], fmt: str | None, strict: bool, progress: Progress | None
    ) -> list[ReadResult | IngestError]:
        return [read_one(origin, data, fmt, strict) for origin, data in sources]

    def embed(self, embedder: Embedder, batches: Sequence[list[str]], progress: Progress | None) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        total, done = sum(map(len, batches)), 0
        for batch in batches:
            out.append(embedder.embed(batch))
            done += len(batch)
            if progress:
                progress("embedding", done, total)
        return out
