"""Word (DOCX) FAQ documents, read with python-docx: headings, bold and numbered questions, lists, tables.

Paragraphs and tables are read in document order. A heading style (``Heading 1``..``Heading 9``,
``Title``) becomes a Markdown heading; a paragraph whose text is all bold may be a question; list
paragraphs (``List Bullet``/``List Number`` styles or Word numbering) become list items; runs keep
their text exactly (spaces included), bold and italic runs their marks, hyperlinks their target.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ...errors import IngestError
from ..convert import safe_link
from ..records import ReadResult
from . import need, open_zip
from .outline import Outline

_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def _run_markdown(run: Any) -> tuple[str, bool]:
    """A run's text with its emphasis marks, and whether it is bold (blank runs count as bold)."""
    text = run.text or ""
    if not text.strip():
        return text, True
    bold = bool(run.bold) or bool(run.style is not None and run.style.font is not None and run.style.font.bold)
    inner = text.strip()
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    if bold:
        return f"{lead}**{inner}**{trail}", True
    if run.italic:
        return f"{lead}*{inner}*{trail}", False
    return text, False


def _paragraph(paragraph: Any) -> tuple[str, bool]:
    """A paragraph as inline Markdown, and whether all its text is bold."""
    from docx.text.hyperlink import Hyperlink

    parts: list[str] = []
    plain: list[str] = []
    all_bold = True
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            text = "".join(r.text or "" for r in item.runs)
            target = safe_link(item.address, None) if item.address else None
            inner = text.strip()
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
            parts.append(f"{lead}[{inner}]({target}){trail}" if target and inner else text)
            plain.append(text)
            all_bold = all_bold and all(bool(r.bold) for r in item.runs if (r.text or "").strip())
        else:
            markdown, bold = _run_markdown(item)
            parts.append(markdown)
            plain.append(item.text or "")
            all_bold = all_bold and bold
    text = "".join(plain)
    if paragraph.style is not None and paragraph.style.font is not None and paragraph.style.font.bold:
        all_bold = True
    markdown = "".join(parts).replace("****", "")  # adjacent bold runs are one bold span
    if all_bold and text.strip():
        return text.strip(), True
    return markdown.strip(), False


def _list_kind(paragraph: Any) -> tuple[bool, bool, int]:
    """(is a list item, is ordered, depth) from the paragraph's style or Word numbering."""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    ppr = paragraph._p.pPr
    numbered = ppr is not None and ppr.numPr is not None
    depth = 0
    if numbered and ppr.numPr.ilvl is not None:
        depth = int(ppr.numPr.ilvl.val or 0)
    lowered = style.lower()
    if "list number" in lowered:
        return True, True, depth
    if "list bullet" in lowered or "list paragraph" in lowered or numbered:
        return True, "number" in lowered, depth
    return False, False, 0


def read_docx(data: bytes, origin: str) -> ReadResult:
    need("docx", "Reading Word documents", origin)
    open_zip(data, origin, "Word (DOCX)")
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds for a damaged file
        raise IngestError(origin, f"not a readable Word (DOCX) file ({type(exc).__name__}: {exc})") from None
    outline = Outline(title=(document.core_properties.title or "").strip() or None)
    numbers: dict[int, int] = {}
    for place, block in enumerate(document.iter_inner_content(), start=1):
        if isinstance(block, Table):
            outline.table([[c.text for c in row.cells] for row in block.rows], place)
            numbers.clear()
            continue
        style = (block.style.name if block.style is not None else "") or ""
        heading = _HEADING.match(style.strip())
        if heading or style.strip().lower() == "title":
            outline.heading(int(heading.group(1)) if heading else 1, block.text, place)
            numbers.clear()
            continue
        markdown, bold = _paragraph(block)
        is_item, ordered, depth = _list_kind(block)
        if is_item and not (ordered and markdown.rstrip("*").rstrip().endswith("?")):
            numbers[depth] = numbers.get(depth, 0) + 1
            for deeper in [d for d in numbers if d > depth]:
                del numbers[deeper]
            outline.item(markdown, place, ordered=ordered, number=numbers[depth], depth=depth)
            continue
        numbers.clear()
        if is_item:  # a numbered question: "1. How do I ...?" written with Word's numbering
            markdown = f"1. {markdown}"
        outline.paragraph(markdown, place, bold=bold, numbered=is_item or bool(re.match(r"^\d{1,3}[.)]\s", markdown)))
    return outline.read(origin, "docx")
