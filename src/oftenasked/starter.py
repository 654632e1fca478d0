"""The bundled starter knowledge base: the seed page and MedQuAD, with precomputed vectors.

It is built once into the user's cache folder (a few seconds: the vectors ship with the
package, so nothing is embedded) and answers questions until the user ingests their own.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import OftenaskedError
from .store import Store

SOURCES = ("often-asked-lower-back-running.txt", "medquad.jsonl.gz")
VECTORS = "vectors.npz"


def _data(name: str) -> bytes:
    return resources.files("oftenasked.data.starter").joinpath(name).read_bytes()


def load_vectors() -> dict[str, np.ndarray]:
    """Text hash → vector (float32), from the shipped int8 file."""
    import io

    with np.load(io.BytesIO(_data(VECTORS))) as data:
        hashes, codes, scales = data["hashes"], data["codes"], data["scales"]
        model = str(data["model"]) if "model" in data else ""
    from .retrieve.embed import MiniLM

    if model != MiniLM.name:  # stored under another model's name they would never be found, only re-embedded
        made_by = model or "an older model"
        raise OftenaskedError(f"starter vectors made by {made_by}, not {MiniLM.name}: run scripts/build_starter_vectors.py")
    vectors = codes.astype(np.float32) * (scales[:, None] / 127.0)
    return {str(h): v for h, v in zip(hashes, vectors)}


def fingerprint() -> str:
    digest = hashlib.sha1()
    for name in (*SOURCES, VECTORS):
        digest.update(_data(name))
    return digest.hexdigest()[:12]


def starter_folder() -> Path:
    """Where the starter knowledge base is built (the user cache, or ``OFTENASKED_CACHE``)."""
    import platformdirs

    return Path(os.environ.get("OFTENASKED_CACHE") or platformdirs.user_cache_dir("oftenasked"))


def is_starter(path: str | Path) -> bool:
    """Whether ``path`` is a starter knowledge base built by :func:`starter_kb_path` (a cache file,
    rebuilt at will): one in the starter's folder, not any file that happens to share its name."""
    candidate = Path(path)
    if not (candidate.name.startswith("starter-") and candidate.name.endswith(".sqlite")):
        return False
    try:
        return candidate.resolve().parent == starter_folder().resolve()
    except OSError:
        return False


def starter_kb_path(progress: bool = False) -> Path:
    """The starter knowledge base file, built on first use."""
    from .retrieve.embed import MiniLM
    from .store.writer import SourceWriter, rederive_texts

    folder = starter_folder()
    path = folder / f"starter-{fingerprint()}.sqlite"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    if progress:
        print("oftenasked: building the starter knowledge base (once, a few seconds)...", flush=True)
    # Build beside the final file and rename, so a half-built file is never seen.
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".sqlite.tmp")
    os.close(handle)
    try:
        store = Store(tmp)
        with store.transaction():
            store.put_vectors(MiniLM.name, load_vectors())
        rederive_texts(store)  # (records the texts recipe, as opening a knowledge base does)
        # Every vector is already stored, so the model is never called (nor loaded: it is asked for
        # only when a text has no vector).
        writer = SourceWriter(store, _LazyModel())
        writer.write([(f"starter:{name}", _data(name)) for name in SOURCES], all_or_nothing=True)
        store.to_single_file()
        store.close()
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
    return path


class _LazyModel:
    """The real model's name and size, loading the model only if a text has no shipped vector."""

    def __init__(self) -> None:
        from .retrieve.embed import MiniLM

        self.name = MiniLM.name
        self.dim = MiniLM.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        from .retrieve.embed import default_embedder

        return default_embedder().embed(texts)
