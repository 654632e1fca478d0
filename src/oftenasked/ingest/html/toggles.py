"""Disclosures and toggles that are not questions: references, badges, pickers, product panels.

Pages use ``<details>`` and accordions for much besides their FAQ: a "References" list, an "Expert
reviewed" badge, an age or country picker, a product's "Ingredients" and "Shipping & returns"
panels. A title that asks (ends in "?", or is marked "Q:") is a question; one that doesn't is a
question only where the page shows it is in a FAQ: inside a block whose class or id says "faq",
under a heading like "FAQ" or "Frequently asked questions", or among sibling titles most of which
ask. Anything else is dropped with the reason, and its content is not read as an answer either.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml.etree import _Element

from ..convert import element_text
from .chrome import class_text

_REFERENCES = re.compile(r"^(references?|sources?|bibliography|citations?|footnotes?|notes|further reading|"
                         r"studies|literature)\b", re.IGNORECASE)
_BADGE = re.compile(r"\b(expert|medically|clinically|fact)[- ]?(reviewed|checked|verified)\b|\breviewed by\b|"
                    r"\bverified\b|\bevidence[- ]based\b", re.IGNORECASE)
_PICKER_WORDS = re.compile(r"(?:^|[-_\s])(?:picker|selector|select|age-?gate|popup|modal|dropdown|language|country|"
                           r"currency|locale|region|filter|sort)(?:$|[-_\s])")
_FAQ_TITLE = re.compile(r"\b(faqs?|frequently asked|questions|q\s*&\s*a|questions and answers)\b", re.IGNORECASE)
_Q_MARK = re.compile(r"^(?:Q|Question)\s*\d*\s*[:.)]\s*\S", re.IGNORECASE)
# Fields of a picker; not checkboxes and radio buttons, which CSS-only accordions open and close with.
_FORM_FIELDS = (".//select | .//textarea"
                " | .//input[not(@type) or @type='text' or @type='number' or @type='date' or @type='search']")
_HEADINGS = "self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"


def _asks(text: str) -> bool:
    return text.rstrip(" *¶#§").endswith(("?", "？", "؟")) or bool(_Q_MARK.match(text))


def _in_faq(el: _Element) -> bool:
    """Inside a FAQ block, or after a "FAQ" heading with no other heading of its level or higher between."""
    for ancestor in el.iterancestors():
        if not isinstance(ancestor.tag, str) or ancestor.tag in ("body", "html"):
            break
        words = class_text(ancestor)
        if "faq" in words or "question" in words:
            return True
    heading = next(iter(el.xpath(f"preceding::*[{_HEADINGS}][1]")), None)
    if heading is None:
        return False
    text = element_text(heading)
    if _FAQ_TITLE.search(text):
        return True
    # Under a sub-heading ("Billing") of a FAQ heading: look one level up.
    level = int(heading.tag[1])
    parent = next(iter(heading.xpath(
        "preceding::*[" + " or ".join(f"self::h{n}" for n in range(1, level)) + "][1]")), None) if level > 1 else None
    return parent is not None and bool(_FAQ_TITLE.search(element_text(parent)))


def not_a_question(el: _Element, title: str, siblings: Callable[[], list[str]]) -> str | None:
    """Why a disclosure or accordion item titled ``title`` is not a question, or None when it is one.

    ``siblings`` gives the titles of the items beside it (itself included); asked only when needed."""
    if _REFERENCES.match(title):
        return "references, not a question"
    if _BADGE.search(title):
        return "badge, not a question"
    if _PICKER_WORDS.search(class_text(el)) or el.xpath(_FORM_FIELDS):
        return "picker, not a question"
    if _asks(title):
        return None
    titles = siblings()
    if len(titles) >= 2 and sum(_asks(t) for t in titles) * 2 >= len(titles):
        return None  # most titles beside it ask: a FAQ with some titles that don't ("Opening hours")
    if _in_faq(el):
        return None
    return "toggle that is not a question (a product or page panel)"
