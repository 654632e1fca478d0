"""One BLAS thread while a query is scored.

The product of a query vector and a matrix of vectors is bound by memory bandwidth: a second
BLAS thread buys nothing, and on a busy two-core machine its synchronisation costs more than
the product (48k x 384 floats: 12 ms with OpenBLAS' two threads, 2-3 ms with one, measured
on the benchmark machine). Queries from many server threads run side by side anyway.
The limit is set around each search and restored after it (about 0.15 ms: threadpoolctl asks every
loaded library); a process that only answers questions (the server) pins it once instead.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

_BLAS: Any = None
_PINNED = False


def pin_one_blas_thread() -> None:
    """Make one BLAS thread the rule for this whole process; searches then skip setting it."""
    global _PINNED
    if _controller():
        _BLAS.limit(limits=1)  # not restored: it holds for the life of the process
    _PINNED = True


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which numpy's BLAS uses one thread (no-op without threadpoolctl)."""
    if _PINNED or not _controller():
        return nullcontext()
    limiter: AbstractContextManager[Any] = _BLAS.limit(limits=1)
    return limiter


def _controller() -> Any:
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController().select(user_api="blas")
        except ImportError:  # pragma: no cover - a core dependency
            _BLAS = False
    return _BLAS
