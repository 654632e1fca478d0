"""Store: the knowledge base as one SQLite file."""

from .sqlite import PairRow, Store

__all__ = ["PairRow", "Store"]
