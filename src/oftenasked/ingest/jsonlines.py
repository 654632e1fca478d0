"""JSON Lines: one pair a line, ``{"id", "question", "answer", "source", "topic", ...}``.

Known fields become the pair; every other scalar field is kept as metadata, so nothing
of the source is lost. Alternate phrasings may come as ``alternates`` (a list of strings).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import IngestError, UnusableRecordError
from .checks import bound_raw
from .clean import clean_markdown, normalize
from .records import QUESTION_FROM, RawPair, ReadResult, record_text

_PAIR_FIELDS = {"id", "question", "answer", "source", "alternates", "metadata"}


def _text(value: Any, origin: str, line: int, name: str) -> str:
    if not isinstance(value, str):
        raise IngestError(origin, f"must be a string, got {type(value).__name__}", line=line, field=name)
    return value


def _one_line(text: str) -> str:
    """A question on one line: line breaks and runs of spaces become single spaces."""
    return " ".join(normalize(text).split())


def record_to_pair(record: Any, origin: str, line: int) -> RawPair:
    """Turn one decoded JSON object into a pair, naming the line and field of any problem."""
    if not isinstance(record, dict):
        raise IngestError(origin, "expected a JSON object with 'question' and 'answer'", line=line)
    marks: dict[str, str] = {}
    if not (isinstance(record.get("question"), str) and record["question"].strip()) and isinstance(
            record.get("title"), str) and record["title"].strip():
        # A help article or answer passage: its title stands in for the question, marked as such.
        record = {k: v for k, v in record.items() if k not in ("question", "title")} | {"question": record["title"]}
        marks[QUESTION_FROM] = "title"
    for name in ("question", "answer"):
        if name not in record:
            raise IngestError(origin, "missing", line=line, field=name)
    question = _one_line(_text(record["question"], origin, line, "question"))
    answer = clean_markdown(bound_raw(_text(record["answer"], origin, line, "answer")))
    if not question:
        raise UnusableRecordError(origin, "is empty (and there is no title)", line=line, field="question")
    if not answer:
        raise UnusableRecordError(origin, "is empty", line=line, field="answer")
    pair_id = record.get("id")
    if pair_id is not None and not isinstance(pair_id, (str, int)):
        raise IngestError(origin, "must be a string or a number", line=line, field="id")
    source = record.get("source")
    alternates = record.get("alternates") or []
    if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
        raise IngestError(origin, "must be a list of strings", line=line, field="alternates")
    metadata: dict[str, str] = {}
    nested = record.get("metadata") or {}
    if not isinstance(nested, dict):
        raise IngestError(origin, "must be an object", line=line, field="metadata")
    for key, value in [*nested.items(), *((k, v) for k, v in record.items() if k not in _PAIR_FIELDS)]:
        if value is None:
            continue
        metadata[str(key)] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    metadata.update(marks)
    return RawPair(
        question=question,
        answer=answer,
        id=str(pair_id) if pair_id is not None and str(pair_id).strip() else None,
        source=str(source) if source else None,
        line=line,
        alternates=[_one_line(a) for a in alternates if a.strip()],
        metadata=metadata,
    )


def read_jsonlines(text: str, origin: str) -> ReadResult:
    """Read JSON Lines; blank lines are skipped, any malformed line fails the whole source."""
    result = ReadResult(format="jsonl", pairs=[])
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(origin, f"not valid JSON ({exc.msg}, column {exc.colno})", line=number) from None
        try:
            result.pairs.append(record_to_pair(record, origin, number))
        except UnusableRecordError as exc:  # well-formed but of no use: skipped and reported (strict: an error)
            result.skip(exc, record_text(record.get("question") or record.get("title"), record.get("answer")))
    return result
