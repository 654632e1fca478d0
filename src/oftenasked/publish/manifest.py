"""The build manifest: what the last build wrote, so that a rebuild rewrites only what changed.

It lives in the output folder (``oftenasked-site.json``): every file the site generator owns, with
the SHA-256 of its content, the day that content was first written (the sitemap's ``lastmod``), and
for a question page the ids of the pairs it shows as its answers (which keeps slugs stable) and a
digest of what it was made from (an unchanged page is not even rendered again).
Only files listed here are ever removed from the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

NAME = "oftenasked-site.json"
FORMAT = 1


@dataclass
class Entry:
    sha256: str
    day: str
    pairs: list[str] = field(default_factory=list)
    inputs: str = ""
    """A digest of everything a question page was made from: the same inputs make the same page,
    so a rebuild need not even render it."""


@dataclass
class Manifest:
    files: dict[str, Entry] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)

    def previous_slugs(self) -> dict[str, str]:
        """Pair id → slug of the question page that answered with it."""
        out: dict[str, str] = {}
        for path, entry in self.files.items():
            if path.startswith("q/") and path.endswith(".html"):
                for pair_id in entry.pairs:
                    out.setdefault(pair_id, path[2:-5])
        return out


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(folder: Path) -> Manifest:
    """The manifest of a folder: empty for a new or empty folder; an error for a folder of other files."""
    path = folder / NAME
    if not path.exists():
        if folder.exists() and any(folder.iterdir()):
            raise InputError(
                f"{folder} is not empty and holds no {NAME}: it was not made by 'oftenasked site'."
                " Choose a new or empty folder (nothing in it would be removed, but its files could be overwritten)."
            )
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        files = {str(k): Entry(str(v["sha256"]), str(v["day"]), [str(p) for p in v.get("pairs", [])],
                               str(v.get("inputs", "")))
                 for k, v in data["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a site manifest oftenasked can read ({exc}); remove the folder to rebuild it") from None
    return Manifest(files=files, settings={str(k): str(v) for k, v in data.get("settings", {}).items()})


def save(folder: Path, manifest: Manifest) -> None:
    data = {
        "format": FORMAT,
        "settings": manifest.settings,
        "files": {path: {"sha256": e.sha256, "day": e.day, **({"pairs": e.pairs} if e.pairs else {}),
                         **({"inputs": e.inputs} if e.inputs else {})}
                  for path, e in sorted(manifest.files.items())},
    }
    write_atomic(folder / NAME, json.dumps(data, ensure_ascii=False, indent=1).encode())


def write_atomic(path: Path, data: bytes) -> None:
    """Replace a file in one step: a reader (or a build stopped half-way) never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
