"""Export the pairs of a knowledge base as JSON Lines, QnA Maker TSV or CSV, or schema.org FAQPage JSON-LD.

Each format is read back by the matching reader without loss: export, import into an empty
knowledge base and export again gives identical output (a property test holds this).

- JSON Lines: ``{"id", "question", "answer", "source", "alternates", ...metadata}``; metadata keys
  that clash with those names go under ``"metadata"``.
- QnA Maker TSV: ``Question, Answer, Source, Metadata, SuggestedQuestions, IsContextOnly, Prompts,
  QnaId``, one row per phrasing, rows of one pair sharing its id; line breaks, tabs and backslashes
  in cells written ``\\n``, ``\\t``, ``\\\\`` (answers stay Markdown); metadata ``k1:v1|k2:v2``.
- CSV: the same columns and rows as the TSV, quoted as CSV (line breaks stay inside quoted
  cells, nothing is backslash-escaped), for spreadsheet users.
- In TSV and CSV, a cell a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``,
  ``@``, tab, carriage return) is written with a leading apostrophe; import removes it
  (spreadsheet.py).
- JSON-LD: one FAQPage; each Question carries ``identifier``, ``alternateName``, ``url`` (the source)
  and metadata as ``additionalProperty``; the answer text is Markdown, said by
  ``encodingFormat: text/markdown``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from .errors import InputError
from .ingest.jsonfile import MARKDOWN
from .ingest.tabular import QNA_MAKER_COLUMNS, escape_cell, join_metadata
from .models import Pair
from .spreadsheet import neutralise

_RESERVED = frozenset({"id", "question", "answer", "source", "alternates", "metadata"})
_QNA_EXTRAS = {"SuggestedQuestions": "[]", "IsContextOnly": "false", "Prompts": "[]"}


def to_jsonl(pairs: Iterable[Pair]) -> Iterator[str]:
    """One JSON object a line."""
    for p in pairs:
        record: dict[str, object] = {"id": p.id, "question": p.question, "answer": p.answer, "source": p.source}
        if p.alternates:
            record["alternates"] = list(p.alternates)
        clashing = {k: v for k, v in p.metadata.items() if k in _RESERVED}
        record.update({k: v for k, v in p.metadata.items() if k not in _RESERVED})
        if clashing:
            record["metadata"] = clashing
        yield json.dumps(record, ensure_ascii=False)


def _qna_rows(pairs: Iterable[Pair]) -> Iterator[list[str]]:
    """QnA Maker's rows: one per phrasing of each pair, sharing its id."""
    for p in pairs:
        metadata = {k: v for k, v in p.metadata.items() if k not in _QNA_EXTRAS}
        extras = [p.metadata.get(k) or default for k, default in _QNA_EXTRAS.items()]
        for phrasing in (p.question, *p.alternates):
            yield [phrasing, p.answer, p.source, join_metadata(metadata), *extras, p.id]


def to_tsv(pairs: Iterable[Pair]) -> Iterator[str]:
    """QnA Maker's TSV: a header line, then one line per phrasing of each pair."""
    yield "\t".join(QNA_MAKER_COLUMNS)
    for cells in _qna_rows(pairs):
        yield "\t".join(neutralise(escape_cell(c)) for c in cells)


def to_csv(pairs: Iterable[Pair]) -> Iterator[str]:
    """The TSV's columns and rows as CSV records (a record may hold line breaks in quotes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(QNA_MAKER_COLUMNS)
    for cells in _qna_rows(pairs):
        writer.writerow([neutralise(c) for c in cells])
        yield from _drain(buffer)
    yield from _drain(buffer)


def _drain(buffer: io.StringIO) -> Iterator[str]:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if text:
        yield text[:-1]  # one record, without its line end


def faq_page(pairs: Iterable[Pair]) -> dict[str, object]:
    """The pairs as one schema.org FAQPage object."""
    entities: list[dict[str, object]] = []
    for p in pairs:
        question: dict[str, object] = {
            "@type": "Question",
            "identifier": p.id,
            "name": p.question,
            "encodingFormat": MARKDOWN,
        }
        if p.alternates:
            question["alternateName"] = list(p.alternates)
        question["url"] = p.source
        question["acceptedAnswer"] = {"@type": "Answer", "text": p.answer, "encodingFormat": MARKDOWN}
        if p.metadata:
            question["additionalProperty"] = [
                {"@type": "PropertyValue", "name": k, "value": v} for k, v in p.metadata.items()
            ]
        entities.append(question)
    return {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": entities}


def to_jsonld(pairs: Iterable[Pair]) -> Iterator[str]:
    """The FAQPage JSON-LD document, indented, as lines."""
    yield from json.dumps(faq_page(pairs), ensure_ascii=False, indent=2).split("\n")


EXPORTERS: dict[str, Callable[[Iterable[Pair]], Iterator[str]]] = {
    "jsonl": to_jsonl,
    "tsv": to_tsv,
    "csv": to_csv,
    "jsonld": to_jsonld,
}
SUFFIXES = {"jsonl": ".jsonl", "tsv": ".tsv", "csv": ".csv", "jsonld": ".jsonld"}


def export_lines(pairs: Iterable[Pair], fmt: str = "jsonl") -> Iterator[str]:
    """The pairs in ``fmt`` (jsonl, tsv, csv or jsonld), line by line (a CSV record per item), without
    line ends."""
    if fmt not in EXPORTERS:
        raise InputError(f"unknown export format {fmt!r}; known: {', '.join(EXPORTERS)}")
    return EXPORTERS[fmt](pairs)
