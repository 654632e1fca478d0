"""The on-disk cache of a knowledge base's search index: ``<kb>.index/`` beside the SQLite file.

The search index is derived state. Building it means reading every vector blob and
tokenising every text, seconds at the starter's 16k pairs and minutes at a million; a new
process (``oftenasked ask``) must not pay that. So the built index is saved as plain files
(numpy arrays, memory-mapped when read; bm25s' own files; the faiss index) with a stamp
saying what it was built from. A cache is used only when its stamp equals the stamp of the
knowledge base now: generation counter, embedding model, counts, the file's identity and a
digest of the newest pairs' content hashes. Anything else (no cache, a different stamp, an
unreadable file) means: rebuild, and replace the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..store import Store, segment_rows
from ..store.search_rows import stamp_counts
from .fusion import tuning

FORMAT = 4
"""Bumped whenever the files' layout changes; old caches are then rebuilt. (3: BM25 keeps each pair's length;
4: the stamp holds the change-log position the index was built at.)"""


def folder_for(store: Store) -> Path | None:
    """Where the cache of this store lives; None for an in-memory store."""
    if store.path in ("", ":memory:") or store.path.startswith("file::memory:") or "://" in store.path:  # or a server
        return None
    return Path(store.path + ".index")


def stamp(store: Store, model: str, dim: int) -> dict[str, Any]:
    """What the index of this store would be built from, cheaply (a few small queries)."""
    logged = store.schema_version >= segment_rows.CHANGE_LOG_VERSION
    with store.snapshot() as db:
        pairs, max_rowid, texts, newest = stamp_counts(db)
        generation = store.generation()
        seq = segment_rows.last_change(db) if logged else None
        seq_pair = segment_rows.change_at(db, seq) if seq else None
    digest = hashlib.sha1("".join(newest).encode()).hexdigest()
    try:
        identity = os.stat(store.path).st_ino
    except OSError:
        identity = 0
    return {
        "format": FORMAT,
        "tuning": tuning()["version"],
        "generation": generation,
        "model": model,
        "dim": dim,
        "pairs": int(pairs),
        "max_rowid": int(max_rowid),
        "texts": int(texts),
        "newest": digest,
        "file": identity,
        "seq": seq,
        "seq_pair": seq_pair,
    }


IDENTITY = ("format", "tuning", "model", "dim", "file")
"""What a cache built at an older generation must share with the knowledge base now to be a
starting point for live segments (which then take in the changes logged since its ``seq``)."""


def stale(folder: Path | None, expected: dict[str, Any]) -> dict[str, Any] | None:
    """The stamp of a complete cache in ``folder`` built from an older state of this same knowledge
    base (same file, model and format; a change-log position to catch up from); None otherwise.

    Only live segments use one (``retrieve/segments.py``): they mask and re-index what the change
    log says changed since, so a new process after an edit loads the cache instead of rebuilding
    (about 2 minutes at a million pairs)."""
    if folder is None:  # (no sweep: :func:`fresh`, asked first, has swept)
        return None
    try:
        found = json.loads((folder / "stamp.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or any(found.get(key) != expected[key] for key in IDENTITY):
        return None
    if not isinstance(found.get("seq"), int) or not isinstance(found.get("generation"), int):
        return None
    # Strictly older: at the same generation any other stamp means another knowledge base.
    if expected["seq"] is None or found["seq"] > expected["seq"] or found["generation"] >= expected["generation"]:
        return None
    return found


def fresh(folder: Path | None, expected: dict[str, Any]) -> bool:
    """True when ``folder`` holds a complete cache built from exactly ``expected``.

    Staging folders that a killed process left beside it are removed first (see :func:`sweep`).
    """
    if folder is None:
        return False
    sweep(folder)
    try:
        return bool(json.loads((folder / "stamp.json").read_text()) == expected)
    except (OSError, ValueError):
        return False


_LEFTOVER_SECONDS = 3600
"""A staging folder without a process id (older versions) is left over once this old."""


def staging(folder: Path) -> Path:
    """A new empty folder beside ``folder`` to write a cache into before :func:`publish`.

    Its name carries this process's id, so that :func:`sweep` can tell a save in progress from
    one that a killed process left.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{folder.name}.tmp-{os.getpid()}-", dir=folder.parent))


def sweep(folder: Path) -> int:
    """Remove the staging and replaced-cache folders beside ``folder`` whose process is gone
    (``kill -9`` during a save leaves one, as large as the index); how many were removed."""
    removed = 0
    try:
        leftovers = [p for p in folder.parent.iterdir()
                     if p.name.startswith((f"{folder.name}.tmp-", f"{folder.name}.old-")) and p.is_dir()]
    except OSError:
        return 0
    for path in leftovers:
        rest = path.name[len(folder.name) + len(".tmp-") :]
        owner = rest.split("-", 1)[0] if "-" in rest else ""
        alive = _alive(int(owner)) if owner.isdigit() else None
        if alive:
            continue
        if alive is None:  # no process id to ask about: left over once it is old
            try:
                if time.time() - path.stat().st_mtime < _LEFTOVER_SECONDS:
                    continue
            except OSError:
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs; None where that cannot be asked (Windows' os.kill ends it)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: leave its folder
    return True


def publish(staged: Path, folder: Path, stamp_value: dict[str, Any]) -> None:
    """Make the staged files the cache: stamp written last, folder swapped in by rename.

    A reader sees the old cache, no cache, or the new one; never half of one (the stamp is
    the last file written, and a stale or missing stamp is never trusted).
    """
    (staged / "stamp.json").write_text(json.dumps(stamp_value, sort_keys=True))
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f"{folder.name}.old-{os.getpid()}-", dir=folder.parent))
        os.replace(folder, old / "index")
    try:
        os.replace(staged, folder)
    except OSError:
        shutil.rmtree(staged, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def derived(folder: Path | None, expected: dict[str, Any], name: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """An array derived from the indexed data, kept in the cache when it is fresh (computed once:
    the first pass's basis is an eigendecomposition, seconds on a busy machine, for every new process)."""
    if folder is None or not fresh(folder, expected):
        return compute()
    path = folder / name
    try:
        return np.asarray(np.load(path))
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        staged = folder / f".{name}.{os.getpid()}.tmp"
        with open(staged, "wb") as out:
            np.save(out, value)
        os.replace(staged, path)  # a reader sees no file or the whole file
    except OSError:
        pass
    return value


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
