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
headers and footers, sidebars, cookie notices, share buttons, related-post lists, comment forms,
ads, pull quotes, disclaimers, author boxes and calls to action (``chrome``); toggles that are not
questions are dropped by ``toggles``. Where the structured layer disagrees with what the page shows
(an item holding several of its questions, fewer items), the page is followed and the disagreement
reported. A page with no question at all is split at its headings into passages. The layouts live
in ``layouts`` and ``headings``; this module parses, reads the structured layer and merges. The
parser is lxml's (libxml2); nothing on the page is executed or fetched.
"""

from __future__ import annotations

import json
import re

from lxml import html as lxml_html
from lxml.etree import ParserError, _Element

from ...errors import IngestError
from ...models import Dropped
from ..convert import Converter, element_text
from ..dedupe import answer_key, question_key, same_answer
from ..jsonfile import faq_from_jsonld
from ..records import RawPair, ReadResult
from .chrome import strip_chrome
from .headings import OUTSIDE, headings, passages
from .layouts import accordions, claim, clean_question, definition_lists, details, tables

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _same_text(a: str, b: str) -> bool:
    return same_answer(a, b) or (min(len(a), len(b)) >= 40 and (a in b or b in a))


def _lenient_json(raw: str) -> object:
    """JSON-LD as pages write it: raw line breaks inside strings and trailing commas are forgiven."""
    try:
        return json.loads(raw, strict=False)
    except json.JSONDecodeError:
        return json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)


# -- structured layer -----------------------------------------------------------------------
def _jsonld(root: _Element, convert: Converter, dropped: list[Dropped]) -> list[RawPair]:
    pairs: list[RawPair] = []
    for script in root.xpath("//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]"):
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", raw).strip()
        if not raw:
            continue
        try:
            data = _lenient_json(raw)
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
                pairs.append(RawPair(question=clean_question(question), answer=answer, line=item.sourceline))
            claim(item)
    return pairs


# -- structured data against the page ----------------------------------------------------------
DISAGREES = "structured data disagrees with the page"


def _agree(structured: list[RawPair], visible: list[RawPair], dropped: list[Dropped]) -> list[RawPair]:
    """The structured pairs to keep when the page shows its FAQ too: all of them when they agree with it;
    when they don't (an item holding several of the page's questions, or fewer items than the page shows),
    the page is followed, and the disagreement reported."""
    if not structured or len(visible) < 2:
        return structured
    shown = {question_key(p.question) for p in visible}
    if not shown & {question_key(p.question) for p in structured}:
        return structured  # about something else (or worded apart): nothing to compare
    kept: list[RawPair] = []
    for pair in structured:
        held = [p for p in visible if question_key(p.question) != question_key(pair.question)
                and _plain_key(p.question) in _plain_key(pair.answer)]
        if held:
            dropped.append(Dropped(pair.question, f"{DISAGREES}: its item's answer holds {len(held)} other questions"
                                   f" of the page ({held[0].question!r}...); the page's items are kept", pair.line))
        else:
            kept.append(pair)
    missing = [p for p in visible if question_key(p.question) not in {question_key(k.question) for k in structured}]
    if missing and len(structured) < len(visible) and len(kept) == len(structured):
        dropped.append(Dropped(f"{len(structured)} structured items, {len(visible)} on the page",
                               f"{DISAGREES}: the page shows {len(missing)} questions the structured data lacks"
                               f" ({missing[0].question!r}...); the page's items are kept", structured[0].line))
    return kept


def _plain_key(text: str) -> str:
    return " ".join(re.sub(r"[*_`\\[\]()#>]", " ", text).lower().split())


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
    strip_chrome(root, dropped)
    visible = (accordions(root, convert) + details(root, convert) + definition_lists(root, convert)
               + tables(root, convert))
    everything = list(root.iter())  # holds the element proxies, so that their ids stay theirs
    order = {id(el): i for i, el in enumerate(everything)}
    visible.sort(key=lambda item: order.get(id(item[0]), 0))
    found = [pair for _, pair in visible]
    outside: list[Dropped] = []
    found += headings(root, convert, outside, plain=False, sections=True)
    if not structured and not found:
        outside = []
        found = headings(root, convert, outside, plain=True)
    dropped.extend(outside)
    if all(pair.line for pair in found):
        found.sort(key=lambda pair: pair.line or 0)  # page order, whichever strategy found the pair
    structured = _agree(structured, found, dropped)
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
    if not pairs:
        # A help article or answer passage: no question anywhere, so its headings (else its title) stand in.
        pairs = passages(root, convert, title)
        if pairs:
            dropped = [d for d in dropped if d.reason not in OUTSIDE]
    return ReadResult(format="html", pairs=pairs, dropped=dropped, title=title)
