"""Disclosures and toggles that are not questions: references, badges, pickers, product panels.

Pages use ``<details>`` and accordions for much besides their FAQ: a "References" list, an "Expert
reviewed" badge, an age or country picker, a product's "Ingredients" and "Shipping & returns"
panels. A title that asks (ends in "?", or is marked "Q:") is a question; one that doesn't is a
question where the page shows it is in a FAQ (inside a block whose class or id says "faq", under a
heading like "FAQ" or "Frequently asked questions", or among sibling titles most of which ask), and
otherwise too ("Delivery times"), unless it sits in a product's block (a shop's panels) or is the title
of a panel pages fold away ("Table of contents", "Specifications"). What is dropped is reported with
the reason, and its content is not read as an answer either.
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
_PRODUCT = re.compile(r"(?:^|[-_\s])(?:product|products|product-info|product-details|pdp|add-to-cart|addtocart|buy-box)"
                      r"(?:$|[-_\s])")
# Titles of panels that pages fold away: never questions unless the page puts them in its FAQ.
_PANEL_TITLES = re.compile(
    r"^(table of contents|contents|in this (article|post|guide)|on this page|jump to|transcript|show (more|less|all)|"
    r"read more|see more|more( info(rmation)?)?|details|specifications?|specs|(product )?description|product details|"
    r"ingredients|nutrition( facts| information)?|how to use|directions( for use)?|shipping( (and|&) returns)?|returns|"
    r"delivery( (and|&) returns)?|reviews?|customer reviews|size (guide|chart)|materials?|care( instructions)?|"
    r"features|warranty|what'?s in the box|downloads?|key (facts|features)|filters?|sort( by)?|menu|categories|tags|"
    r"archives?|share|print|sources?|disclosures?)\s*:?$", re.IGNORECASE)
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


def _in_product(el: _Element) -> bool:
    """Inside a product's block (a shop's product page): its toggles are the product's panels."""
    for node in (el, *el.iterancestors()):
        if not isinstance(node.tag, str) or node.tag in ("body", "html"):
            break
        if _PRODUCT.search(class_text(node)) or "Product" in (node.get("itemtype") or "") + (node.get("typeof") or ""):
            return True
    return False


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
    if _in_product(el):
        return "product panel, not a question"
    if _PANEL_TITLES.match(title.strip()):
        return "page panel, not a question"
    return None  # an accordion title is a question, "?" or not ("Delivery times")
