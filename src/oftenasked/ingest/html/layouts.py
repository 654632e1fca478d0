"""Visible FAQ layouts of HTML pages: accordions, disclosures, definition lists and tables.

Accordions of site builders are found by their classes (Yoast ``schema-faq-section``, Elementor,
Bootstrap, Squarespace, Shopify, Divi, WPBakery, Kadence, Spectra, Rank Math, MUI and the plain
``<button class="accordion">`` + ``<div class="panel">``), or by ARIA (``aria-controls`` pointing
at the panel). Each strategy claims the elements it turns into a pair, so that no later strategy
counts them again.
"""

from __future__ import annotations

import re
from functools import partial

from lxml.etree import _Element

from ...models import Dropped
from ..clean import normalize
from ..convert import CLAIMED, Converter, element_text
from ..records import RawPair
from .chrome import class_text
from .toggles import not_a_question

MAX_QUESTION = 300
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BOX = r"(?:accordion|faq|toggle|collaps\w*|expand\w*|qa|qna|disclosure)"
_Q_CLASS = re.compile(
    r"(?:^|[-_\s])(?:question|tab[-_]+title|card[-_]+header|panel[-_]+heading|panel[-_]+title|faq[-_]*q|ea-header|"
    r"muiaccordionsummary|w-dropdown-toggle|"
    + _BOX + r"\w*(?:[-_]+\w+)*?[-_]+(?:title|button|header|heading|trigger|toggle|summary|head|label|control|q))(?:$|[-_\s])"
)
_A_CLASS = re.compile(
    r"(?:^|[-_\s])(?:answer|tab[-_]+content|card[-_]+body|panel[-_]+body|panel[-_]+collapse|collapse|faq[-_]*a|ea-body|"
    r"muiaccordiondetails|"
    + _BOX + r"\w*(?:[-_]+\w+)*?[-_]+(?:body|content|panel|collapse|text|description|dropdown|inner|details|a))"
    r"(?:$|[-_\s])"
)
# Plain toggles and the panels after them (the pattern of countless hand-made FAQ pages).
_TOGGLES = frozenset({"accordion", "collapsible", "faq", "toggle", "faq-toggle", "accordion-toggle", "expandable",
                      "question", "faq-question", "trigger"})
_PANEL = re.compile(r"(?:^|[-_\s])(?:panel|content|body|text|dropdown|description|details|inner)(?:$|[-_\s])")


def _is_answer_class(classes: str) -> bool:
    """An answer's class, and not a title's part ("expand-control-text" is the title's text)."""
    return bool(_A_CLASS.search(classes)) and not _Q_CLASS.search(classes)


def _panel_class(classes: str) -> bool:
    """The class of the panel an accordion title opens."""
    return bool(_A_CLASS.search(classes) or _PANEL.search(classes))


_EDGE_SYMBOLS = re.compile(r"^[^\w\"'“‘(¿¡]+|(?<=\?)[^\w\"'”’)]+$|\s+[+−–▼▲▾▸►›»]+$")
_Q_PREFIX = re.compile(r"^(?:Q|Question)\s*\d*\s*[:.)]\s*|^\d{1,3}[.)]\s+", re.IGNORECASE)
_A_PREFIX = re.compile(r"^\*{0,2}(?:A|Answer)\s*[:.]\s*\*{0,2}\s*", re.IGNORECASE)


def clean_question(text: str) -> str:
    text = _EDGE_SYMBOLS.sub("", normalize(text).replace("\n", " ").strip())
    return _Q_PREFIX.sub("", text).strip()


def clean_answer(markdown: str) -> str:
    return _A_PREFIX.sub("", markdown, count=1).strip()


def asks(text: str) -> bool:
    """Reads as a question: ends with a question mark (any script's)."""
    return text.rstrip(" *¶#§").endswith(("?", "？", "؟"))


def claim(*elements: _Element) -> None:
    for el in elements:
        el.set(CLAIMED, "1")


def claimed(el: _Element) -> bool:
    return bool(el.xpath(f"ancestor-or-self::*[@{CLAIMED}]"))


def _target(el: _Element, ids: dict[str, _Element]) -> _Element | None:
    """The panel an accordion title opens (``aria-controls``, ``data-target``, ``href="#..."``)."""
    for node in [el, *el.iterdescendants()]:
        if not isinstance(node.tag, str):
            continue
        for attr in ("aria-controls", "data-target", "data-bs-target", "href"):
            value = (node.get(attr) or "").strip()
            ident = value.lstrip("#") if attr != "aria-controls" else value
            if (attr == "aria-controls" or value.startswith("#")) and ident:
                found = ids.get(ident.split()[0])
                if found is not None and found is not el and el not in found.iterancestors():
                    return found
    return None


def _aria_title(el: _Element) -> bool:
    """A disclosure button outside any known accordion markup: it must read as a question, or sit in a FAQ."""
    if not (el.get("aria-controls") and el.get("aria-expanded")):
        return False
    if asks(element_text(el)):
        return True
    return bool(el.xpath("ancestor::*[contains(translate(@class,'FAQ','faq'),'faq') or contains(@class,'accordion')]"))


def _next_element(el: _Element) -> _Element | None:
    sibling = el.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    return sibling


def _is_title(el: _Element) -> bool:
    """An accordion title: by its class, or a plain toggle (``<button class="accordion">``) before its panel."""
    classes = el.get("class", "").lower()
    if _Q_CLASS.search(classes):
        return True
    css_toggle = el.tag == "label" and el.get("for")  # the CSS-only accordion: checkbox, label, panel
    if not (set(classes.split()) & _TOGGLES or css_toggle):
        return False
    panel = _next_element(el)
    return panel is not None and _panel_class(panel.get("class", "").lower())


def accordions(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    found: list[tuple[_Element, RawPair]] = []
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    ids = {el.get("id", ""): el for el in elements if el.get("id")}
    for el in elements:
        if not (_is_title(el) or _aria_title(el)) or claimed(el):
            continue
        if any(_is_answer_class(d.get("class", "").lower()) for d in el.iterdescendants() if isinstance(d.tag, str)):
            continue  # a wrapper holding both question and answer
        question = clean_question(element_text(el))
        holder = el.getparent()
        item = holder if holder is not None and sum(1 for c in holder if isinstance(c.tag, str) and _is_title(c)) == 1 \
            and holder.tag not in ("body", "main", "article") else el
        reason = not_a_question(item, element_text(el), partial(_titles_beside, item, el))
        if reason:
            _drop(item, question, reason, convert)
            target = _target(el, ids)
            if target is not None:
                claim(target)
            continue
        answer_el = _target(el, ids)
        if answer_el is not None and not claimed(answer_el):
            answer, used = convert.elements([answer_el]), [el, answer_el]
        else:
            answer, used = _answer_beside(el, convert)
        answer = clean_answer(answer)
        if question and answer and len(question) <= MAX_QUESTION:
            found.append((el, RawPair(question=question, answer=answer, line=el.sourceline)))
            claim(*used)
    return found


def _summaries(details: _Element) -> list[str]:
    """The summaries of a ``<details>`` and of those beside it."""
    return [element_text(s) for s in details.xpath("../details/summary")]


def _titles_beside(item: _Element, title: _Element) -> list[str]:
    """The titles of an accordion item and of the items beside it (at least its own)."""
    group = item.getparent()
    titles: list[str] = []
    for child in group if group is not None else []:
        if not isinstance(child.tag, str):
            continue
        found = child if _is_title(child) else next((d for d in child if isinstance(d.tag, str) and _is_title(d)), None)
        if found is not None:
            titles.append(element_text(found))
    return titles or [element_text(title)]


def _drop(el: _Element, title: str, reason: str, convert: Converter) -> None:
    """Leave out a toggle that is not a question, and its content, with the reason in the report."""
    convert.dropped.append(Dropped(title, reason, el.sourceline))
    claim(el)
    sibling = _next_element(el)
    if el.tag != "details" and sibling is not None and _panel_class(sibling.get("class", "").lower()):
        claim(sibling)


def _answer_beside(el: _Element, convert: Converter) -> tuple[str, list[_Element]]:
    """The answer next to an accordion title: its item's other content, or the siblings up to the next title."""
    sibling = _next_element(el)
    if sibling is None or not _panel_class(sibling.get("class", "").lower()) or claimed(sibling):
        return "", []
    parent = el.getparent()
    titles = [c for c in parent if isinstance(c.tag, str) and _is_title(c)]
    if parent is not None and len(titles) == 1 and parent.tag not in ("body", "main", "article"):
        return convert.content(parent, exclude=(el,)), [parent]
    parts: list[_Element] = [sibling]
    if _Q_CLASS.search(el.get("class", "").lower()):  # a known title: its answer may run on over plain blocks
        sibling = sibling.getnext()
        while sibling is not None:
            if isinstance(sibling.tag, str):
                if _is_title(sibling) or not _continues(sibling):
                    break
                parts.append(sibling)
            sibling = sibling.getnext()
    return convert.elements(parts), [el, *parts]


def _continues(el: _Element) -> bool:
    """A block that may carry on an answer: not a heading, a disclosure or anything holding another title."""
    if el.tag.lower() in HEADINGS or el.tag.lower() in ("details", "dl", "table", "section", "article"):
        return False
    return not any(isinstance(d.tag, str) and (_Q_CLASS.search(d.get("class", "").lower()) or d.tag == "details")
                   for d in el.iterdescendants())


def details(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    found: list[tuple[_Element, RawPair]] = []
    for el in root.iter("details"):
        summary = next((c for c in el if isinstance(c.tag, str) and c.tag.lower() == "summary"), None)
        if summary is None or claimed(el):
            continue
        question = clean_question(element_text(summary))
        reason = not_a_question(el, element_text(summary), partial(_summaries, el))
        if reason:
            _drop(el, question, reason, convert)
            continue
        answer = clean_answer(convert.content(el, exclude=(summary,)))
        if question and answer:
            found.append((el, RawPair(question=question, answer=answer, line=el.sourceline)))
            claim(el)
    return found


def definition_lists(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    found: list[tuple[_Element, RawPair]] = []
    for dl in root.iter("dl"):
        if claimed(dl):
            continue
        items = dl.xpath("./dt|./dd|./div/dt|./div/dd")
        terms = [i for i in items if i.tag == "dt"]
        asked = sum(asks(element_text(t)) for t in terms)
        if not terms or (asked * 2 < len(terms) and "faq" not in class_text(dl)):
            continue
        groups: list[tuple[_Element, list[_Element]]] = []
        for item in items:
            if item.tag == "dt":
                groups.append((item, []))
            elif groups:
                groups[-1][1].append(item)
        for term, definitions in groups:
            question = clean_question(element_text(term))
            answer = clean_answer(convert.elements(definitions))
            if question and answer:
                found.append((term, RawPair(question=question, answer=answer, line=term.sourceline)))
        claim(dl)
    return found



def tables(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    """Tables of two columns whose first cells are questions."""
    found: list[tuple[_Element, RawPair]] = []
    for table in root.iter("table"):
        if claimed(table):
            continue
        rows = [[c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
                for tr in table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")]
        rows = [r for r in rows if len(r) == 2]
        asked = [r for r in rows if asks(element_text(r[0]))]
        if not asked or len(asked) * 2 < len(rows):
            continue
        for cells in asked:
            question = clean_question(element_text(cells[0]))
            answer = clean_answer(convert.content(cells[1]))
            if question and answer and len(question) <= MAX_QUESTION:
                found.append((cells[0], RawPair(question=question, answer=answer, line=cells[0].sourceline)))
        claim(table)
    return found
