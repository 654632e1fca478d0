"""JSON files: a list of pair objects, ``{"pairs": [...]}``, a QnA Maker export, or FAQPage JSON-LD.

Objects are read by :func:`jsonlines.record_to_pair`, so a JSON file and a JSON Lines file
with the same records give the same pairs. schema.org ``Question`` nodes are found anywhere in
a JSON-LD document (``mainEntity``, ``@graph``, nested), and their answer text, which is often
HTML, becomes Markdown.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Callable
from typing import Any

from ..errors import IngestError, UnusableRecordError
from .clean import clean_markdown, normalize
from .convert import Converter, element_text, looks_like_html, plain_to_markdown
from .jsonlines import read_jsonlines, record_to_pair
from .records import QUESTION_FROM, RawPair, ReadResult, record_text

MARKDOWN = "text/markdown"
"""``encodingFormat`` of answers whose text is Markdown (what ``oftenasked export --format jsonld`` writes)."""

_LIST_KEYS = ("pairs", "qnaList", "qnaDocuments", "faqs", "faq", "questions", "items", "data")


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", ())
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values}


def is_jsonld(data: Any) -> bool:
    """True for a JSON-LD document (or a list of them) that may hold schema.org Questions."""
    nodes = data if isinstance(data, list) else [data]
    return any(isinstance(n, dict) and ("@context" in n or "@type" in n or "@graph" in n) for n in nodes)


def _answer_text(answer: Any, fragment: Callable[[str], str]) -> str:
    if isinstance(answer, list):
        answer = next((a for a in answer if a), None)
    if isinstance(answer, str):
        text, fmt = answer, ""
    elif isinstance(answer, dict):
        text, fmt = answer.get("text") or "", str(answer.get("encodingFormat") or "")
    else:
        return ""
    if not isinstance(text, str):
        return ""
    if fmt.lower() == MARKDOWN:
        return clean_markdown(text)
    if looks_like_html(text):
        return fragment(text)
    unescaped = htmllib.unescape(text)
    if looks_like_html(unescaped):  # HTML escaped twice by its CMS ("&lt;p&gt;")
        return fragment(unescaped)
    return plain_to_markdown(unescaped)


def _name(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if looks_like_html(value):
        from lxml import html as lxml_html

        try:
            return element_text(lxml_html.fragment_fromstring(value, create_parent="div"))
        except Exception:  # noqa: BLE001 - a broken name fragment falls back to its text
            pass
    return normalize(htmllib.unescape(value)).replace("\n", " ").strip()


def _verbatim(value: Any) -> str:
    return normalize(value).replace("\n", " ").strip() if isinstance(value, str) else ""


def _question(node: dict[str, Any], line: int | None, fragment: Callable[[str], str]) -> RawPair | None:
    # Our own export marks its text as Markdown: then names are taken as written, not as HTML.
    verbatim = str(node.get("encodingFormat") or "").lower() == MARKDOWN
    name = _verbatim if verbatim else _name
    question = name(node.get("name")) or name(node.get("text"))
    answer_node = node.get("acceptedAnswer") or node.get("suggestedAnswer")
    answer = _answer_text(answer_node, fragment)
    if not question or not answer:
        return None
    alternates = node.get("alternateName") or []
    alternates = [alternates] if isinstance(alternates, str) else alternates
    metadata: dict[str, str] = {}
    for prop in node.get("additionalProperty") or []:
        if isinstance(prop, dict) and isinstance(prop.get("name"), str) and prop.get("value") is not None:
            value = prop["value"]
            metadata[prop["name"]] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    identifier = node.get("identifier")
    url = node.get("url")
    return RawPair(
        question=question,
        answer=answer,
        id=str(identifier) if isinstance(identifier, (str, int)) and str(identifier).strip() else None,
        source=url if isinstance(url, str) and url.strip() else None,
        line=line,
        alternates=[a for a in (name(x) for x in alternates if isinstance(x, str)) if a],
        metadata=metadata,
    )


def faq_from_jsonld(data: Any, line: int | None = None, fragment: Callable[[str], str] | None = None) -> list[RawPair]:
    """Every schema.org Question with an answer in a JSON-LD document, in document order."""
    convert = fragment or Converter().fragment
    found: list[RawPair] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "Question" in _types(node) or ("name" in node and "acceptedAnswer" in node and "@type" not in node):
                pair = _question(node, line, convert)
                if pair is not None:
                    found.append(pair)
                return
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)

    walk(data)
    return found


def _item_lines(text: str, start: int) -> list[int]:
    """Line of each element of the JSON array that opens at ``text[start]``."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    at = start + 1
    size = len(text)
    while at < size:
        while at < size and text[at] in " \t\r\n,":
            at += 1
        if at >= size or text[at] == "]":
            break
        lines.append(text.count("\n", 0, at) + 1)
        try:
            _, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            break
    return lines


def _qna_maker(record: dict[str, Any]) -> dict[str, Any]:
    """A QnA Maker JSON export entry (``questions`` list, ``metadata`` name/value list) as a plain record."""
    questions = [q for q in record.get("questions", []) if isinstance(q, str) and q.strip()]
    out = {k: v for k, v in record.items() if k not in ("questions", "metadata", "context")}
    if questions:
        out["question"] = questions[0]
        out["alternates"] = questions[1:]
    meta = record.get("metadata")
    if isinstance(meta, list):
        out["metadata"] = {str(m.get("name")): str(m.get("value")) for m in meta if isinstance(m, dict) and "name" in m}
    return out


_ALIASES = {"question": ("question", "q", "title", "query", "name"), "answer": ("answer", "a", "body", "response",
                                                                               "reply", "text", "content")}
_HTML_BLOCKS = re.compile(r"<(p|ul|ol|li|div|br|table|h[1-6])\b[^>]*>", re.IGNORECASE)


def _aliases(record: Any) -> Any:
    """``{"q", "a"}``, ``{"title", "body"}`` (help-centre exports, often HTML) and the like as question/answer."""
    if not isinstance(record, dict) or ("question" in record and "answer" in record):
        return record
    lowered = {str(k).lower(): k for k in record}
    out = dict(record)
    for role, names in _ALIASES.items():
        if role in out:
            continue
        key = next((lowered[n] for n in names if n in lowered and isinstance(record[lowered[n]], str)), None)
        if key is None:
            return record
        out[role] = out.pop(key)
        if role == "question" and str(key).lower() in ("title", "name"):
            out[QUESTION_FROM] = "title"  # a help article: its title stands in for the question, marked as such
    url = next((lowered[n] for n in ("url", "html_url", "link") if n in lowered), None)
    if "source" not in out and url is not None and isinstance(record[url], str):
        out["source"] = out.pop(url)
    if _HTML_BLOCKS.search(out["answer"]):
        out["answer"] = Converter().fragment(out["answer"])
    return out


def _records(node: Any, path: str, topic: str | None) -> list[tuple[Any, str, str | None]]:
    """Objects holding a question and an answer anywhere in a document, with the name of their group."""
    if isinstance(node, list):
        return [r for i, item in enumerate(node) for r in _records(item, f"{path}[{i}]", topic)]
    if not isinstance(node, dict):
        return []
    record = _aliases(node)
    if "question" in record and "answer" in record:
        return [(record, path, topic)]
    name = next((node[k] for k in ("name", "title", "category", "section") if isinstance(node.get(k), str)), None)
    return [r for k, v in node.items() if isinstance(v, (list, dict))
            for r in _records(v, f"{path}.{k}" if path else str(k), name or topic)]


def _pairs_of(items: list[Any], lines: list[int], origin: str, key: str | None, title: str | None = None) -> ReadResult:
    result = ReadResult(format="json", pairs=[], title=title)
    for index, record in enumerate(items):
        line = lines[index] if index < len(lines) else 0
        if isinstance(record, dict) and "question" not in record and isinstance(record.get("questions"), list):
            record = _qna_maker(record)
        record = _aliases(record)
        try:
            result.pairs.append(record_to_pair(record, origin, line))
        except IngestError as exc:
            where = f"{key}[{index}]" if key else f"[{index}]"
            kind = UnusableRecordError if isinstance(exc, UnusableRecordError) else IngestError
            error = exc if line else kind(origin, exc.problem, field=f"{where}.{exc.field}" if exc.field else where)
            if not isinstance(error, UnusableRecordError):
                raise error from None
            text = record_text(record.get("question"), record.get("answer")) if isinstance(record, dict) else ""
            result.skip(error, text)  # well-formed but of no use: skipped and reported (strict: an error)
    return result


def read_json(text: str, origin: str) -> ReadResult:
    """Read a JSON file of pairs; a syntax error names its line and column."""
    try:
        data = json.loads(text, strict=False)  # raw line breaks inside strings are forgiven
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):  # JSON Lines in a .json file
            result = read_jsonlines(text, origin)
            return ReadResult(format="jsonl", pairs=result.pairs, dropped=result.dropped)
        raise IngestError(origin, f"not valid JSON ({exc.msg}, column {exc.colno})", line=exc.lineno) from None
    if is_jsonld(data):
        return ReadResult(format="json", pairs=faq_from_jsonld(data))
    if isinstance(data, list):
        start = text.find("[")
        return _pairs_of(data, _item_lines(text, start), origin, None)
    if isinstance(data, dict):
        for key in _LIST_KEYS:
            if isinstance(data.get(key), list):
                marker = text.find(json.dumps(key))
                start = text.find("[", marker) if marker >= 0 else -1
                lines = _item_lines(text, start) if start >= 0 else []
                title = data.get("title") if isinstance(data.get("title"), str) else None
                return _pairs_of(data[key], lines, origin, key, title)
        if "question" in data and "answer" in data:
            return ReadResult(format="json", pairs=[record_to_pair(data, origin, 1)])
        found = _records(data, "", None)
        pairs: list[RawPair] = []
        for record, path, topic in found:
            if topic and "topic" not in record:
                record = {**record, "topic": topic}
            try:
                pairs.append(record_to_pair(record, origin, 0))
            except IngestError as exc:
                raise IngestError(origin, exc.problem, field=f"{path}.{exc.field}" if exc.field else path) from None
        if pairs:
            for pair in pairs:
                pair.line = None
            return ReadResult(format="json", pairs=pairs)
    raise IngestError(
        origin, "expected a list of {question, answer} objects, {\"pairs\": [...]} or FAQPage JSON-LD", line=1
    )
