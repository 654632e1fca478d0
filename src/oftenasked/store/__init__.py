"""Store: the knowledge base as one SQLite file, or in PostgreSQL (``postgresql://`` URLs)."""

from __future__ import annotations

from pathlib import Path

from .sqlite import PairRow, Store

__all__ = ["PairRow", "Store", "is_server_url", "open_store"]


def is_server_url(target: object) -> bool:
    """Whether a ``--kb`` names a database server (``postgresql://...``) rather than a file."""
    return isinstance(target, str) and target.lower().startswith(("postgresql://", "postgres://"))


def open_store(target: str | Path, *, readonly: bool = False) -> Store:
    """The store a ``--kb`` names: a PostgreSQL URL (the postgres extra) or an SQLite file."""
    if is_server_url(target):
        from .postgres import PostgresStore

        return PostgresStore(str(target), readonly=readonly)
    return Store(target, readonly=readonly)
