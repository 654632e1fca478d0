"""HTML and plain text to safe Markdown, the form every answer is stored in.

Paragraphs stay paragraphs (separated by blank lines), ``ol``/``ul`` stay ``1.``/``-`` lists
(nested lists indented), links keep http(s)/mailto targets as ``[text](url)``, bold and italic
stay ``**``/``*``. Scripts, styles, frames, forms and images are dropped; nothing is executed.
Clutter blocks inside an answer ("Share on Pinterest", "You might be interested: ...") are
dropped and reported. The converter never invents text: it only re-marks what is there.
"""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from lxml.etree import ParserError, _Comment, _Element, _ProcessingInstruction

from ..models import Dropped
from .clean import clean_markdown, clutter_reason, normalize, strip_suffix_clutter

SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "iframe", "frame", "frameset", "template", "svg", "math", "canvas", "object",
     "embed", "img", "picture", "video", "audio", "source", "track", "map", "input", "select", "textarea", "button",
     "head", "title", "meta", "link", "base"}
)
BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3",
     "h4", "h5", "h6", "pre", "table", "thead", "tbody", "tfoot", "tr", "figure", "figcaption", "address", "header",
     "footer", "nav", "aside", "details", "summary", "hr", "fieldset", "center", "body", "html", "caption", "form"}
)
CLAIMED = "data-oftenasked-claimed"
"""Marks elements a reader already turned into a pair; the converter leaves them out."""
_STRONG = frozenset({"strong", "b"})
_EMPHASIS = frozenset({"em", "i", "cite", "dfn"})
_WS = re.compile(r"[ \t\n\r\f\v\u00a0]+")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*[\s/>]")
_BLOCK_START = re.compile(r"^(\s*)(#{1,6}\s|>|[-+*]\s|\d{1,9}[.)]\s)")
_ORPHAN_ITEM = re.compile(r"^- ")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*•◦▪–]\s+(.*)$")


def holds_blocks(el: _Element) -> bool:
    """An element with block children: a container even when its tag is inline (old pages' <font>, <td>)."""
    return any(_tag(c) in BLOCK_TAGS or (_tag(c) and _tag(c) not in SKIP_TAGS and holds_blocks(c)) for c in el)


def looks_like_html(text: str) -> bool:
    """True when text carries HTML tags (JSON-LD answers often do)."""
    return bool(_TAG.search(text))


def safe_link(href: str | None, base: str | None) -> str | None:
    """The absolute http(s)/mailto target of a link, or None for anything else (javascript:, data:)."""
    if not href:
        return None
    href = href.strip()
    if base and urlsplit(base).scheme in ("http", "https"):
        href = urljoin(base, href)
    scheme = urlsplit(href).scheme.lower()
    if scheme in ("http", "https") or (scheme == "mailto" and len(href) > 7):
        return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return None


def element_text(el: _Element) -> str:
    """The visible text of an element on one line (scripts and styles left out)."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        if isinstance(node.tag, str) and node.tag.lower() in ("script", "style", "template", "noscript"):
            return
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if isinstance(node.tag, str) and node.tag.lower() in BLOCK_TAGS | {"br"}:
            parts.append(" ")

    walk(el)
    return normalize(_WS.sub(" ", "".join(parts))).strip()


def _tag(node: object) -> str:
    if isinstance(node, (_Comment, _ProcessingInstruction)):
        return ""
    if getattr(node, "get", None) is not None and node.get(CLAIMED):  # type: ignore[attr-defined]
        return "template"  # already a pair: skipped like a template
    tag = getattr(node, "tag", "")
    return tag.lower() if isinstance(tag, str) else ""


def escape_block_start(line: str) -> str:
    """Keep a paragraph a paragraph: a leading '# ', '1. ' or '- ' would turn it into a heading or list."""
    match = _BLOCK_START.match(line)
    if not match:
        return line
    at = len(match.group(1))
    marker = match.group(2)
    if marker[0].isdigit():
        digits = len(marker.rstrip(". )\t"))
        return line[: at + digits] + "\\" + line[at + digits :]
    return line[:at] + "\\" + line[at:]


class Converter:
    """Turns HTML elements into Markdown blocks, reporting clutter it leaves out."""

    def __init__(self, base: str | None = None, dropped: list[Dropped] | None = None) -> None:
        self.base = base
        self.dropped = dropped if dropped is not None else []

    # -- entry points -----------------------------------------------------------------
    def elements(self, elements: list[_Element]) -> str:
        """Markdown for a sequence of sibling elements (an answer's blocks)."""
        blocks: list[str] = []
        for el in elements:
            blocks.extend(self.blocks(el, include_self=True))
        return join_blocks(blocks)

    def content(self, el: _Element, exclude: tuple[_Element, ...] = ()) -> str:
        """Markdown for what is inside an element, leaving out some children (a summary, a title)."""
        return join_blocks(self.blocks(el, exclude=exclude))

    def fragment(self, markup: str) -> str:
        """Markdown for an HTML fragment (a JSON-LD answer's text)."""
        try:
            root = lxml_html.fragment_fromstring(markup, create_parent="div")
        except (ParserError, ValueError):
            return plain_to_markdown(htmllib.unescape(_TAG.sub(" ", markup)))
        return self.elements([root])

    # -- blocks -----------------------------------------------------------------------
    def blocks(self, el: _Element, include_self: bool = False, exclude: tuple[_Element, ...] = ()) -> list[str]:
        """Markdown blocks for an element's content (and its own tag with ``include_self``)."""
        tag = _tag(el)
        if include_self:
            if not tag or tag in SKIP_TAGS:
                return []
            if tag in ("ul", "ol"):
                return self._list(el)
            if tag == "pre":
                return self._pre(el)
            if tag == "li":  # an item outside any list (broken markup) is still a list item
                inner = "\n".join(b for b in self.blocks(el) if b.strip())
                return ["- " + inner.replace("\n", "\n  ")] if inner else []
            if tag == "hr":
                return []
            if tag not in BLOCK_TAGS and tag != "br" and not holds_blocks(el):
                return self._paragraphs(self._inline_of([el]), el.sourceline)
        out: list[str] = []
        run: list[object] = []
        if el.text:
            run.append(el.text)
        for child in el:
            ctag = _tag(child)
            if any(child is x for x in exclude):
                pass
            elif ctag in BLOCK_TAGS or (ctag and ctag not in SKIP_TAGS and holds_blocks(child)):
                out.extend(self.run(run, el.sourceline))
                run = []
                if ctag in ("h1", "h2", "h3", "h4", "h5", "h6", "dt", "summary", "caption"):
                    text = self._inline(child).strip()
                    if text:
                        out.extend(self._paragraphs(f"**{text}**" if not text.startswith("**") else text, child.sourceline))
                elif ctag == "tr":
                    out.extend(self._paragraphs(self._row(child), child.sourceline))
                elif ctag == "li" and out and _ORPHAN_ITEM.match(out[-1]) and not "".join(
                    r for r in run if isinstance(r, str)).strip():
                    out[-1] += "\n" + "\n".join(self.blocks(child, include_self=True))  # items outside a list
                else:
                    out.extend(self.blocks(child, include_self=True))
            elif ctag and ctag not in SKIP_TAGS and not any(child is x for x in exclude):
                run.append(child)
            if child.tail:
                run.append(child.tail)
        out.extend(self.run(run, el.sourceline))
        return out

    def _row(self, tr: _Element) -> str:
        cells = [self._inline(c).strip() for c in tr if _tag(c) in ("td", "th")]
        return " | ".join(c for c in cells if c)

    def _pre(self, el: _Element) -> list[str]:
        text = el.text_content().strip("\n")
        if not text.strip():
            return []
        fence = "~~~" if "```" in text else "```"
        return [f"{fence}\n{text}\n{fence}"]

    def _list(self, el: _Element) -> list[str]:
        ordered = _tag(el) == "ol"
        try:
            number = int(el.get("start", "1"))
        except ValueError:
            number = 1
        items: list[str] = []
        for li in el:
            if _tag(li) != "li":
                if _tag(li) in ("ul", "ol") and items:  # a stray nested list: belongs to the item before
                    nested = "\n".join(self._list(li))
                    indent = " " * (len(items[-1]) - len(items[-1].lstrip()) + (3 if ordered else 2))
                    items[-1] += "\n" + "\n".join(indent + line if line else line for line in nested.split("\n"))
                continue
            marker = f"{number}. " if ordered else "- "
            inner = [b for b in self.blocks(li) if b.strip()]
            if not inner:
                continue
            first, glued, reason = strip_suffix_clutter(inner[0])
            if glued and reason:
                self.dropped.append(Dropped(glued, reason, li.sourceline))
            inner[0] = first
            body = "\n".join(inner)
            pad = " " * len(marker)
            lines = body.split("\n")
            items.append(marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:]))
            number += 1
        return ["\n".join(items)] if items else []

    # -- inline -----------------------------------------------------------------------
    def run(self, run: list[object], line: int | None = None) -> list[str]:
        """Markdown paragraphs for a run of text and inline elements (between blocks)."""
        if _link_bar(run):
            self.dropped.append(Dropped(" ".join(_WS.sub(" ", self._plain_run(run)).split()), "navigation", line))
            return []
        return self._paragraphs(self._inline_of(run), line)

    def _plain_run(self, run: list[object]) -> str:
        return "".join(item if isinstance(item, str) else element_text(item) + " " for item in run)  # type: ignore[arg-type]

    def _inline_of(self, run: list[object]) -> str:
        parts: list[str] = []
        for item in run:
            if isinstance(item, str):
                parts.append(_WS.sub(" ", item))
            else:
                parts.append(self._inline(item))  # type: ignore[arg-type]
        return "".join(parts)

    def _inline(self, el: _Element) -> str:
        tag = _tag(el)
        if tag in SKIP_TAGS or not tag:
            return ""
        if tag == "br":
            return "\n"
        inner = _WS.sub(" ", el.text or "")
        for child in el:
            inner += self._inline(child)
            if child.tail:
                inner += _WS.sub(" ", child.tail)
        if tag in _STRONG | _EMPHASIS:
            mark = "**" if tag in _STRONG else "*"
            stripped = inner.strip()
            if not stripped or "\n" in stripped or stripped.startswith("*") or stripped.endswith("*"):
                return inner
            lead = inner[: len(inner) - len(inner.lstrip())]
            trail = inner[len(inner.rstrip()) :]
            return f"{lead}{mark}{stripped}{mark}{trail}"
        if tag == "code":
            stripped = inner.strip()
            return f"`{stripped}`" if stripped and "`" not in stripped else inner
        if tag == "a":
            target = safe_link(el.get("href"), self.base)
            text = inner.strip()
            if target and text and "\n" not in text:
                # Spaces inside the link's text stay, outside its brackets: "the<a> risks</a>" is "the [risks](...)".
                lead = inner[: len(inner) - len(inner.lstrip())]
                trail = inner[len(inner.rstrip()) :]
                text = text.replace("[", "\\[").replace("]", "\\]")
                return f"{lead}[{text}]({target}){trail}"
            return inner
        return inner

    def _paragraphs(self, text: str, line_number: int | None = None) -> list[str]:
        """A run of inline Markdown as paragraphs (a blank line, two <br>, parts them), clutter dropped."""
        paragraphs: list[str] = []
        kept: list[str] = []
        for raw in text.split("\n") + [""]:
            line = normalize(raw).strip()
            if not line:
                if kept:
                    paragraphs.append("\n".join(kept))
                    kept = []
                continue
            reason = clutter_reason(_plain(line))
            if reason:
                self.dropped.append(Dropped(_plain(line), reason, line_number))
                continue
            line, glued, glued_reason = strip_suffix_clutter(line)
            if glued and glued_reason:
                self.dropped.append(Dropped(glued, glued_reason, line_number))
            if line:
                kept.append(escape_block_start(line))
        return paragraphs


_SEPARATORS = re.compile(r"^[\s|·•/\-–—>»,:]*$")
_BAR = re.compile(r"[|·•»]")


def _link_bar(run: list[object]) -> bool:
    """A run of two or more links parted by bars or dots only ("Home | Contact"): a menu, not an answer."""
    links = 0
    between = ""
    stack = list(reversed(run))
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _SEPARATORS.match(item):
                return False
            between += item
        elif _tag(item) == "a":
            links += 1
        elif _tag(item) and _tag(item) != "br":
            node = item  # an inline wrapper (<td>, <font>, <span>): look inside
            parts: list[object] = [node.text or ""]  # type: ignore[attr-defined]
            for child in node:  # type: ignore[attr-defined]
                parts += [child, child.tail or ""]
            stack.extend(reversed(parts))
    return links >= 2 and bool(_BAR.search(between))


def join_blocks(blocks: list[str]) -> str:
    """Blocks as one Markdown text, separated by blank lines."""
    return clean_markdown("\n\n".join(b for b in blocks if b.strip()))


def _plain(markdown_line: str) -> str:
    """A Markdown line without its emphasis and link marks, for matching clutter rules."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown_line)
    return text.replace("**", "").replace("\\", "").strip("* ")


def plain_to_markdown(text: str) -> str:
    """Plain text to Markdown: blank lines part paragraphs, '-'/'1.' lines stay list items."""
    blocks: list[list[str]] = []
    kind = ""
    for raw in normalize(text).split("\n"):
        line = raw.strip()
        if not line:
            kind = ""
            continue
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        if numbered:
            item, new_kind = f"{numbered.group(1)}. {numbered.group(2).strip()}", "ol"
        elif bullet:
            item, new_kind = f"- {bullet.group(1).strip()}", "ul"
        else:
            item, new_kind = line, "p"
        if new_kind != kind or not blocks:
            blocks.append([])
        blocks[-1].append(item)
        kind = new_kind
    return clean_markdown("\n\n".join("\n".join(b) for b in blocks))
