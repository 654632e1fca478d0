"""Documents people keep their FAQs in: PDF, Word (DOCX) and Excel (XLSX), behind the ``documents`` extra.

Each reader turns its document into Markdown lines (headings as ``#``, bold runs as ``**``, lists as
``-``/``1.``, tables as Markdown tables) and reads them with the Markdown reader, so that a document
and a Markdown file with the same layout give the same pairs: bold, numbered or ``Q:`` questions,
headings that ask, and for manuals whose headings don't ask, QnA Maker's rule: each heading is a
question and the content under it its answer (marked ``question_from: heading``). Sheets are read
like CSV files, one sheet after another. Line numbers in messages are those of the document's
paragraphs (PDF: its pages).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from ...errors import IngestError, MissingExtraError
from ..records import ReadResult

BinaryReader = Callable[[bytes, str], ReadResult]
MAX_UNPACKED = 200 * 1024 * 1024
"""DOCX and XLSX are zip files: their members are bounded in total, so a small bomb can't fill memory."""
_SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".docm": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx"}


def detect_binary(name: str, data: bytes) -> str | None:
    """``pdf``, ``docx`` or ``xlsx`` for a document (by its name, else its first bytes), else None."""
    suffix = Path(name.lower().split("?", 1)[0]).suffix
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def open_zip(data: bytes, origin: str, kind: str) -> None:
    """Check that ``data`` is a zip whose unpacked size is bounded, before a library opens it."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise IngestError(origin, f"not a readable {kind} file ({exc})") from None
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED:
        raise IngestError(origin, f"too large once unpacked ({total} bytes; the limit is {MAX_UNPACKED})")


def need(module: str, feature: str, origin: str) -> None:
    """Fail this source with an install hint when the documents extra is missing (the other sources go on)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise IngestError(origin, MissingExtraError(feature, "documents").message)


def read_pdf(data: bytes, origin: str) -> ReadResult:
    from .pdf import read_pdf as read

    return read(data, origin)


def read_docx(data: bytes, origin: str) -> ReadResult:
    from .docx import read_docx as read

    return read(data, origin)


def read_xlsx(data: bytes, origin: str) -> ReadResult:
    from .xlsx import read_xlsx as read

    return read(data, origin)


BINARY_READERS: dict[str, BinaryReader] = {"pdf": read_pdf, "docx": read_docx, "xlsx": read_xlsx}
