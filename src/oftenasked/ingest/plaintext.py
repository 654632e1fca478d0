"""Plain-text FAQ pages: questions are lines ending in "?", answers the blocks under them.

This is the layout of pages copied out of a browser, like the seed page: a title, then
question lines, each followed by paragraphs and numbered or bulleted lists, with the site's
clutter in between (share buttons, cross-links, comment forms, ad-blocker notices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Dropped
from .clean import TAIL_REASONS, clutter_reason, normalize, strip_suffix_clutter
from .records import RawPair, ReadResult

_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*•◦▪–]\s+(.*)$")
_TITLE = re.compile(r"^(often asked|frequently asked questions?|faqs?|people also ask)\s*:\s*(.+)$", re.IGNORECASE)
_QA_PREFIX = re.compile(r"^(q|question)\s*[:.]\s*", re.IGNORECASE)
_MAX_QUESTION = 300


@dataclass
class _Draft:
    question: str
    line: int
    blocks: list[list[str]] = field(default_factory=list)
    kind: str = ""  # kind of the open block: "p", "ol", "ul" or "" when none is open

    def add(self, kind: str, text: str) -> None:
        if kind == "p" and self.kind == "p":
            self.blocks[-1][-1] += " " + text
            return
        if kind != self.kind or kind == "p":
            self.blocks.append([])
        self.blocks[-1].append(text)
        self.kind = kind

    def markdown(self) -> str:
        return "\n\n".join("\n".join(block) for block in self.blocks if block)


def _is_question(raw: str, text: str, previous_blank: bool) -> bool:
    return (
        text.endswith("?")
        and len(text) <= _MAX_QUESTION
        and previous_blank
        and raw[:1] not in (" ", "\t")
        and not _NUMBERED.match(raw)
        and not _BULLET.match(raw)
    )


def read_plaintext(text: str, origin: str) -> ReadResult:
    """Read a plain-text FAQ page. ``origin`` names the file for messages."""
    pairs: list[RawPair] = []
    dropped: list[Dropped] = []
    title: str | None = None
    draft: _Draft | None = None
    tail_reason: str | None = None
    previous_blank = True

    def finish() -> None:
        if draft is None:
            return
        answer = draft.markdown()
        if answer:
            pairs.append(RawPair(question=draft.question, answer=answer, line=draft.line))
        else:
            dropped.append(Dropped(draft.question, "question without an answer", draft.line))

    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = normalize(raw)
        if not line:
            previous_blank = True
            if draft is not None:
                draft.kind = ""
            continue
        if tail_reason is not None:
            dropped.append(Dropped(line, clutter_reason(line) or tail_reason, number))
            continue
        reason = clutter_reason(line)
        if reason is not None:
            dropped.append(Dropped(line, reason, number))
            if reason in TAIL_REASONS:
                tail_reason = reason
            previous_blank = True
            continue
        title_match = _TITLE.match(line)
        if title_match and title is None and draft is None:
            title = title_match.group(2).strip()
            previous_blank = True
            continue
        if _is_question(raw, line, previous_blank):
            finish()
            draft = _Draft(question=_QA_PREFIX.sub("", line), line=number)
            previous_blank = False
            continue
        previous_blank = False
        line, glued, glued_reason = strip_suffix_clutter(line)
        if glued and glued_reason:
            dropped.append(Dropped(glued, glued_reason, number))
        if draft is None:
            dropped.append(Dropped(line, "text before the first question", number))
            continue
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        if numbered:
            draft.add("ol", f"{numbered.group(1)}. {numbered.group(2).strip()}")
        elif bullet:
            draft.add("ul", f"- {bullet.group(1).strip()}")
        else:
            draft.add("p", line)
    finish()
    return ReadResult(format="text", pairs=pairs, dropped=dropped, title=title)
