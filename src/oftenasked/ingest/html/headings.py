"""Questions marked by the page's text flow: headings and bold lines that ask, and the blocks after them.

The page (less its chrome and what other strategies claimed) is flattened into headings and
Markdown blocks; a question heading (h2-h6) or a bold or "Q:" line opens a pair and the blocks up
to the next question, or the next heading of the same or a higher level, are its answer. Under a
heading like "FAQ" whose sub-headings never ask, those sub-headings are the questions.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from ...models import Dropped
from ..clean import clutter_reason
from ..convert import BLOCK_TAGS, CLAIMED, SKIP_TAGS, Converter, element_text, holds_blocks, join_blocks
from ..records import QUESTION_FROM, RawPair
from .chrome import MAX_REPORTED
from .layouts import HEADINGS, MAX_QUESTION, asks, clean_answer, clean_question

_LEAF_BLOCKS = frozenset({"p", "ul", "ol", "pre", "blockquote", "dl", "address"})
Block = tuple[str, int, str, "int | None"]
HEADING_OUTSIDE = "heading outside the questions"
TEXT_OUTSIDE = "text outside the questions"
OUTSIDE = frozenset({HEADING_OUTSIDE, TEXT_OUTSIDE})
MIN_PASSAGE_WORDS = 8
"""A passage shorter than this (a caption, a price, a menu left over) is not worth answering with."""
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _has_blocks(el: _Element) -> bool:
    return holds_blocks(el)


def _holds_questions(listing: _Element) -> bool:
    """A list whose items are Q&A: items led by a question heading or a bold question."""
    count = 0
    for item in listing:
        children = [c for c in item if isinstance(c.tag, str)]
        if not children:
            continue
        first = children[0]
        lead = first.tag.lower() in HEADINGS or (first.tag.lower() in ("strong", "b") and not (item.text or "").strip())
        count += lead and asks(element_text(first))
    return count >= 2


def _flatten(el: _Element, convert: Converter, out: list[Block]) -> None:
    """The page as a flat list of ('h', level, text, line) headings and ('c', 0, markdown, line) blocks."""
    run: list[object] = [el.text] if el.text else []

    def flush() -> None:
        markdown = join_blocks(convert.run(run, el.sourceline))
        if markdown:
            out.append(("c", 0, markdown, el.sourceline))
        run.clear()

    for child in el:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if not tag or child.get(CLAIMED) or tag in SKIP_TAGS:
            pass
        elif tag in HEADINGS:
            flush()
            text = element_text(child)
            if text:
                out.append(("q" if child.get(FAQ_HEADING) else "h", HEADINGS[tag], text, child.sourceline))
        elif tag in ("ul", "ol") and _holds_questions(child):
            flush()
            for item in child:
                if isinstance(item.tag, str) and not item.get(CLAIMED):
                    _flatten(item, convert, out)
        elif tag in BLOCK_TAGS or holds_blocks(child):
            flush()
            if tag in _LEAF_BLOCKS or not _has_blocks(child):
                markdown = convert.elements([child])
                if markdown and tag == "li" and out and out[-1][0] == "c" and out[-1][2].startswith("- "):
                    out[-1] = ("c", 0, out[-1][2] + "\n" + markdown, out[-1][3])  # items outside a list
                elif markdown:
                    out.append(("c", 0, markdown, child.sourceline))
            else:
                _flatten(child, convert, out)
        else:
            run.append(child)
        if child.tail:
            run.append(child.tail)
    flush()


_BOLD_QUESTION = re.compile(
    r"^\*\*(?:(?:Q|Question)\s*\d*\s*[:.]\s*)?(.{2,300}?\?)\*\*\s*(?:\n|$)"
    r"|^\*\*(?:Q|Question)\s*\d*\s*[:.]?\*\*\s*(.{2,300}?\?)\s*(?:\n|$)"
)
_FAQ_TITLE = re.compile(r"\b(faqs?|frequently asked|questions|q\s*&\s*a|questions and answers)\b", re.IGNORECASE)
_FAQ_ONLY = re.compile(r"\b(faqs?|frequently asked|q\s*&\s*a)\b", re.IGNORECASE)
_Q_LINE = re.compile(r"^(?:\*\*)?(?:Q|Question)\s*\d*\s*[:.)](?:\*\*)?\s+(\S.{1,300})$", re.IGNORECASE)
_Q_LEAD = re.compile(r"^(?:\*\*)?(?:Q|Question)\s*\d*\s*[:.)]\s*(?:\*\*)?\s*([^\n*]{2,300}?)\s*(?:\*\*)?\n"
                     r"((?:\*\*)?(?:A|Answer)\s*[:.].*)$", re.IGNORECASE | re.DOTALL)
_BOLD_LEAD = re.compile(r"^\*\*(?:(?:Q|Question)\s*\d*\s*[:.]\s*)?(.{2,300}?[?？؟])\*\*\s+(\S.*)$", re.DOTALL)


# A bold question inside a paragraph, at its start or after the end of a sentence: "... 18 or over. **How is
# my bill worked out?** Your bill ..." (government pages run their questions into the previous answer).
_RUN_IN = re.compile(r"(?:^|(?<=[.!…)”\"'])\s+)\*\*(?:(?:Q|Question)\s*\d*\s*[:.]\s*)?[^*\n]{2,300}?[?？؟]\*\*(?=\s|$)")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,9}[.)])\s")


def _run_in(flat: list[Block]) -> list[Block]:
    """Paragraphs split before each bold question run into them, when the page marks its questions so
    (two or more); the question then leads its own block, and its answer follows it."""
    spans = sum(len(_RUN_IN.findall(text)) for kind, _, text, _ in flat if kind == "c" and not _LIST_ITEM.match(text))
    if spans < 2:
        return flat
    out: list[Block] = []
    for kind, level, text, line in flat:
        if kind != "c" or _LIST_ITEM.match(text):
            out.append((kind, level, text, line))
            continue
        starts = [m.start() for m in _RUN_IN.finditer(text) if m.start() > 0]
        for begin, end in zip([0, *starts], [*starts, len(text)]):
            piece = text[begin:end].strip()
            if piece:
                out.append(("c", 0, piece, line))
    return out


def _unbold(text: str) -> str:
    """"**Q: Tell us about it.**" -> "Q: Tell us about it.": a question wholly in bold, without its marks."""
    return text[2:-2].strip() if text.startswith("**") and text.endswith("**") and text.count("**") == 2 else text


def _classify(flat: list[Block], plain: bool, sections: bool) -> list[Block]:
    """Mark question blocks ('q'): question headings, bold and "Q:" lines, and (``plain``) question paragraphs."""
    blocks: list[Block] = []
    for kind, level, text, line in _run_in(flat):
        if kind == "c":
            bold = _BOLD_QUESTION.match(text) or _BOLD_LEAD.match(text)
            if bold:
                question = next(g for g in bold.groups() if g)
                rest = text[bold.end() :].strip() if bold.re is _BOLD_QUESTION else bold.group(2).strip()
                blocks.append(("q", 7, question, line))
                if rest:
                    blocks.append(("c", 0, rest, line))
                continue
            q_lead = _Q_LEAD.match(text)
            if q_lead:  # "**Q: Can I change my email**<br>A: Yes, in Settings."
                blocks.append(("q", 8, q_lead.group(1).strip(), line))
                blocks.append(("c", 0, q_lead.group(2).strip(), line))
                continue
            single = "\n" not in text and len(text) <= MAX_QUESTION
            q_line = _Q_LINE.match(text) if single else None
            if q_line or (plain and single and asks(text)):
                blocks.append(("q", 8, _unbold(text.replace("\\", "")), line))
                continue
        if kind == "h" and clutter_reason(text):
            blocks.append(("x", 0, text, line))
            continue
        if kind == "h" and asks(text) and level > 1 and len(text) <= MAX_QUESTION:
            blocks.append(("q", level, text, line))
            continue
        blocks.append((kind, level, text, line))
    return _faq_sections(blocks) if sections else blocks


def _faq_sections(blocks: list[Block]) -> list[Block]:
    """Under a heading like "FAQ" with no question headings at all, its deepest headings are the questions."""
    out = list(blocks)
    for at, (kind, level, text, _) in enumerate(blocks):
        if kind != "h" or not _FAQ_TITLE.search(text):
            continue
        end = next((i for i in range(at + 1, len(blocks)) if blocks[i][0] in "hq" and blocks[i][1] <= level),
                   len(blocks))
        inside = [i for i in range(at + 1, end) if blocks[i][0] in "hq"]
        deepest_heading = max((blocks[i][1] for i in inside if blocks[i][1] <= 6), default=0)
        asking = {blocks[i][1] for i in inside if blocks[i][0] == "q" and blocks[i][1] <= 6}
        if asking:
            # Under an explicit "FAQ" heading, some of whose deepest headings ask, the others at that level are
            # questions that don't ("Opening hours"); shallower ones (categories) stay headings.
            if asking == {deepest_heading} and _FAQ_ONLY.search(text):
                for i in inside:
                    if blocks[i][0] == "h" and blocks[i][1] == deepest_heading and len(blocks[i][2]) <= MAX_QUESTION:
                        out[i] = ("q", blocks[i][1], blocks[i][2], blocks[i][3])
            continue
        if not inside or any(blocks[i][0] == "q" for i in inside):
            continue
        deepest = max(blocks[i][1] for i in inside)
        if sum(blocks[i][1] == deepest for i in inside) < 2:
            continue  # one heading under "FAQ" is not a list of questions
        for i in inside:
            if blocks[i][1] == deepest and len(blocks[i][2]) <= MAX_QUESTION:
                out[i] = ("q", deepest, blocks[i][2], blocks[i][3])
    return out


FAQ_HEADING = "data-oftenasked-faq-heading"
_FAQ_BOX = ("//body//*[not(self::a) and (contains(translate(@class,'FAQ','faq'),'faq')"
            " or contains(translate(@id,'FAQ','faq'),'faq'))]")


def _mark_faq_boxes(root: _Element) -> None:
    """In a block whose class or id says "faq", its deepest headings are the questions, asking or not."""
    for box in root.xpath(_FAQ_BOX):
        if box.xpath(f"ancestor-or-self::*[@{CLAIMED}]"):
            continue
        found = [h for h in box.iter(*HEADINGS) if not h.get(CLAIMED)]
        if len(found) < 2:
            continue
        deepest = max(HEADINGS[h.tag] for h in found)
        bold_questions = sum(asks(element_text(b)) for b in box.iter("strong", "b"))
        if bold_questions >= 2 or any(asks(element_text(h)) for h in found if HEADINGS[h.tag] != deepest):
            continue  # the questions are marked otherwise; these headings are categories
        for heading in found:
            if HEADINGS[heading.tag] == deepest and len(element_text(heading)) <= MAX_QUESTION:
                heading.set(FAQ_HEADING, "1")


def headings(
    root: _Element, convert: Converter, dropped: list[Dropped], plain: bool, sections: bool = False
) -> list[RawPair]:
    """Pairs from question headings, bold or "Q:" lines; ``sections``: also headings under a "FAQ" title
    or in a block whose class says "faq"."""
    if sections:
        _mark_faq_boxes(root)
    body = root.find("body") if root.find("body") is not None else root
    flat: list[Block] = []
    _flatten(body, convert, flat)
    pairs: list[RawPair] = []
    current: tuple[str, int, int | None] | None = None
    answer: list[str] = []

    def finish() -> None:
        if current is None:
            return
        text = clean_answer(join_blocks(answer))
        if text:
            pairs.append(RawPair(question=clean_question(current[0]), answer=text, line=current[2]))
        else:
            dropped.append(Dropped(current[0], "question without an answer", current[2]))

    for kind, level, text, line in _classify(flat, plain, sections):
        if kind == "q":
            finish()
            current, answer = (text, level, line), []
        elif kind == "x":
            finish()
            current, answer = None, []
            dropped.append(Dropped(text, clutter_reason(text) or "clutter", line))
        elif kind == "h":
            if current is not None and level > current[1]:
                answer.append(f"**{text}**")
                continue
            finish()
            current, answer = None, []
            dropped.append(Dropped(text, HEADING_OUTSIDE, line))
        elif current is not None:
            answer.append(text)
        else:
            dropped.append(Dropped(_short(text), TEXT_OUTSIDE, line))
    finish()
    return pairs


def passages(root: _Element, convert: Converter, title: str | None) -> list[RawPair]:
    """A page with no questions, split at its headings: each heading stands in for a question over the
    content under it (``question_from: heading``), and the title over the text before the first heading
    (``question_from: title``). Passages of a few words, or mostly links (an index page), are left out."""
    body = root.find("body") if root.find("body") is not None else root
    flat: list[Block] = []
    _flatten(body, convert, flat)
    found: list[RawPair] = []
    current: tuple[str, int | None, str] | None = (title, None, "title") if title else None
    answer: list[str] = []

    def finish() -> None:
        text = join_blocks(answer)
        words = _LINK.sub("", text).split()
        if current is not None and len(words) >= MIN_PASSAGE_WORDS and len(words) * 2 >= len(text.split()):
            question = clean_question(current[0])
            if question and len(question) <= MAX_QUESTION:
                found.append(RawPair(question=question, answer=text, line=current[1], metadata={QUESTION_FROM: current[2]}))

    for kind, level, text, line in flat:
        if kind == "h":
            if level == 1 and title is not None and clean_question(text) == clean_question(title) and not found:
                continue  # the title's own heading
            if clutter_reason(text):
                finish()
                current, answer = None, []
                continue
            finish()
            current, answer = (text, line, "heading"), []
        elif current is not None:
            answer.append(text)
    finish()
    return found


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REPORTED else text[: MAX_REPORTED - 1].rstrip() + "…"
