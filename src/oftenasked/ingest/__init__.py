"""Ingest: read FAQ sources of every format into :class:`RawPair` records.

``read_source`` takes bytes and a name and picks the reader by file name, then by content.
Readers are pure functions ``(text, origin) -> ReadResult`` (documents' readers take the bytes);
every pair they find is then checked (``checks``); collecting files and URLs is ``sources``'s job,
storing is the store's.
"""

from __future__ import annotations

import codecs
import csv
import glob
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, TypeVar

from ..errors import IngestError
from .checks import check_pairs
from .documents import BINARY_READERS, detect_binary
from .html import read_html
from .jsonfile import read_json
from .jsonlines import read_jsonlines
from .markdown import read_markdown
from .plaintext import read_plaintext
from .records import RawPair, ReadResult
from .sniff import sniff
from .tabular import read_csv, read_tsv
from .xmlfile import read_xml

__all__ = ["RawPair", "ReadResult", "Reader", "READERS", "detect_format", "decode", "read_source", "expand_paths",
           "BINARY_READERS"]

Reader = Callable[[str, str], ReadResult]
"""A text reader; documents' readers (``BINARY_READERS``) take the bytes instead."""

READERS: dict[str, Callable[[Any, str], ReadResult]] = {
    "text": read_plaintext,
    "jsonl": read_jsonlines,
    "html": read_html,
    "markdown": read_markdown,
    "csv": read_csv,
    "tsv": read_tsv,
    "json": read_json,
    "xml": read_xml,
    **BINARY_READERS,
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
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
}

MAX_BYTES = 200 * 1024 * 1024
# A valid UTF-8 sequence of two to four bytes, and any byte above ASCII.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)


def _gunzip(data: bytes, origin: str) -> bytes:
    """Every member of a gzip file (``cat a.gz b.gz`` is one valid file), bounded in total size."""
    out: list[bytes] = []
    size = 0
    rest = data
    while rest:
        inflate = zlib.decompressobj(wbits=31)  # bounded, so that a small bomb cannot fill memory
        try:
            chunk = inflate.decompress(rest, MAX_BYTES + 1 - size)
        except zlib.error as exc:
            raise IngestError(origin, f"damaged gzip data ({exc})") from None
        size += len(chunk)
        out.append(chunk)
        if size > MAX_BYTES or inflate.unconsumed_tail:
            raise IngestError(origin, f"too large once unpacked (over {MAX_BYTES} bytes)")
        if not inflate.eof:
            raise IngestError(origin, "damaged gzip data (it ends too soon)")
        rest = inflate.unused_data
        if rest and rest[:2] != b"\x1f\x8b":
            if rest.strip(b"\x00"):  # zero padding after the last member is common (tape blocks); anything else is not
                raise IngestError(origin, "damaged gzip data (bytes after the last member)")
            break
    return b"".join(out)


def _utf8_error(data: bytes, exc: UnicodeDecodeError, origin: str) -> IngestError:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return IngestError(origin, f"invalid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); save the file as UTF-8"
                       " or declare its encoding", line=line)


def _mostly_utf8(data: bytes) -> bool:
    """Whether non-ASCII text in ``data`` is mostly valid UTF-8: then an invalid byte is damage, not a legacy encoding."""
    valid = len(_UTF8_SEQUENCE.findall(data))
    return valid > 0 and valid >= len(_HIGH_BYTE.findall(data)) // 4


def decode(data: bytes, origin: str) -> str:
    """Bytes to text: gzip is unpacked, a BOM honoured, UTF-8 tried, then a declared charset, then Windows-1252.

    A file that is UTF-8 but for some damaged bytes is refused with the line of the first one, so that
    nothing is stored as mojibake; a file with no UTF-8 in it at all is a legacy (Windows-1252) file.
    """
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, origin)
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(origin, f"invalid UTF-32 ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(origin, "binary data, not a text file")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                if codec == "utf-8-sig":
                    raise _utf8_error(data, exc, origin) from None
                raise IngestError(origin, f"invalid UTF-16 ({exc.reason} at byte {exc.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_error = exc
    declared = _DECLARED.search(data[:4096])  # <meta charset=...>, <?xml encoding=...?>
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            return data.decode(name)
        except LookupError:
            pass
        except UnicodeDecodeError as exc:
            if codecs.lookup(name).name == "utf-8":
                raise _utf8_error(data, exc, origin) from None
    if _mostly_utf8(data):
        raise _utf8_error(data, first_error, origin)
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


def read_source(data: bytes, origin: str, fmt: str | None = None, *, strict: bool = False) -> ReadResult:
    """Read one source; raises :class:`IngestError` naming the origin on any problem.

    A well-formed record that cannot be used (an empty answer, no question and no title) is skipped
    and reported in ``dropped`` with its line; with ``strict`` it fails the source instead.
    """
    if len(data) > MAX_BYTES:
        raise IngestError(origin, f"too large ({len(data)} bytes; the limit is {MAX_BYTES})")
    if fmt is not None and fmt not in READERS:
        raise IngestError(origin, f"unknown format {fmt!r}; known: {', '.join(sorted(READERS))}")
    document = fmt if fmt in BINARY_READERS else None if fmt else detect_binary(origin, data)
    if document is not None:  # documents: PDF, Word, Excel
        reader = BINARY_READERS[document]
        result = _guarded(lambda: reader(data, origin), origin, document)
    else:
        text = decode(data, origin)
        found = fmt or _guarded(lambda: detect_format(origin, text), origin, "text")
        result = _guarded(lambda: READERS[found](text, origin), origin, found)
    if strict and result.skipped:
        raise result.skipped[0]
    if not result.pairs:
        if result.skipped:  # named by the first record left out, so that the fix is easy to find
            first = result.skipped[0]
            raise IngestError(origin, f"{first.problem}; no usable question-and-answer pairs"
                              f" ({len(result.skipped)} records skipped)", line=first.line, field=first.field)
        raise IngestError(origin, "no question-and-answer pairs found")
    check_pairs(origin, result.pairs, result.dropped)
    return result


T = TypeVar("T")


def _guarded(step: Callable[[], T], origin: str, fmt: str) -> T:
    """Run a reading step; its blind spots (a file nested 100k deep, a codec a page names) fail this source only."""
    try:
        return step()
    except IngestError:
        raise
    except RecursionError:
        raise IngestError(origin, f"cannot be read as {fmt}: nested too deeply") from None
    except (ValueError, LookupError, csv.Error, zlib.error) as exc:
        raise IngestError(origin, f"cannot be read as {fmt} ({type(exc).__name__}: {exc})") from None


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
