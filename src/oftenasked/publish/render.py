"""The site's pages as HTML: a page per need, the index by topic or source, the search page.

Answers are untrusted: they go through the served page's renderer (``answer/page.py``: raw HTML
escaped, unsafe link schemes refused), and every page but the search page forbids scripts in its
Content-Security-Policy, so a ``<script>`` that came with a source can never run. Pages carry the
served page's schema.org FAQPage JSON-LD. No framework: one small style sheet, and a script on the
search page only.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from ..answer.page import faq_jsonld, markdown_to_html
from ..models import Answer, Hit, Page, Pair, Related

esc = html.escape
PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; form-action 'self'"
SEARCH_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' https: data:;"
    " base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Often asked"
    base_url: str = ""
    """Where the site is published (ends with "/"); empty: links and canonical URLs stay relative."""
    search: bool = True
    """Whether the site has its search page (and every page a search box)."""

    def absolute(self, path: str) -> str:
        return self.base_url + quote(path) if self.base_url else ""


@dataclass(frozen=True)
class Link:
    """A related question on a page: the pair shown and the page of its need."""

    pair: Pair
    path: str


@dataclass(frozen=True)
class NeedPage:
    path: str
    """Where the page is, from the site's root: ``q/<slug>.html``."""
    answers: tuple[Pair, ...]
    """The need's pairs, best answer first."""
    related: tuple[Link, ...]
    topic: str
    topic_path: str

    @property
    def question(self) -> str:
        return self.answers[0].question


def source_name(source: str) -> str:
    """A source as the public sees it: a URL as it is; a local file by its name only (a published
    page has no business showing the folders of the machine that built it)."""
    if source.startswith(("http://", "https://")):
        return source
    if source.startswith("starter:"):
        return source[len("starter:"):]
    return PurePath(source.replace("\\", "/")).name or source


def _source(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return f'<a href="{esc(source)}" rel="nofollow noopener">{esc(source)}</a>'
    return esc(source_name(source))


def _json_script(data: object) -> str:
    # Nothing in the answers can close the element or start markup inside it.
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def _relative(path: str, target: str) -> str:
    """``target`` (from the root) as a link from the page at ``path``."""
    depth = path.count("/")
    return quote("../" * depth + target, safe="/#")


def _head(config: SiteConfig, path: str, title: str, *, description: str = "", csp: str = PAGE_CSP) -> list[str]:
    canonical = config.absolute(path) or quote(path.rsplit("/", 1)[-1])
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        f"<title>{esc(title)}</title>",
        f'<link rel="canonical" href="{esc(canonical)}">',
        f'<link rel="stylesheet" href="{_relative(path, "site.css")}">',
    ]
    if description:
        parts.append(f'<meta name="description" content="{esc(description)}">')
    return parts


def _header(config: SiteConfig, path: str, *, search: bool = True) -> list[str]:
    parts = [
        '<a class="skip" href="#main">Skip to content</a>',
        '<header class="site"><p class="brand">'
        f'<a href="{_relative(path, "index.html")}">{esc(config.title)}</a></p>',
    ]
    if search and config.search:
        parts.append(
            f'<form role="search" class="search" action="{_relative(path, "search.html")}" method="get">'
            '<label for="site-q">Search the questions</label>'
            '<input id="site-q" name="q" type="search" autocomplete="off">'
            "<button type=\"submit\">Search</button></form>"
        )
    parts.append("</header>")
    return parts


def _footer(config: SiteConfig) -> list[str]:
    return [f'<footer class="site"><p>{esc(config.title)} · made with oftenasked</p></footer>', "</body></html>"]


def describe(markdown: str, limit: int = 160) -> str:
    """A plain-text summary of an answer for the description meta tag."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # a link or image: its text only
    text = re.sub(r"[*_`#>]", "", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def jsonld(page: NeedPage, config: SiteConfig) -> dict[str, object]:
    """The served page's FAQPage JSON-LD, with the need's other answers as suggested answers."""
    best = page.answers[0]
    model = Page(
        title=f"Often asked: {best.question}",
        question=best.question,
        answer=Answer(question=best.question, hits=(Hit(pair=best, score=1.0, matched_question=best.question),),
                      threshold=0.0),
        related=tuple(Related(pair=link.pair, score=0.0) for link in page.related),
    )
    data = faq_jsonld(model)
    entities = data["mainEntity"]
    assert isinstance(entities, list)
    if len(page.answers) > 1:
        entities[0]["suggestedAnswer"] = [{"@type": "Answer", "text": p.answer} for p in page.answers[1:]]
    if config.base_url:
        data["url"] = config.absolute(page.path)
        entities[0]["url"] = config.absolute(page.path)
        for entity, link in zip(entities[1:], page.related):
            entity["url"] = config.absolute(link.path)
    return data


def need_page(page: NeedPage, config: SiteConfig, rendered: dict[str, str]) -> str:
    """The page of one need. ``rendered`` caches answers' HTML by pair id across pages."""

    def answer_html(pair: Pair) -> str:
        if pair.id not in rendered:
            rendered[pair.id] = markdown_to_html(pair.answer)
        return rendered[pair.id]

    best = page.answers[0]
    parts = _head(config, page.path, f"{best.question} · {config.title}", description=describe(best.answer))
    parts.append(_json_script(jsonld(page, config)))
    parts.append("</head><body>")
    parts += _header(config, page.path)
    parts.append(
        '<nav class="crumbs" aria-label="Breadcrumb">'
        f'<a href="{_relative(page.path, "index.html")}">All questions</a> › '
        f'<a href="{_relative(page.path, page.topic_path)}">{esc(page.topic)}</a></nav>'
    )
    parts.append('<main id="main"><article data-pagefind-body>')
    parts.append(f"<h1>{esc(best.question)}</h1>")
    parts += ['<section class="answer" aria-label="Answer">', answer_html(best),
              f'<p class="source">Source: {_source(best.source)}</p></section>']
    if len(page.answers) > 1:
        parts.append('<section class="others" aria-labelledby="others"><h2 id="others">Other answers to this question</h2>')
        for number, pair in enumerate(page.answers[1:], start=2):
            label = f"Answer {number}, from {source_name(pair.source)}"  # landmarks need names of their own
            parts += [f'<section class="answer" aria-label="{esc(label)}">', answer_html(pair),
                      f'<p class="source">Source: {_source(pair.source)}</p></section>']
        parts.append("</section>")
    parts.append("</article>")
    if page.related:
        parts.append('<section class="related" aria-labelledby="related" data-pagefind-ignore>'
                     '<h2 id="related">People also ask</h2>')
        for link in page.related:
            parts += [
                f"<details><summary>{esc(link.pair.question)}</summary>",
                answer_html(link.pair),
                f'<p class="source">Source: {_source(link.pair.source)}</p>',
                f'<p class="more"><a href="{_relative(page.path, link.path)}">Page for this question</a></p></details>',
            ]
        parts.append("</section>")
    parts.append("</main>")
    parts += _footer(config)
    return "\n".join(parts)


def listing_page(
    config: SiteConfig, path: str, heading: str, groups: Sequence[tuple[str, str, Sequence[tuple[str, str]]]],
    *, letters: Sequence[tuple[str, str, int]] = (), summary: str = "",
) -> str:
    """An index: ``groups`` of (topic, anchor, [(question, page path)]), with a letter bar if given.

    ``letters``: (letter, page path, questions) of every letter page, for a large site.
    """
    parts = _head(config, path, heading if heading == config.title else f"{heading} · {config.title}")
    parts.append("</head><body>")
    parts += _header(config, path)
    parts.append(f'<main id="main"><h1>{esc(heading)}</h1>')
    if summary:
        parts.append(f'<p class="summary">{esc(summary)}</p>')
    if letters:
        parts.append('<nav class="letters" aria-label="Topics by letter"><ul>')
        parts += [f'<li><a href="{_relative(path, p)}">{esc(letter)} <span>({count})</span></a></li>'
                  for letter, p, count in letters]
        parts.append("</ul></nav>")
    for topic, anchor, questions in groups:
        parts.append(f'<section class="topic" aria-labelledby="{esc(anchor)}"><h2 id="{esc(anchor)}">{esc(topic)}</h2><ul>')
        parts += [f'<li><a href="{_relative(path, p)}">{esc(q)}</a></li>' for q, p in questions]
        parts.append("</ul></section>")
    parts.append("</main>")
    parts += _footer(config)
    return "\n".join(parts)


def search_page(config: SiteConfig) -> str:
    path = "search.html"
    parts = _head(config, path, f"Search · {config.title}", csp=SEARCH_CSP)
    parts.append('<script type="module" src="search.js"></script>')
    parts.append("</head><body>")
    parts += _header(config, path, search=False)
    parts += [
        '<main id="main"><h1>Search the questions</h1>',
        '<form role="search" id="search-form" class="search big" action="search.html" method="get">',
        '<label for="search-q">Your question</label>',
        '<input id="search-q" name="q" type="search" autocomplete="off">',
        '<button type="submit">Search</button></form>',
        '<p id="search-status" role="status" aria-live="polite"></p>',
        '<ol id="search-results" class="results"></ol>',
        "<noscript><p>Searching needs JavaScript; the index lists every question.</p></noscript>",
        "</main>",
    ]
    parts += _footer(config)
    return "\n".join(parts)
