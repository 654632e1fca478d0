"""PDF FAQ documents, read with pdfplumber (pdfminer.six): lines with their fonts, then blocks.

A PDF has no paragraphs, only positioned characters, so structure comes from type: the size most
text is set in is the body; larger lines are headings (the largest level 1); a line set wholly in a
bold face may be a question, and bold words at the start of a line (a run-in question) keep their
``**``; lines closer together than the type's size join into one paragraph; "•"/"-" and "1." lines
are list items; tables (ruled) become Markdown tables. Lines repeated at the same place on most
pages (running headers, footers, page numbers) are dropped and reported. Places are page numbers.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from ...errors import IngestError
from ...models import Dropped
from ..records import ReadResult
from . import need
from .outline import Outline

MAX_PAGES = 2000
X_TOLERANCE = 3.0
"""Points between two characters that make them two words (pdfplumber's default)."""
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_BULLET = re.compile(r"^[•●▪◦‣∙·\-–*]\s*")
_NUMBER = re.compile(r"^(\d{1,3})[.)]\s+")
_QA = re.compile(r"^(?:\*\*)?(?:Q|A|Question|Answer)\s*\d*\s*[:.]", re.IGNORECASE)


def _is_bold(char: dict[str, Any]) -> bool:
    return bool(_BOLD.search(str(char.get("fontname", ""))))


def _line_markdown(chars: list[dict[str, Any]]) -> tuple[str, bool]:
    """A line's text with bold spans marked, and whether all of it is bold."""
    parts: list[str] = []
    bold_now = False
    seen = [c for c in chars if str(c.get("text", "")).strip()]
    all_bold = bool(seen) and all(_is_bold(c) for c in seen)
    previous: dict[str, Any] | None = None
    for char in chars:
        text = str(char.get("text", ""))
        # Many PDFs place words apart without space characters: a gap of a fifth of the type size
        # (a space is about a quarter) is a space.
        size = float(char.get("size", 10) or 10)
        gap = previous is not None and bool(text.strip()) and bool(str(previous.get("text", "")).strip()) and (
            float(char["x0"]) - float(previous["x1"]) > min(X_TOLERANCE, 0.2 * size))
        previous = char
        bold = _is_bold(char) if text.strip() else bold_now
        if bold != bold_now and not all_bold:
            parts.append(" **" if gap and bold else "** " if gap else "**")  # marks hug their words
            bold_now = bold
        elif gap:
            parts.append(" ")
        parts.append(text)
    if bold_now and not all_bold:
        parts.append("**")
    markdown = "".join(parts)
    return markdown.strip().replace("****", ""), all_bold


def _lines(page: Any, skip: list[tuple[float, float, float, float]]) -> list[dict[str, Any]]:
    def outside(obj: dict[str, Any]) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in skip)

    lines = []
    for line in page.extract_text_lines(return_chars=True, strip=True):
        chars = [c for c in line["chars"] if outside(c)]
        if not chars:
            continue
        sizes = [round(float(c.get("size", 0)), 1) for c in chars if str(c.get("text", "")).strip()]
        markdown, bold = _line_markdown(chars)
        if markdown:
            lines.append({"text": markdown, "bold": bold, "size": max(sizes) if sizes else 0.0,
                          "top": float(line["top"]), "bottom": float(line["bottom"]), "x0": float(line["x0"]),
                          "x1": float(line["x1"]), "margin": float(line["top"]) > 0.93 * float(page.height)
                          or float(line["bottom"]) < 0.07 * float(page.height)})
    return lines


def read_pdf(data: bytes, origin: str) -> ReadResult:
    need("pdfplumber", "Reading PDF documents", origin)
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[tuple[list[dict[str, Any]], list[tuple[float, list[list[str]]]]]] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise IngestError(origin, f"too many pages ({len(pdf.pages)}; the limit is {MAX_PAGES})")
            for page in pdf.pages:
                tables = [(t.bbox, t.extract()) for t in page.find_tables()]
                lines = _lines(page, [t[0] for t in tables])
                pages.append((lines, [(bbox[1], [[c or "" for c in row] for row in rows]) for bbox, rows in tables]))
                page.flush_cache()
    except IngestError:
        raise
    except (PDFSyntaxError, Exception) as exc:  # noqa: BLE001 - pdfminer raises many kinds for a damaged file
        raise IngestError(origin, f"not a readable PDF file ({type(exc).__name__}: {exc})") from None
    return _outline(pages).read(origin, "pdf") if pages else ReadResult(format="pdf", pairs=[])


def _repeated(pages: list[tuple[list[dict[str, Any]], Any]]) -> set[tuple[str, int]]:
    """Running headers and footers: the same text (numbers aside) at the same height on most pages."""
    if len(pages) < 3:
        return set()
    counts: Counter[tuple[str, int]] = Counter()
    for lines, _ in pages:
        counts.update({(re.sub(r"\d+", "#", line["text"]), round(line["top"] / 4)) for line in lines})
    return {key for key, n in counts.items() if n >= max(3, len(pages) // 2)}


def _outline(pages: list[tuple[list[dict[str, Any]], list[tuple[float, list[list[str]]]]]]) -> Outline:
    sizes: Counter[float] = Counter()
    for lines, _ in pages:
        for line in lines:
            sizes[line["size"]] += len(line["text"])
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    larger = sorted({s for s in sizes if s >= body * 1.15}, reverse=True)
    repeated = _repeated(pages)
    outline = Outline()
    dropped: list[Dropped] = []
    for number, (lines, tables) in enumerate(pages, start=1):
        right = max((line["x1"] for line in lines if not line["margin"]), default=0.0)
        items: list[tuple[float, str, Any]] = [(line["top"], "line", line) for line in lines]
        items += [(top, "table", rows) for top, rows in tables]
        items.sort(key=lambda item: item[0])
        paragraph: list[str] = []
        bold = False
        last: dict[str, Any] | None = None

        def flush(number: int = number) -> None:
            nonlocal paragraph, bold
            if paragraph:
                text = " ".join(paragraph)
                number_match = _NUMBER.match(text)
                if _BULLET.match(text) and not text.startswith("**"):
                    outline.item(_BULLET.sub("", text, count=1), number, ordered=False, number=1)
                elif number_match and not text.rstrip("*").endswith("?"):
                    outline.item(text[number_match.end():], number, ordered=True, number=int(number_match.group(1)))
                else:
                    outline.paragraph(text, number, bold=bold, numbered=bool(number_match))
            paragraph, bold = [], False

        for _, kind, item in items:
            if kind == "table":
                flush()
                outline.table(item, number)
                last = None
                continue
            line = item
            if (re.sub(r"\d+", "#", line["text"]), round(line["top"] / 4)) in repeated or (
                    line["margin"] and line["size"] < body):  # small type in the top or bottom margin
                dropped.append(Dropped(line["text"], "page header or footer", number))
                continue
            if line["size"] in larger:
                flush()
                outline.heading(larger.index(line["size"]) + 1, line["text"].replace("**", ""), number)
                last = None
                continue
            starts_item = bool(_BULLET.match(line["text"]) or _NUMBER.match(line["text"]) or _QA.match(line["text"]))
            close = last is not None and line["top"] - last["bottom"] < 0.6 * max(line["size"], 1.0)
            # A line that stops well short of the text's right edge ends its paragraph.
            ended = last is not None and last["x1"] < 0.8 * right
            if not close or ended or starts_item or line["bold"] != bold or (line["bold"] and paragraph
                                                                    and paragraph[-1].endswith("?")):
                flush()
                bold = line["bold"]
            paragraph.append(line["text"])
            last = line
        flush()
    outline.dropped = dropped
    return outline
