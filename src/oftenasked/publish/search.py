"""Static search: Pagefind (``[site]`` extra) indexes the written pages into ``pagefind/``.

Pagefind is a Rust program shipped on PyPI with its binary (``pagefind_bin``); it writes a
compressed, chunked index and a small WebAssembly search library that the browser loads from the
site itself, so searching needs no server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import MissingExtraError, OftenaskedError

FOLDER = "pagefind"


def pagefind_executable() -> str:
    """The Pagefind binary, or a clear error saying what to install."""
    try:
        import pagefind_bin
    except ImportError:
        raise MissingExtraError("the static site's search (Pagefind)", "site") from None
    try:
        return str(pagefind_bin.get_executable())
    except FileNotFoundError:
        raise MissingExtraError("the static site's search (the Pagefind binary)", "site") from None


def index_site(folder: Path) -> None:
    """Index the question pages of a written site (only their ``data-pagefind-body`` part)."""
    command = [pagefind_executable(), "--site", str(folder), "--output-subdir", FOLDER, "--glob", "q/*.html",
               "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise OftenaskedError(f"Pagefind could not index {folder}: " + " / ".join(detail))
