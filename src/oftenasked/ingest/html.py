"""HTML FAQ pages, from a clean FAQ block to a whole saved page full of clutter.

Strategies, most explicit first; each claims the elements it used so that no pair is counted twice:

1. the structured layer: schema.org FAQPage JSON-LD (any number of blocks, ``@graph`` too) and
   microdata (``itemtype=".../Question"``, ``itemprop=name/acceptedAnswer/text``);
2. accordions of site builders (Yoast ``schema-faq-section``, Elementor, Bootstrap collapse, ARIA
   ``aria-controls``, Rank Math and other ``*question``/``*answer`` class pairs);
3. ``<details>/<summary>`` (WordPress ``wp-block-details`` too) and ``<dl>/<dt>/<dd>``;
4. headings (h2-h6) or bold lines ending in "?" followed by answer blocks (and, when a page has
   none of those, plain paragraphs ending in "?").

Before the visible strategies run, page chrome is removed and reported with a reason: navigation,
headers and footers, sidebars, cookie notices, share buttons, related-post lists, comment forms and
ads. The parser is lxml's (libxml2); nothing on the page is executed or fetched.
"""

from __future__ import annotations

import json
import re

from lxml import html as lxml_html
from lxml.etree import ParserError, _Element

from ..errors import IngestError
from ..models import Dropped
from .clean import clutter_reason, normalize
from .convert import BLOCK_TAGS, CLAIMED, SKIP_TAGS, Converter, element_text, join_blocks
from .dedupe import answer_key, question_key, same_answer
from .jsonfile import faq_from_jsonld
from .records import RawPair, ReadResult

_CLAIMED = CLAIMED
_MAX_QUESTION = 300
_MAX_REPORTED = 300

_CLASS_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(r"(?:^|[-_\s])(?:" + words + r")(?:$|[-_\s])"), reason)
    for words, reason in (
        (r"cookies?|cookie-?notice|consent|gdpr|cmplz|onetrust|cookiebar|cc-window", "cookie notice"),
        (r"adblock|adblocker|ad-blocker|adblock-notice", "ad-blocker notice"),
        (r"share|shares|sharing|social|sharedaddy|addtoany|a2a|ssba|heateor|sharethis|shariff|social-icons",
         "share button"),
        (r"comments?|respond|commentform|comment-respond|disqus|reply", "comment form"),
        (r"related|relatedposts|yarpp|read-more|readmore|recommended|more-posts|post-navigation|you-may-like|"
         r"popular-posts|recent-posts", "cross-link to another page"),
        (r"ad|ads|advert|adverts|advertisement|adsbygoogle|adsense|sponsor|sponsored|dfp|ad-slot|adslot|"
         r"taboola|outbrain|promo", "advertisement"),
        (r"votes?|voting|feedback|helpful|was-this-helpful|article-rating", "feedback widget"),
        (r"nav|navbar|navigation|menu|breadcrumbs?|sidebar|widget-area|skip-link|pagination|site-header|"
         r"site-footer|masthead|topbar|toc|newsletter|subscribe", "navigation"),
    )
)
# Consent managers whose ids and classes run words together ("CybotCookiebotDialog").
_CLASS_SUBSTRINGS = (("cookiebot", "cookie notice"), ("cookielaw", "cookie notice"), ("cookie-law", "cookie notice"),
                     ("usercentrics", "cookie notice"), ("didomi", "cookie notice"), ("iubenda", "cookie notice"),
                     ("truste", "cookie notice"), ("qc-cmp", "cookie notice"), ("osano", "cookie notice"),
                     ("adsbygoogle", "advertisement"), ("google-ad", "advertisement"))
_SCREEN_READER = re.compile(r"(?:^|\s)(?:sr-only|screen-reader-text|visually-hidden|visuallyhidden|screen-reader-only"
                            r"|a11y-hidden|assistive-text)(?:$|\s)")
_TAG_REASONS = {"nav": "navigation", "header": "navigation", "footer": "navigation", "aside": "navigation"}
_ROLE_REASONS = {"navigation": "navigation", "banner": "navigation", "contentinfo": "navigation",
                 "complementary": "navigation", "search": "navigation"}
_NEVER_DROPPED = frozenset({"html", "body", "main", "article"})
_FAQ_MARKERS = (
    ".//details | .//*[not(self::a) and (contains(translate(@class,'FAQ','faq'),'faq')"
    " or contains(translate(@id,'FAQ','faq'),'faq') or contains(@class,'accordion') or contains(@itemtype,'Question')"
    " or contains(@typeof,'Question') or contains(@class,'elementor-toggle'))]"
)
_BOX = r"(?:accordion|faq|toggle|collaps\w*|expand\w*|qa|qna|disclosure)"
_Q_CLASS = re.compile(
    r"(?:^|[-_\s])(?:question|tab[-_]+title|card[-_]+header|panel[-_]+heading|panel[-_]+title|faq[-_]*q|ea-header|"
    r"muiaccordionsummary|w-dropdown-toggle|"
    + _BOX + r"\w*(?:[-_]+\w+)*?[-_]+(?:title|button|header|heading|trigger|toggle|summary|head|label|q))(?:$|[-_\s])"
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


def _panel_class(classes: str) -> bool:
    """The class of the panel an accordion title opens."""
    return bool(_A_CLASS.search(classes) or _PANEL.search(classes))


_BOLD_QUESTION = re.compile(
    r"^\*\*(?:(?:Q|Question)\s*\d*\s*[:.]\s*)?(.{2,300}?\?)\*\*\s*(?:\n|$)"
    r"|^\*\*(?:Q|Question)\s*\d*\s*[:.]?\*\*\s*(.{2,300}?\?)\s*(?:\n|$)"
)
_EDGE_SYMBOLS = re.compile(r"^[^\w\"'“‘(¿¡]+|(?<=\?)[^\w\"'”’)]+$|\s+[+−–▼▲▾▸►›»]+$")
_Q_PREFIX = re.compile(r"^(?:Q|Question)\s*\d*\s*[:.)]\s*|^\d{1,3}[.)]\s+", re.IGNORECASE)
_A_PREFIX = re.compile(r"^\*{0,2}(?:A|Answer)\s*[:.]\s*\*{0,2}\s*", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _classes(el: _Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".lower()


def _clean_question(text: str) -> str:
    text = _EDGE_SYMBOLS.sub("", normalize(text).replace("\n", " ").strip())
    return _Q_PREFIX.sub("", text).strip()


def _clean_answer(markdown: str) -> str:
    return _A_PREFIX.sub("", markdown, count=1).strip()


def _same_text(a: str, b: str) -> bool:
    return same_answer(a, b) or (min(len(a), len(b)) >= 40 and (a in b or b in a))


def _report(el: _Element, reason: str) -> Dropped | None:
    text = element_text(el)
    if not text:
        return None
    if len(text) > _MAX_REPORTED:
        text = text[: _MAX_REPORTED - 1].rstrip() + "…"
    return Dropped(text, reason, el.sourceline)


def _claim(*elements: _Element) -> None:
    for el in elements:
        el.set(_CLAIMED, "1")


def _claimed(el: _Element) -> bool:
    return bool(el.xpath(f"ancestor-or-self::*[@{_CLAIMED}]"))


# -- structured layer -----------------------------------------------------------------------
def _jsonld(root: _Element, convert: Converter, dropped: list[Dropped]) -> list[RawPair]:
    pairs: list[RawPair] = []
    for script in root.xpath("//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]"):
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", raw).strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            dropped.append(Dropped(f"JSON-LD block: {exc.msg}", "malformed JSON-LD", script.sourceline))
            continue
        pairs.extend(faq_from_jsonld(data, script.sourceline, convert.fragment))
    return pairs


def _own(el: _Element, scope: _Element, scope_attr: str) -> bool:
    """True when ``el`` belongs to ``scope`` and not to an item nested inside it."""
    owner = next(iter(el.xpath(f"ancestor::*[@{scope_attr}][1]")), None)
    return owner is scope


def _prop(name: str, attr: str) -> str:
    return f"contains(concat(' ',normalize-space(@{attr}),' '),' {name} ')"


def _microdata(root: _Element, convert: Converter) -> list[RawPair]:
    """schema.org Questions marked up as microdata (itemprop) or RDFa (property/typeof)."""
    pairs: list[RawPair] = []
    for scope, kind, prop in (("itemscope", "itemtype", "itemprop"), ("typeof", "typeof", "property")):
        query = f"//*[@{scope}][contains(@{kind},'Question')]"
        for item in root.xpath(query):
            if not re.search(r"(^|[/:#\s])Question(\s|$)", item.get(kind, "")):
                continue
            names = [n for n in item.xpath(f".//*[{_prop('name', prop)} or {_prop('schema:name', prop)}]")
                     if _own(n, item, scope)]
            question = ""
            if names:
                question = names[0].get("content") if names[0].tag == "meta" else element_text(names[0])
            answers = item.xpath(
                f".//*[{_prop('acceptedAnswer', prop)} or {_prop('suggestedAnswer', prop)}"
                f" or {_prop('schema:acceptedAnswer', prop)}]"
            )
            if not question or not answers:
                continue
            texts = [t for t in answers[0].xpath(f".//*[{_prop('text', prop)} or {_prop('schema:text', prop)}]")
                     if _own(t, answers[0], scope)]
            holder = texts[0] if texts else answers[0]
            answer = holder.get("content") if holder.tag == "meta" else convert.elements([holder])
            if answer:
                pairs.append(RawPair(question=_clean_question(question), answer=answer, line=item.sourceline))
            _claim(item)
    return pairs


def _tables(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    """Tables of two columns whose first cells are questions."""
    found: list[tuple[_Element, RawPair]] = []
    for table in root.iter("table"):
        if _claimed(table):
            continue
        rows = [[c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
                for tr in table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")]
        rows = [r for r in rows if len(r) == 2]
        asked = [r for r in rows if asks(element_text(r[0]))]
        if not asked or len(asked) * 2 < len(rows):
            continue
        for cells in asked:
            question = _clean_question(element_text(cells[0]))
            answer = _clean_answer(convert.content(cells[1]))
            if question and answer and len(question) <= _MAX_QUESTION:
                found.append((cells[0], RawPair(question=question, answer=answer, line=cells[0].sourceline)))
        _claim(table)
    return found


# -- clutter --------------------------------------------------------------------------------
def _clutter_reason(el: _Element) -> str | None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in _NEVER_DROPPED:
        return None
    classes = _classes(el)
    for pattern, reason in _CLASS_RULES:
        if pattern.search(classes):
            return reason
    for word, reason in _CLASS_SUBSTRINGS:
        if word in classes:
            return reason
    role = (el.get("role") or "").lower()
    if role in _ROLE_REASONS:
        return _ROLE_REASONS[role]
    if tag == "form":
        return "comment form" if "comment" in (el.get("action") or "") + classes else "form"
    return _TAG_REASONS.get(tag)


def _strip_clutter(root: _Element, dropped: list[Dropped]) -> None:
    for el in list(root.iter("script", "style", "noscript", "iframe", "template", "svg", "object", "embed")):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter()):
        if isinstance(el.tag, str) and _SCREEN_READER.search(_classes(el)) and el.getparent() is not None:
            el.drop_tree()  # text for screen readers repeats what is shown ("opens in a new tab")
    body = root.find("body")
    page_chars = len(element_text(body if body is not None else root)) or 1
    doomed: list[tuple[_Element, str]] = []

    def visit(el: _Element) -> None:
        for child in el:
            if not isinstance(child.tag, str) or child.get(_CLAIMED):
                continue
            reason = _clutter_reason(child)
            # The page's main wrapper, or a block holding the FAQ itself, is never chrome.
            if reason and not child.xpath(_FAQ_MARKERS) and len(element_text(child)) < 0.5 * page_chars:
                doomed.append((child, reason))
            else:
                visit(child)

    visit(root)
    for el, reason in doomed:
        report = _report(el, reason)
        if report:
            dropped.append(report)
        el.drop_tree()


# -- visible strategies ------------------------------------------------------------------------
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
    if not set(classes.split()) & _TOGGLES:
        return False
    panel = _next_element(el)
    return panel is not None and _panel_class(panel.get("class", "").lower())


def _accordions(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    found: list[tuple[_Element, RawPair]] = []
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    ids = {el.get("id", ""): el for el in elements if el.get("id")}
    for el in elements:
        if not (_is_title(el) or _aria_title(el)) or _claimed(el):
            continue
        if any(_A_CLASS.search(d.get("class", "").lower()) for d in el.iterdescendants() if isinstance(d.tag, str)):
            continue  # a wrapper holding both question and answer
        question = _clean_question(element_text(el))
        answer_el = _target(el, ids)
        if answer_el is not None and not _claimed(answer_el):
            answer, used = convert.elements([answer_el]), [el, answer_el]
        else:
            answer, used = _answer_beside(el, convert)
        answer = _clean_answer(answer)
        if question and answer and len(question) <= _MAX_QUESTION:
            found.append((el, RawPair(question=question, answer=answer, line=el.sourceline)))
            _claim(*used)
    return found


def _answer_beside(el: _Element, convert: Converter) -> tuple[str, list[_Element]]:
    """The answer next to an accordion title: its item's other content, or the siblings up to the next title."""
    sibling = _next_element(el)
    if sibling is None or not _panel_class(sibling.get("class", "").lower()) or _claimed(sibling):
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
    if el.tag.lower() in _HEADINGS or el.tag.lower() in ("details", "dl", "table", "section", "article"):
        return False
    return not any(isinstance(d.tag, str) and (_Q_CLASS.search(d.get("class", "").lower()) or d.tag == "details")
                   for d in el.iterdescendants())


def _details(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    found: list[tuple[_Element, RawPair]] = []
    for el in root.iter("details"):
        summary = next((c for c in el if isinstance(c.tag, str) and c.tag.lower() == "summary"), None)
        if summary is None or _claimed(el):
            continue
        question = _clean_question(element_text(summary))
        answer = _clean_answer(convert.content(el, exclude=(summary,)))
        if question and answer:
            found.append((el, RawPair(question=question, answer=answer, line=el.sourceline)))
            _claim(el)
    return found


def _definition_lists(root: _Element, convert: Converter) -> list[tuple[_Element, RawPair]]:
    found: list[tuple[_Element, RawPair]] = []
    for dl in root.iter("dl"):
        if _claimed(dl):
            continue
        items = dl.xpath("./dt|./dd|./div/dt|./div/dd")
        terms = [i for i in items if i.tag == "dt"]
        asked = sum(asks(element_text(t)) for t in terms)
        if not terms or (asked * 2 < len(terms) and "faq" not in _classes(dl)):
            continue
        groups: list[tuple[_Element, list[_Element]]] = []
        for item in items:
            if item.tag == "dt":
                groups.append((item, []))
            elif groups:
                groups[-1][1].append(item)
        for term, definitions in groups:
            question = _clean_question(element_text(term))
            answer = _clean_answer(convert.elements(definitions))
            if question and answer:
                found.append((term, RawPair(question=question, answer=answer, line=term.sourceline)))
        _claim(dl)
    return found


_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEAF_BLOCKS = frozenset({"p", "ul", "ol", "pre", "blockquote", "dl", "address"})
Block = tuple[str, int, str, "int | None"]


def _has_blocks(el: _Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag.lower() in BLOCK_TAGS for c in el)


def _holds_questions(listing: _Element) -> bool:
    """A list whose items are Q&A: items led by a question heading or a bold question."""
    count = 0
    for item in listing:
        children = [c for c in item if isinstance(c.tag, str)]
        if not children:
            continue
        first = children[0]
        lead = first.tag.lower() in _HEADINGS or (first.tag.lower() in ("strong", "b") and not (item.text or "").strip())
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
        if not tag or child.get(_CLAIMED) or tag in SKIP_TAGS:
            pass
        elif tag in _HEADINGS:
            flush()
            text = element_text(child)
            if text:
                out.append(("h", _HEADINGS[tag], text, child.sourceline))
        elif tag in ("ul", "ol") and _holds_questions(child):
            flush()
            for item in child:
                if isinstance(item.tag, str) and not item.get(_CLAIMED):
                    _flatten(item, convert, out)
        elif tag in BLOCK_TAGS:
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


_FAQ_TITLE = re.compile(r"\b(faqs?|frequently asked|questions|q\s*&\s*a|questions and answers)\b", re.IGNORECASE)
_Q_LINE = re.compile(r"^(?:\*\*)?(?:Q|Question)\s*\d*\s*[:.)](?:\*\*)?\s+(\S.{1,300})$", re.IGNORECASE)
_BOLD_LEAD = re.compile(r"^\*\*(?:(?:Q|Question)\s*\d*\s*[:.]\s*)?(.{2,300}?[?？؟])\*\*\s+(\S.*)$", re.DOTALL)


def asks(text: str) -> bool:
    """Reads as a question: ends with a question mark (any script's)."""
    return text.rstrip(" *").endswith(("?", "？", "؟"))


def _classify(flat: list[Block], plain: bool, sections: bool) -> list[Block]:
    """Mark question blocks ('q'): question headings, bold and "Q:" lines, and (``plain``) question paragraphs."""
    blocks: list[Block] = []
    for kind, level, text, line in flat:
        if kind == "c":
            bold = _BOLD_QUESTION.match(text) or _BOLD_LEAD.match(text)
            if bold:
                question = next(g for g in bold.groups() if g)
                rest = text[bold.end() :].strip() if bold.re is _BOLD_QUESTION else bold.group(2).strip()
                blocks.append(("q", 7, question, line))
                if rest:
                    blocks.append(("c", 0, rest, line))
                continue
            single = "\n" not in text and len(text) <= _MAX_QUESTION
            q_line = _Q_LINE.match(text) if single else None
            if q_line or (plain and single and asks(text)):
                blocks.append(("q", 8, text.replace("\\", ""), line))
                continue
        if kind == "h" and clutter_reason(text):
            blocks.append(("x", 0, text, line))
            continue
        if kind == "h" and asks(text) and level > 1 and len(text) <= _MAX_QUESTION:
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
        if not inside or any(blocks[i][0] == "q" for i in inside):
            continue
        deepest = max(blocks[i][1] for i in inside)
        if sum(blocks[i][1] == deepest for i in inside) < 2:
            continue  # one heading under "FAQ" is not a list of questions
        for i in inside:
            if blocks[i][1] == deepest and len(blocks[i][2]) <= _MAX_QUESTION:
                out[i] = ("q", deepest, blocks[i][2], blocks[i][3])
    return out


def _headings(
    root: _Element, convert: Converter, dropped: list[Dropped], plain: bool, sections: bool = False
) -> list[RawPair]:
    """Pairs from question headings, bold or "Q:" lines; ``sections``: also headings under a "FAQ" title."""
    body = root.find("body") if root.find("body") is not None else root
    flat: list[Block] = []
    _flatten(body, convert, flat)
    pairs: list[RawPair] = []
    current: tuple[str, int, int | None] | None = None
    answer: list[str] = []

    def finish() -> None:
        if current is None:
            return
        text = _clean_answer(join_blocks(answer))
        if text:
            pairs.append(RawPair(question=_clean_question(current[0]), answer=text, line=current[2]))
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
            dropped.append(Dropped(text, "heading outside the questions", line))
        elif current is not None:
            answer.append(text)
        else:
            dropped.append(Dropped(_short(text), "text outside the questions", line))
    finish()
    return pairs


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REPORTED else text[: _MAX_REPORTED - 1].rstrip() + "…"


# -- the reader -------------------------------------------------------------------------------
def _title(root: _Element) -> str | None:
    for path in ("//h1", "//title"):
        found = root.xpath(path)
        if found:
            text = element_text(found[0])
            if text:
                return text
    return None


def parse(text: str, origin: str) -> _Element:
    """Parse an HTML page; an empty or unparsable one is an :class:`IngestError`."""
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise IngestError(origin, "empty page")
    try:
        return lxml_html.document_fromstring(text)
    except (ParserError, ValueError) as exc:
        raise IngestError(origin, f"not a readable HTML page ({exc})") from None


def read_html(text: str, origin: str) -> ReadResult:
    """Read the Q&A pairs of an HTML page; clutter is dropped and reported."""
    root = parse(text, origin)
    dropped: list[Dropped] = []
    base = origin if origin.startswith(("http://", "https://")) else None
    base_el = root.xpath("//base[@href]")
    if base_el and base_el[0].get("href", "").startswith(("http://", "https://")):
        base = base_el[0].get("href")
    convert = Converter(base, dropped)
    title = _title(root)
    structured = _jsonld(root, convert, dropped) + _microdata(root, convert)
    _strip_clutter(root, dropped)
    visible = (_accordions(root, convert) + _details(root, convert) + _definition_lists(root, convert)
               + _tables(root, convert))
    everything = list(root.iter())  # holds the element proxies, so that their ids stay theirs
    order = {id(el): i for i, el in enumerate(everything)}
    visible.sort(key=lambda item: order.get(id(item[0]), 0))
    found = [pair for _, pair in visible]
    outside: list[Dropped] = []
    found += _headings(root, convert, outside, plain=False, sections=True)
    if not structured and not found:
        outside = []
        found = _headings(root, convert, outside, plain=True)
    dropped.extend(outside)
    pairs: list[RawPair] = []
    seen: set[str] = set()
    given = [answer_key(p.answer) for p in structured]
    for at, pair in enumerate(structured + found):
        key = question_key(pair.question)
        if not key or key in seen:
            continue
        if at >= len(structured) and any(_same_text(answer_key(pair.answer), a) for a in given):
            continue  # the visible copy of a structured pair, worded differently
        seen.add(key)
        pairs.append(pair)
    return ReadResult(format="html", pairs=pairs, dropped=dropped, title=title)
