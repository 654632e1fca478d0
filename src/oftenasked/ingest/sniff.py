"""Which reader a source needs, from its first characters, when its name does not say.

Used for standard input, URLs without a telling suffix, and files named ``faq`` or ``export.txt``.
"""

from __future__ import annotations

import csv
import json
import re

_HTML_TAGS = frozenset(
    {"html", "head", "body", "meta", "title", "link", "div", "section", "main", "article", "details", "dl", "h1", "h2",
     "h3", "h4", "h5", "h6", "p", "ul", "ol", "table", "header", "nav", "span", "a", "script", "style", "form", "br"}
)
_FIRST_TAG = re.compile(r"<([A-Za-z][\w:-]*)")
_MARKDOWN = re.compile(r"^(#{1,6}\s+\S|\*\*(Q|Question)\s*\d*\s*[:.]|\*\*[^*\n]{2,300}\?\*\*\s*$)", re.MULTILINE)
_Q_LINE = re.compile(r"^(?:Q|Question)\s*\d*\s*[:.]\s+\S", re.MULTILINE | re.IGNORECASE)
_A_LINE = re.compile(r"^(?:A|Answer)\s*[:.]\s+\S", re.MULTILINE | re.IGNORECASE)
QUESTION_COLUMNS = frozenset({"question", "questions", "q", "faq", "query", "title"})
ANSWER_COLUMNS = frozenset({"answer", "answers", "a", "response", "reply", "body"})


def header_names(line: str, delimiter: str) -> list[str]:
    """The cells of a possible header line, lower-cased and stripped."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []
    return [c.strip().strip("\ufeff").lower() for c in cells]


def _is_header(cells: list[str]) -> bool:
    asked = bool(QUESTION_COLUMNS & set(cells)) or any("question" in c and len(c) < 40 for c in cells)
    answered = bool(ANSWER_COLUMNS & set(cells)) or any("answer" in c and len(c) < 40 for c in cells)
    return asked and answered


def sniff(text: str) -> str:
    """The format name of a text by its content: html, xml, json, jsonl, tsv, csv, markdown or text."""
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    low = head.lower()
    if low.startswith("<?xml"):
        return "html" if re.search(r"<(!doctype html|html)\b", low) else "xml"
    if low.startswith("<!doctype html") or low.startswith("<!--"):
        return "html"
    tag = _FIRST_TAG.match(head)
    if tag:
        return "html" if tag.group(1).lower() in _HTML_TAGS else "xml"
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        lines = [line for line in text.splitlines() if line.strip()][:2]
        if len(lines) == 2:
            try:
                json.loads(lines[0])
                return "jsonl"
            except json.JSONDecodeError:
                pass
        return "json"
    lines = [line for line in head.splitlines() if line.strip()][:20]
    if lines:
        if "\t" in lines[0] and sum("\t" in line for line in lines) >= 0.8 * len(lines):
            return "tsv"
        for delimiter, fmt in ((",", "csv"), (";", "csv"), ("\t", "tsv")):
            if _is_header(header_names(lines[0], delimiter)):
                return fmt
    if _MARKDOWN.search(text[:65536]) or (_Q_LINE.search(text[:65536]) and _A_LINE.search(text[:65536])):
        return "markdown"  # the Markdown reader also reads "Q: ... / A: ..." text
    return "text"
