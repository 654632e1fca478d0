"""A document as Markdown lines, read by the Markdown reader; its pairs keep the document's own places.

The readers of PDF and Word files add blocks (headings, paragraphs, list items, tables) with the
place each came from (a paragraph's number, a page); :meth:`Outline.read` writes them as Markdown,
reads it, and gives every pair and dropped block the place of its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...models import Dropped
from ..convert import escape_block_start
from ..markdown import read_markdown
from ..records import ReadResult
from ..sniff import ANSWER_COLUMNS, QUESTION_COLUMNS

_NUMBERED_QUESTION = re.compile(r"^(?:\d{1,3}[.)]|Q\d{0,3}[.:)])\s+(\S.{1,298}[?？؟])$")
MAX_QUESTION = 300


def cell(text: str) -> str:
    """A table cell on one line, its bars escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def table_markdown(rows: list[list[str]]) -> str:
    """Rows of cells as a Markdown table (the first row is its header)."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [[cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def qa_rows(rows: list[list[str]]) -> list[tuple[str, str]]:
    """The (question, answer) rows of a table that is a FAQ: its header names a question and an answer
    column, or most cells of its first column ask; else nothing."""
    rows = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2 or min(len(r) for r in rows) < 2:
        return []
    header = [c.lower() for c in rows[0]]
    asked = next((i for i, c in enumerate(header) if c in QUESTION_COLUMNS or "question" in c), None)
    answered = next((i for i, c in enumerate(header) if c in ANSWER_COLUMNS or "answer" in c), None)
    if asked is not None and answered is not None and asked != answered:
        body = rows[1:]
    else:
        asked, answered, body = 0, 1, rows
        questions = [r[0] for r in body if r[0]]
        if sum(q.endswith(("?", "？", "؟")) for q in questions) * 2 < len(questions) or len(questions) < 2:
            return []
    return [(r[asked], r[answered]) for r in body if len(r) > max(asked, answered) and r[asked] and r[answered]
            and len(r[asked]) <= MAX_QUESTION]


@dataclass
class Outline:
    """Markdown blocks of a document, each with its place in the document."""

    blocks: list[tuple[str, int]] = field(default_factory=list)
    title: str | None = None
    dropped: list[Dropped] = field(default_factory=list)
    """Parts of the document left out before reading (a PDF's running headers)."""

    def heading(self, level: int, text: str, place: int) -> None:
        text = " ".join(text.split())
        if text:
            self.blocks.append((f"{'#' * max(1, min(level, 6))} {text}", place))

    def paragraph(self, markdown: str, place: int, *, bold: bool = False, numbered: bool = False) -> None:
        """A paragraph; a bold one, or a numbered one that asks ("1. How do I ...?"), may be a question."""
        text = markdown.strip()
        if not text:
            return
        if numbered or bold:
            plain = text.replace("**", "").strip()
            asked = _NUMBERED_QUESTION.match(plain)
            if asked:
                self.blocks.append((f"**{asked.group(1)}**", place))
                return
            if bold and "\n" not in plain and len(plain) <= MAX_QUESTION:
                self.blocks.append((f"**{plain}**", place))
                return
        self.blocks.append(("\n".join(escape_block_start(line) for line in text.split("\n")), place))

    def item(self, markdown: str, place: int, *, ordered: bool, number: int, depth: int = 0) -> None:
        text = " ".join(markdown.split())
        if text:
            marker = f"{number}. " if ordered else "- "
            self.blocks.append(("   " * depth + marker + text, place))

    def table(self, rows: list[list[str]], place: int) -> None:
        """A table: a table of questions and answers gives its pairs, any other one stays a Markdown table."""
        pairs = qa_rows(rows)
        if pairs:
            for question, answer in pairs:
                self.blocks.append((f"Q: {' '.join(question.split())}", place))
                self.paragraph(answer, place)
            return
        markdown = table_markdown(rows)
        if markdown:
            self.blocks.append((markdown, place))

    def read(self, origin: str, fmt: str) -> ReadResult:
        """The pairs of the document, by the Markdown reader's rules; lines are the document's places."""
        lines: list[str] = []
        places: list[int] = []
        previous = ""
        for markdown, place in self.blocks:
            # List items of one list stay together; every other block is a paragraph of its own.
            together = _is_item(markdown) and _is_item(previous)
            if lines and not together:
                lines.append("")
                places.append(place)
            for line in markdown.split("\n"):
                lines.append(line)
                places.append(place)
            previous = markdown
        text = "\n".join(lines)
        if self.title and not text.lstrip().startswith("# "):
            text = f"# {self.title}\n\n" + text
            places = [0, 0, *places]
        result = read_markdown(text, origin)

        def place_of(line: int | None) -> int | None:
            return places[line - 1] if line and 0 < line <= len(places) and places[line - 1] else None

        for pair in result.pairs:
            pair.line = place_of(pair.line)
        dropped = self.dropped + [Dropped(d.text, d.reason, place_of(d.line)) for d in result.dropped]
        return ReadResult(format=fmt, pairs=result.pairs, dropped=dropped, title=result.title or self.title,
                          skipped=result.skipped)


def _is_item(markdown: str) -> bool:
    return bool(re.match(r"^\s*(?:[-*+]|\d{1,9}[.)])\s", markdown))
