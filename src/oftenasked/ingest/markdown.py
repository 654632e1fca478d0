"""Markdown FAQs: questions as headings ending in "?", ``**Q:** ... / **A:** ...`` blocks, or bold lines.

The answer is the Markdown under a question, kept as written (lists, links, code), up to the next
question or the next heading of the same or a higher level. Front matter and fenced code are never
read as questions; clutter lines are dropped and reported. A file with none of these marks is read
like a plain-text page.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from lxml import html as lxml_html

from ..models import Dropped
from .clean import clean_markdown, clutter_reason, normalize
from .convert import Converter, element_text
from .plaintext import read_plaintext
from .records import QUESTION_FROM, RawPair, ReadResult

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ATTRS = re.compile(r"\s*\{[#.][^}]*\}\s*$")  # "## Why? {#why}" (kramdown, Pandoc)
_LIST_MARK = re.compile(r"^(?:\d{1,3}[.)]|[-*+])\s+(?=\*\*|__)")
_BOLD_LINE = re.compile(r"^(\*\*|__)(?:(?:Q|Question)\s*\d*\s*[:.]\s*)?(.{2,300}?\?)\1\s*(.*)$")
_Q_LINE = re.compile(r"^(?:\*\*|__)?(?:Q|Question)\s*\d*\s*[:.](?:\*\*|__)?\s*(.+?)\s*(?:\*\*|__)?$", re.IGNORECASE)
_A_LINE = re.compile(r"^(?:\*\*|__)?(?:A|Answer)\s*[:.](?:\*\*|__)?\s*(.*)$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_MAX_QUESTION = 300
_Q_PREFIX = re.compile(r"^(?:Q|Question)\s*\d*\s*[:.)]\s*", re.IGNORECASE)
_FAQ_TITLE = re.compile(r"\b(faqs?|frequently asked|questions|q\s*&\s*a)\b", re.IGNORECASE)
_DETAILS = re.compile(r"<details\b[^>]*>\s*<summary\b[^>]*>(.*?)</summary>(.*?)</details>", re.IGNORECASE | re.DOTALL)
_HTML_BLOCK = re.compile(r"<(p|ul|ol|li|div|br|table|h[1-6])\b", re.IGNORECASE)


@dataclass
class _Draft:
    question: str
    level: int
    line: int
    lines: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    return text.strip().strip("*_").strip()


def _details(text: str) -> tuple[str, list[RawPair]]:
    """GitHub-style ``<details><summary>Q</summary> A </details>`` blocks: their pairs, and the text
    with each block blanked (its lines kept, so that line numbers stay true)."""
    pairs: list[RawPair] = []

    def take(match: re.Match[str]) -> str:
        question = _plain(element_text(lxml_html.fragment_fromstring(match.group(1), create_parent="div")))
        inner = match.group(2).strip("\n")
        answer = Converter().fragment(inner) if _HTML_BLOCK.search(inner) else clean_markdown(textwrap.dedent(inner))
        if question and answer:
            pairs.append(RawPair(question=question, answer=answer, line=text.count("\n", 0, match.start()) + 1))
        return "\n" * match.group(0).count("\n")

    return _DETAILS.sub(take, text), pairs


def _plain_questions(lines: list[str]) -> set[int]:
    """Line numbers of plain one-line paragraphs that ask, where the text marks no question otherwise
    (documents typed without styles: "How many books can I borrow?" over its answer, under category
    headings); empty when there are fewer than two, or fewer than the headings, bold and "Q:" lines that ask."""
    found: set[int] = set()
    marked = 0
    fence = False
    for number, raw in enumerate(lines, start=1):
        if _FENCE.match(raw):
            fence = not fence
            continue
        stripped = normalize(raw).strip()
        if fence or not stripped:
            continue
        heading = _HEADING.match(stripped)
        if heading:
            marked += _plain(_ATTRS.sub("", heading.group(2))).endswith("?")
            continue
        if _BOLD_LINE.match(_LIST_MARK.sub("", stripped, count=1)) or _Q_LINE.match(stripped):
            marked += 1
            continue
        before = lines[number - 2].strip() if number > 1 else ""
        after = lines[number].strip() if number < len(lines) else ""
        if (stripped.endswith(("?", "？", "؟")) and not before and len(stripped) <= _MAX_QUESTION
                and not re.match(r"^(?:[-*+>|]|\d{1,9}[.)])\s", stripped) and not after.startswith(("-", "*", "|"))):
            found.add(number)
    return found if len(found) >= 2 and len(found) >= marked else set()


def _faq_headings(lines: list[str]) -> set[int]:
    """Line numbers of headings that are questions because they sit under a "FAQ" heading with no "?" ones."""
    headings: list[tuple[int, int, str]] = []
    fence = False
    for number, raw in enumerate(lines, start=1):
        if _FENCE.match(raw):
            fence = not fence
        heading = None if fence else _HEADING.match(raw.strip())
        if heading:
            headings.append((number, len(heading.group(1)), _plain(_ATTRS.sub("", heading.group(2)))))
    chosen: set[int] = set()
    for at, (_, level, text) in enumerate(headings):
        if not _FAQ_TITLE.search(text):
            continue
        inside = []
        for number, sub_level, sub_text in headings[at + 1 :]:
            if sub_level <= level:
                break
            inside.append((number, sub_level, sub_text))
        if not inside or any(t.endswith("?") for _, _, t in inside):
            continue
        deepest = max(sub_level for _, sub_level, _ in inside)
        picked = [number for number, sub_level, _ in inside if sub_level == deepest]
        if len(picked) >= 2:
            chosen.update(picked)
    return chosen


def read_markdown(text: str, origin: str) -> ReadResult:
    """Read a Markdown FAQ. ``origin`` names the file for messages."""
    text, detail_pairs = _details(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    plain_questions = _plain_questions(lines)
    faq_headings = set() if plain_questions else _faq_headings(lines)
    start = 0
    if lines and lines[0].strip() == "---":  # YAML front matter
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        start = end + 1 if end is not None else 0
    pairs: list[RawPair] = []
    dropped: list[Dropped] = []
    title: str | None = None
    draft: _Draft | None = None
    fence: str | None = None

    def finish() -> None:
        if draft is None:
            return
        answer = clean_markdown(textwrap.dedent("\n".join(draft.lines)))
        if answer:
            pairs.append(RawPair(question=draft.question, answer=answer, line=draft.line))
        else:
            dropped.append(Dropped(draft.question, "question without an answer", draft.line))

    for number in range(start + 1, len(lines) + 1):
        raw = lines[number - 1]
        stripped = normalize(raw).strip()
        if fence is not None or _FENCE.match(raw):
            marker = _FENCE.match(raw)
            if marker and (fence is None or marker.group(1) == fence):
                fence = None if fence is not None else marker.group(1)
            if draft is not None:
                draft.lines.append(raw)
            continue
        heading = _HEADING.match(stripped)
        bold = _BOLD_LINE.match(_LIST_MARK.sub("", stripped, count=1))  # "**Q?**", also as "1. **Q?**"
        q_line = _Q_LINE.match(stripped)
        question: tuple[str, int, str] | None = None  # (text, level, rest of the line)
        if heading:
            text = _plain(_ATTRS.sub("", heading.group(2)))
            level = len(heading.group(1))
            asked = text.endswith("?") and (level > 1 or title is not None)
            if (asked or number in faq_headings) and len(text) <= _MAX_QUESTION:
                question = (_Q_PREFIX.sub("", text), level, "")
            else:
                if level == 1 and title is None and draft is None:
                    title = text
                    continue
                if draft is not None and level > draft.level:
                    draft.lines += ["", f"**{text}**", ""]
                    continue
                finish()
                draft = None
                dropped.append(Dropped(text, "heading outside the questions", number))
                continue
        elif bold:
            question = (bold.group(2).strip(), 7, bold.group(3))
        elif q_line and len(_plain(q_line.group(1))) <= _MAX_QUESTION:
            question = (_plain(q_line.group(1)), 7, "")
        elif number in plain_questions:
            question = (stripped, 7, "")
        if question is not None:
            finish()
            draft = _Draft(question=question[0], level=question[1], line=number)
            if question[2]:
                draft.lines.append(_A_LINE.sub(r"\1", question[2]))
            continue
        if not stripped:
            if draft is not None:
                draft.lines.append("")
            continue
        reason = clutter_reason(_plain(stripped))
        if reason is not None:
            dropped.append(Dropped(stripped, reason, number))
            continue
        if draft is None:
            where = "text outside the questions" if pairs else "text before the first question"
            dropped.append(Dropped(stripped, where, number))
            continue
        if not any(line.strip() for line in draft.lines):
            answer_start = _A_LINE.match(stripped)
            if answer_start:
                raw = answer_start.group(1)
        draft.lines.append(raw)
    finish()
    if detail_pairs:
        pairs = sorted(pairs + detail_pairs, key=lambda p: p.line or 0)
    if not pairs:
        fallback = read_plaintext(text, origin)
        if len(fallback.pairs) < 2:
            found = passages(lines, start, title)
            if found and len(found) >= len(fallback.pairs):
                return ReadResult(format="markdown", pairs=found, title=title)
        return ReadResult(format="markdown", pairs=fallback.pairs, dropped=fallback.dropped, title=fallback.title)
    return ReadResult(format="markdown", pairs=pairs, dropped=dropped, title=title)


def passages(lines: list[str], start: int, title: str | None) -> list[RawPair]:
    """A text with no questions at all, split at its headings: each heading stands in for a question
    over the content under it (QnA Maker's rule for manuals), marked ``question_from: heading``; with no
    headings but a title, the whole text is one passage under its title (``question_from: title``)."""
    found: list[RawPair] = []
    current: tuple[str, int] | None = None
    body: list[str] = []
    fence = False
    titled = title is not None

    def finish() -> None:
        answer = clean_markdown(textwrap.dedent("\n".join(body)))
        if answer and current is not None:
            kind = "title" if current[0] == title and current[1] == 0 else "heading"
            found.append(RawPair(question=current[0], answer=answer, line=current[1] or None,
                                 metadata={QUESTION_FROM: kind}))

    for number in range(start + 1, len(lines) + 1):
        raw = lines[number - 1]
        if _FENCE.match(raw):
            fence = not fence
        heading = None if fence else _HEADING.match(normalize(raw).strip())
        if heading:
            text = _plain(_ATTRS.sub("", heading.group(2)))
            if titled and text == title and len(heading.group(1)) == 1 and current is None and not found:
                current = (title, 0)  # the title heads the text before the first heading
                continue
            finish()
            current, body = (text, number), []
            continue
        if current is None and raw.strip() and title:
            current = (title, 0)
        if not (current is None or clutter_reason(_plain(normalize(raw).strip()))):
            body.append(raw)
    finish()
    return [p for p in found if len(p.question) <= _MAX_QUESTION]
