"""The limits every pair read from any source must meet, whatever reader found it.

Control characters (NUL, escape, the C1 range...) are refused in every field: they can't be shown,
break exports (a TSV cell with NUL can't be read back) and are a sign of a damaged or hostile file.
Questions, alternates and metadata have length limits; an over-long answer is cut at a paragraph
break and the cut is reported, so that one 200 MB answer can't cost minutes at every index rebuild.
"""

from __future__ import annotations

import re

from ..errors import IngestError
from ..models import Dropped
from .records import RawPair

MAX_QUESTION_CHARS = 1000
"""The same limit as for the questions people ask (``kb.MAX_QUESTION_CHARS``)."""
MAX_ANSWER_CHARS = 1_000_000
"""About 400 printed pages (a whole manual); longer answers are cut at a paragraph break, with a report line."""
MAX_ALTERNATES = 100
MAX_METADATA_ITEMS = 100
MAX_METADATA_KEY_CHARS = 100
MAX_METADATA_VALUE_CHARS = 1000
MAX_ID_CHARS = 200
MAX_SOURCE_CHARS = 2000

# C0 controls but tab and line breaks, DEL, and C1 controls (never text: a legacy file read as Latin-1).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character of ``text``, as ``U+XXXX``, or None."""
    match = _CONTROL.search(text)
    return f"U+{ord(match.group(0)):04X}" if match else None


def check_text(origin: str, field: str, text: str, limit: int | None, line: int | None = None) -> None:
    """Raise :class:`IngestError` when ``text`` holds a control character or is longer than ``limit``."""
    bad = control_character(text)
    if bad:
        raise IngestError(origin, f"holds the control character {bad}, which is not allowed", line=line, field=field)
    if limit is not None and len(text) > limit:
        raise IngestError(origin, f"is too long ({len(text)} characters; the limit is {limit})", line=line, field=field)


def cut_answer(answer: str, limit: int | None = None) -> str:
    """``answer`` cut to at most ``limit`` characters, at the last paragraph (else line, else word) break."""
    limit = MAX_ANSWER_CHARS if limit is None else limit
    if len(answer) <= limit:
        return answer
    head = answer[:limit]
    for mark in ("\n\n", "\n", " "):
        at = head.rfind(mark)
        if at > limit // 2:
            return head[:at].rstrip()
    return head.rstrip()


def bound_raw(text: str) -> str:
    """A raw answer cut, before any cleaning, to twice the limit: a 200 MB field costs no more than that."""
    return text[: MAX_ANSWER_CHARS * 2] if len(text) > MAX_ANSWER_CHARS * 2 else text


def check_pairs(origin: str, pairs: list[RawPair], dropped: list[Dropped]) -> None:
    """Check every field of every pair in place; an over-long answer is cut and the cut reported in ``dropped``."""
    for pair in pairs:
        line = pair.line
        check_text(origin, "question", pair.question, MAX_QUESTION_CHARS, line)
        if len(pair.answer) > MAX_ANSWER_CHARS:
            check_text(origin, "answer", pair.answer[: MAX_ANSWER_CHARS * 2], None, line)
            pair.answer = cut_answer(pair.answer)
            dropped.append(Dropped(pair.question, f"answer too long: cut after {len(pair.answer)} characters"
                                   f" (the limit is {MAX_ANSWER_CHARS})", line))
        else:
            check_text(origin, "answer", pair.answer, None, line)
        if len(pair.alternates) > MAX_ALTERNATES:
            raise IngestError(origin, f"has {len(pair.alternates)} alternate questions; the limit is {MAX_ALTERNATES}",
                              line=line, field="alternates")
        for at, alternate in enumerate(pair.alternates):
            check_text(origin, f"alternates[{at}]", alternate, MAX_QUESTION_CHARS, line)
        if len(pair.metadata) > MAX_METADATA_ITEMS:
            raise IngestError(origin, f"has {len(pair.metadata)} items; the limit is {MAX_METADATA_ITEMS}",
                              line=line, field="metadata")
        for key, value in pair.metadata.items():
            check_text(origin, "metadata key", key, MAX_METADATA_KEY_CHARS, line)
            check_text(origin, f"metadata.{key[:MAX_METADATA_KEY_CHARS]}", value, MAX_METADATA_VALUE_CHARS, line)
        if pair.id is not None:
            check_text(origin, "id", pair.id, MAX_ID_CHARS, line)
        if pair.source is not None:
            check_text(origin, "source", pair.source, MAX_SOURCE_CHARS, line)
