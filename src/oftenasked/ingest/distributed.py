"""Distributed ingest on Dask distributed: sources are read, cleaned and embedded on a cluster.

The writer still plans and writes here, in one transaction (writer.py): the cluster only runs the
pure steps (:func:`~oftenasked.ingest.runner.read_one` per source, the model per batch of texts).
So a worker that dies mid-way costs nothing but time: Dask runs its tasks again on another worker
(up to ``distributed.scheduler.allowed-failures`` times), and since nothing is written before every
result is back, nothing is lost or written twice. The batches are made by the writer exactly as on
one machine, so every text gets the same vector wherever it is computed.

Dask rather than Ray: a local cluster of two worker processes starts in about 2 s and 63 MB here,
it is pure Python on the PyData stack we already use (numpy, cloudpickle, psutil, tornado), and a
cluster is an address (``dask scheduler`` / ``dask worker ADDRESS`` on any machines).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import IngestError, MissingExtraError, OftenaskedError
from ..retrieve.embed import Embedder, MiniLM
from .records import ReadResult
from .runner import Progress, Source, read_one

if TYPE_CHECKING:
    from distributed import Client, Future

SOURCES_PER_TASK = 16
"""Sources read by one task: small files are many, and a task costs about a millisecond to schedule."""


def _dask() -> Any:
    try:
        import dask
        import distributed
    except ImportError:
        raise MissingExtraError("distributed ingest (--cluster, --workers)", "distributed") from None
    return dask, distributed


@dataclass(frozen=True)
class ModelSpec:
    """The bundled model, by name: a worker loads it once from its own install instead of receiving it."""

    name: str
    max_length: int


@lru_cache(maxsize=2)
def _model(spec: ModelSpec) -> MiniLM:
    # One model thread per task unless told otherwise: a worker runs as many tasks at once as it has threads.
    threads = os.environ.get("OFTENASKED_MODEL_THREADS", "")
    model = MiniLM(max_length=spec.max_length, threads=int(threads) if threads.isdigit() and int(threads) > 0 else 1)
    if model.name != spec.name:
        raise OftenaskedError(f"this worker's model is {model.name}, not {spec.name}: install the same oftenasked")
    return model


def _read_group(group: list[tuple[str, bytes | IngestError]], fmt: str | None, strict: bool) -> list[ReadResult | IngestError]:
    return [read_one(origin, data, fmt, strict) for origin, data in group]


def _embed(embedder: Embedder | ModelSpec, texts: list[str]) -> np.ndarray:
    model = _model(embedder) if isinstance(embedder, ModelSpec) else embedder
    return model.embed(texts)


def portable(embedder: Embedder) -> Embedder | ModelSpec:
    """What is sent to the workers for an embedder: the bundled model by name, others (test doubles) as they are."""
    if isinstance(embedder, MiniLM):
        return ModelSpec(embedder.name, embedder.max_length)
    return embedder


class DaskRunner:
    """Runs the reading and embedding of an ingest on a Dask cluster (implements ``runner.Runner``).

    >>> with DaskRunner.local(workers=2) as runner:           # doctest: +SKIP
    ...     kb.ingest(["faq/"], runner=runner)
    """

    def __init__(self, client: Client, cluster: Any = None) -> None:
        self.client = client
        self._cluster = cluster

    @classmethod
    def local(cls, workers: int, threads_per_worker: int = 1) -> DaskRunner:
        """A cluster of ``workers`` processes on this machine, closed with the runner."""
        if workers < 1:
            raise OftenaskedError("--workers must be at least 1")
        _, distributed = _dask()
        # Its HTTP endpoints on a free port: another cluster on this machine may hold Dask's 8787.
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=threads_per_worker, processes=True, dashboard_address=":0",
        )
        return cls(distributed.Client(cluster), cluster)

    @classmethod
    def connect(cls, address: str, timeout: float = 30) -> DaskRunner:
        """A running cluster's scheduler (``tcp://host:8786``); its workers need this version of oftenasked."""
        _, distributed = _dask()
        try:
            client = distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise OftenaskedError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        return cls(client)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the Runner protocol ------------------------------------------------------------
    def read(
        self, sources: Sequence[Source], fmt: str | None, strict: bool, progress: Progress | None
    ) -> list[ReadResult | IngestError]:
        groups = [list(sources[i : i + SOURCES_PER_TASK]) for i in range(0, len(sources), SOURCES_PER_TASK)]
        futures = self._submit(_read_group, [(group, fmt, strict) for group in groups])
        weights = [len(group) for group in groups]
        return [result for found in self._gather(futures, weights, "reading", progress) for result in found]

    def embed(self, embedder: Embedder, batches: Sequence[list[str]], progress: Progress | None) -> list[np.ndarray]:
        spec = portable(embedder)
        futures = self._submit(_embed, [(spec, batch) for batch in batches])
        return self._gather(futures, [len(b) for b in batches], "embedding", progress)

    # -- helpers --------------------------------------------------------------------------
    def _submit(self, func: Callable[..., Any], calls: list[tuple[Any, ...]]) -> list[Future]:
        dask, _ = _dask()
        # Sources travel inside their tasks rather than scattered to one worker: a worker that dies then
        # loses nothing the scheduler cannot hand to another. A large file is expected, not a mistake.
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GiB"}):
            return [self.client.submit(func, *args, pure=False) for args in calls]

    def _gather(self, futures: list[Future], weights: list[int], stage: str, progress: Progress | None) -> list[Any]:
        _, distributed = _dask()
        position = {future.key: i for i, future in enumerate(futures)}
        out: list[Any] = [None] * len(futures)
        total, done = sum(weights), 0
        try:
            for future, result in distributed.as_completed(futures, with_results=True):
                i = position[future.key]
                out[i] = result
                done += weights[i]
                if progress:
                    progress(stage, done, total)
        except distributed.KilledWorker as exc:
            raise OftenaskedError(f"the cluster lost the workers {stage} one task too often ({exc}); nothing was"
                                  " written") from None
        finally:
            for future in futures:
                future.release()
        return out
