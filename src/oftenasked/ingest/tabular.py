"""CSV and TSV files: columns mapped by name, QnA Maker's import/export columns among them.

Known columns (any case): question, answer, id, source, topic, alternates, and QnA Maker's
``Question, Answer, Source, Metadata, SuggestedQuestions, IsContextOnly, Prompts, QnaId``.
``Metadata`` is ``k1:v1|k2:v2``; rows that share a ``QnaId`` are one pair whose later questions
are alternate phrasings; other columns are kept as metadata. A file without a header and with
two columns is read as question, answer. In QnA Maker TSV, ``\\n`` in a cell is a line break.
A malformed row is an :class:`IngestError` naming its line.
"""

from __future__ import annotations

import csv
import io
import json
import re

from ..errors import IngestError, UnusableRecordError
from ..models import Dropped
from ..spreadsheet import restore
from .checks import bound_raw
from .clean import clean_markdown, normalize
from .records import QUESTION_FROM, RawPair, ReadResult, record_text
from .sniff import header_names

QNA_MAKER_COLUMNS = ("Question", "Answer", "Source", "Metadata", "SuggestedQuestions", "IsContextOnly", "Prompts",
                     "QnaId")
_ROLES = {
    "question": {"question", "questions", "q", "faq", "query", "title"},
    "answer": {"answer", "answers", "a", "response", "reply", "body"},
    "id": {"id", "qnaid", "qna id", "qna_id", "pair id", "pair_id"},
    "source": {"source", "url", "link", "source url"},
    "topic": {"topic", "category"},
    "alternates": {"alternates", "alternate questions", "alternate_questions", "alternative questions"},
    "metadata": {"metadata"},
}
# QnA Maker columns kept as metadata when they carry more than their defaults.
_QNA_EXTRAS = {"suggestedquestions": ("SuggestedQuestions", "[]"), "iscontextonly": ("IsContextOnly", "false"),
               "prompts": ("Prompts", "[]")}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
_FIELD_LIMIT = 16 * 1024 * 1024


def unescape_cell(text: str) -> str:
    """QnA Maker TSV cells write a line break as ``\\n`` (and a backslash as ``\\\\``)."""
    return re.sub(r"\\([ntr\\])", lambda m: _ESCAPES[m.group(1)], text)


def escape_cell(text: str) -> str:
    """The inverse of :func:`unescape_cell`: one record per line, no tabs inside cells."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def split_metadata(text: str) -> dict[str, str]:
    """``k1:v1|k2:v2`` to a dict; ``\\|``, ``\\:`` and ``\\\\`` stand for a literal bar, colon and backslash."""
    items: list[list[str]] = [["", ""]]
    part = 0
    chars = iter(text)
    for char in chars:
        if char == "\\":
            items[-1][part] += next(chars, "\\")
        elif char == "|":
            items.append(["", ""])
            part = 0
        elif char == ":" and part == 0:
            part = 1
        else:
            items[-1][part] += char
    return {key.strip(): value.strip() for key, value in items if key.strip()}


def join_metadata(metadata: dict[str, str]) -> str:
    """A dict to ``k1:v1|k2:v2``, escaping bars, colons and backslashes."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace(":", "\\:")

    return "|".join(f"{esc(k)}:{esc(v)}" for k, v in metadata.items())


def _roles(cells: list[str]) -> dict[int, str] | None:
    roles: dict[int, str] = {}
    for index, name in enumerate(cells):
        for role, names in _ROLES.items():
            if name in names and role not in roles.values():
                roles[index] = role
                break
    for index, name in enumerate(cells):  # "FAQ question", "Answer text", "Réponse"...
        for role, words in (("question", ("question", "frage", "pregunta")), ("answer", ("answer", "antwort",
                            "respuesta", "réponse", "reponse"))):
            if index not in roles and role not in roles.values() and any(w in name for w in words):
                roles[index] = role
    if "question" in roles.values() and "answer" in roles.values():
        return roles
    return None


def _delimiter(text: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def read_tabular(text: str, origin: str, fmt: str = "csv") -> ReadResult:
    """Read CSV (``fmt="csv"``) or TSV (``fmt="tsv"``) pairs."""
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    # Excel for Mac ends lines with \r; a line break inside a cell is a line break whatever its form.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    delimiter = _delimiter(text, fmt)
    header = header_names(text.split("\n", 1)[0], delimiter)
    roles = _roles(header)
    try:
        names = [c.strip() for c in next(csv.reader([text.split("\n", 1)[0]], delimiter=delimiter), [])]
    except csv.Error as exc:
        raise IngestError(origin, f"malformed {fmt.upper()} ({exc})", line=1) from None
    qna_maker = roles is not None and ("qnaid" in header or "metadata" in header) and delimiter == "\t"
    if qna_maker:  # QnA Maker writes cells unquoted, line breaks as \n; a spreadsheet may have quoted them
        try:
            return _rows(text, origin, fmt, delimiter, roles, names, unquoted=True)
        except IngestError:
            pass
    return _rows(text, origin, fmt, delimiter, roles, names, unquoted=False)


def _rows(
    text: str, origin: str, fmt: str, delimiter: str, roles: dict[int, str] | None, names: list[str], *, unquoted: bool
) -> ReadResult:
    qna_maker = unquoted
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True,
                        quoting=csv.QUOTE_NONE if unquoted else csv.QUOTE_MINIMAL)
    pairs: list[RawPair] = []
    dropped: list[Dropped] = []
    by_id: dict[str, RawPair] = {}
    skipped: list[tuple[UnusableRecordError, str]] = []
    previous = 0
    first = True
    while True:
        line = previous + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise IngestError(origin, f"malformed {fmt.upper()} ({exc})", line=line) from None
        previous = reader.line_num
        if first:
            first = False
            if roles is not None:
                continue
            if len([c for c in row if c.strip()]) != 2 and len(row) != 2:
                raise IngestError(origin, "no header row naming the question and answer columns", line=1)
            roles = {0: "question", 1: "answer"}
        if not any(cell.strip() for cell in row) or roles is None:
            continue
        # Exports write formula-like cells with a leading apostrophe (spreadsheet.py): undone here.
        cells = [unescape_cell(restore(c)) if qna_maker else restore(c) for c in row]
        width = len(names) if len(roles) > 2 or names else 2
        needed = max(roles) + 1
        if len(cells) < needed:
            raise IngestError(origin, f"expected {max(width, needed)} columns, found {len(cells)}", line=line)
        if len(cells) > max(width, needed) and any(c.strip() for c in cells[max(width, needed) :]):
            raise IngestError(origin, f"more cells ({len(cells)}) than the header has ({width})", line=line)
        try:
            pair = _pair(cells, roles, names, origin, line)
        except UnusableRecordError as exc:
            by_role = {role: cells[i] for i, role in roles.items() if i < len(cells)}
            skipped.append((exc, record_text(by_role.get("question"), by_role.get("answer"))))
            continue
        if pair.id is not None and pair.id in by_id:
            main = by_id[pair.id]
            if pair.answer != main.answer:
                dropped.append(Dropped(pair.question, f"same id {pair.id} as line {main.line} with another answer", line))
            elif pair.question not in (main.question, *main.alternates):
                main.alternates.append(pair.question)
            continue
        if pair.id is not None:
            by_id[pair.id] = pair
        pairs.append(pair)
    result = ReadResult(format=fmt, pairs=pairs, dropped=dropped)
    for error, shown in skipped:
        result.skip(error, shown)
    return result


def _pair(cells: list[str], roles: dict[int, str], names: list[str], origin: str, line: int) -> RawPair:
    values: dict[str, str] = {}
    metadata: dict[str, str] = {}
    for index, cell in enumerate(cells):
        role = roles.get(index)
        if role is not None:
            values[role] = cell
            continue
        name = names[index] if index < len(names) else f"column{index + 1}"
        extra = _QNA_EXTRAS.get(name.lower())
        if extra is not None:
            if cell.strip() and cell.strip().lower() != extra[1]:
                metadata[extra[0]] = cell.strip()
        elif cell.strip() and name:
            metadata[name] = cell.strip()
    question = normalize(values.get("question", "")).replace("\n", " ").strip()
    answer = clean_markdown(bound_raw(values.get("answer", "")))
    title = next((v for k, v in metadata.items() if k.lower() == "title"), "")
    if not question and title.strip():  # a help article: its title stands in for the question, marked as such
        question = normalize(title).replace("\n", " ").strip()
        metadata = {k: v for k, v in metadata.items() if k.lower() != "title"} | {QUESTION_FROM: "title"}
    for name, value in (("question", question), ("answer", answer)):
        if not value:
            raise UnusableRecordError(origin, "is empty", line=line, field=name)
    if values.get("metadata", "").strip():
        metadata = split_metadata(values["metadata"]) | metadata
    if values.get("topic", "").strip():
        metadata["topic"] = values["topic"].strip()
    alternates: list[str] = []
    raw_alternates = values.get("alternates", "").strip()
    if raw_alternates:
        try:
            parsed = json.loads(raw_alternates)
            alternates = [str(a) for a in parsed] if isinstance(parsed, list) else [raw_alternates]
        except json.JSONDecodeError:
            alternates = [a for a in re.split(r"\s*\|\s*|\n", raw_alternates) if a.strip()]
    pair_id = values.get("id", "").strip() or None
    return RawPair(
        question=question,
        answer=answer,
        id=pair_id,
        source=values.get("source", "").strip() or None,
        line=line,
        alternates=[normalize(a).replace("\n", " ").strip() for a in alternates if a.strip()],
        metadata=metadata,
    )


def read_csv(text: str, origin: str) -> ReadResult:
    """Read comma- (or semicolon-) separated pairs."""
    return read_tabular(text, origin, "csv")


def read_tsv(text: str, origin: str) -> ReadResult:
    """Read tab-separated pairs (QnA Maker exports)."""
    return read_tabular(text, origin, "tsv")
