"""Ingest: read FAQ sources of every format into :class:`RawPair` records.

``read_source`` takes bytes and a name and picks the reader by file name, then by content.
Readers are pure functions ``(text, origin) -> ReadResult``; storing is the store's job.
"""

from __future__ import annotations

import csv
import glob
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from fnmatch import fnmatch
from pathlib import Path

from ..errors import IngestError
from .html import read_html
from .jsonfile import read_json
from .jsonlines import read_jsonlines
from .markdown import read_markdown
from .plaintext import read_plaintext
from .records import RawPair, ReadResult
from .sniff import sniff
from .tabular import read_csv, read_tsv
from .xmlfile import read_xml

__all__ = ["RawPair", "ReadResult", "Reader", "READERS", "detect_format", "decode", "read_source", "expand_paths"]

Reader = Callable[[str, str], ReadResult]

READERS: dict[str, Reader] = {
    "text": read_plaintext,
    "jsonl": read_jsonlines,
    "html": read_html,
    "markdown": read_markdown,
    "csv": read_csv,
    "tsv": read_tsv,
    "json": read_json,
    "xml": read_xml,
}

_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonld": "json",
    ".xml": "xml",
}

MAX_BYTES = 200 * 1024 * 1024
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)


def decode(data: bytes, origin: str) -> str:
    """Bytes to text: gzip is unpacked, a BOM honoured, UTF-8 tried, then a declared charset, then Windows-1252."""
    if data[:2] == b"\x1f\x8b":
        try:
            inflate = zlib.decompressobj(wbits=31)  # gzip; bounded, so a small bomb cannot fill memory
            data = inflate.decompress(data, MAX_BYTES + 1)
        except zlib.error as exc:
            raise IngestError(origin, f"damaged gzip data ({exc})") from None
        if len(data) > MAX_BYTES:
            raise IngestError(origin, f"too large once unpacked (over {MAX_BYTES} bytes)")
        if not inflate.eof:
            raise IngestError(origin, "damaged gzip data (it ends too soon)")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(origin, "binary data, not a text file")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED.search(data[:4096])  # <meta charset=...>, <?xml encoding=...?>
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    # Legacy pages are mostly Windows-1252 (a superset of Latin-1 for printable text).
    return data.decode("cp1252", errors="replace")


def detect_format(name: str, text: str) -> str:
    """The reader for a source: by its file name, else by its first characters."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    suffix = Path(lowered).suffix
    if suffix in _SUFFIXES and _SUFFIXES[suffix] in READERS and _SUFFIXES[suffix] != "text":
        return _SUFFIXES[suffix]  # a .txt may hold anything: its content decides
    fmt = sniff(text)
    if fmt == "tsv" and "tsv" not in READERS:
        fmt = "csv"
    return fmt if fmt in READERS else "jsonl" if fmt == "json" and "jsonl" in READERS else "text"


def read_source(data: bytes, origin: str, fmt: str | None = None) -> ReadResult:
    """Read one source; raises :class:`IngestError` naming the origin on any problem."""
    if len(data) > MAX_BYTES:
        raise IngestError(origin, f"too large ({len(data)} bytes; the limit is {MAX_BYTES})")
    text = decode(data, origin)
    fmt = fmt or detect_format(origin, text)
    if fmt not in READERS:
        raise IngestError(origin, f"unknown format {fmt!r}; known: {', '.join(sorted(READERS))}")
    try:
        result = READERS[fmt](text, origin)
    except IngestError:
        raise
    except (ValueError, LookupError, RecursionError, csv.Error) as exc:  # a reader's blind spot: one source fails, not the run
        raise IngestError(origin, f"cannot be read as {fmt} ({type(exc).__name__}: {exc})") from exc
    if not result.pairs:
        raise IngestError(origin, "no question-and-answer pairs found")
    return result


def _wanted(path: Path, folder: Path, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """A file met in a folder: not hidden, a FAQ format (or matching ``include``), not matching ``exclude``."""
    relative = path.relative_to(folder)
    if any(part.startswith(".") for part in relative.parts) or not path.is_file():
        return False
    names = (relative.as_posix(), path.name)
    if any(fnmatch(n, pattern) for n in names for pattern in exclude):
        return False
    if include:
        return any(fnmatch(n, pattern) for n in names for pattern in include)
    name = path.name.lower().removesuffix(".gz")
    return Path(name).suffix in _SUFFIXES


def expand_paths(
    paths: Iterable[str | Path], *, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Path]:
    """Files named, found in folders (recursively) or matched by globs, in a stable order.

    In folders, hidden files and folders are skipped, and so are files of no FAQ format unless
    ``include`` globs (matched on the name or the path inside the folder) pick them; ``exclude``
    globs leave files out. Files named on their own are always read.
    """
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if _wanted(p, path, include, exclude)))
        elif path.exists():
            found.append(path)
        else:
            matches = sorted(Path(m) for m in glob.glob(str(item), recursive=True))
            if not matches:
                raise IngestError(str(item), "no such file")
            found.extend(m for m in matches if m.is_file())
    return found
