"""The "Often asked" page, rendered as Markdown or as HTML with schema.org FAQPage JSON-LD.

Answers come from scraped pages and are untrusted: raw HTML in them is escaped, never passed
through, and links keep only safe schemes (markdown-it's defaults with HTML disabled).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..models import Answer, Related

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Page:
    """An "Often asked" page: the best answer, related questions with answers, sources."""

    title: str
    question: str
    answer: Answer
    related: tuple[Related, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        if self.answer.best:
            seen[self.answer.best.pair.source] = None
        for r in self.related:
            seen[r.pair.source] = None
        return tuple(s for s in seen if s)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "question": self.question,
            "answer": self.answer.best.to_dict() if self.answer.best else None,
            "answered": self.answer.answered,
            "did_you_mean": [h.to_dict() for h in self.answer.did_you_mean],
            "related": [r.to_dict() for r in self.related],
            "sources": list(self.sources),
        }

    def to_markdown(self) -> str:
        return render_markdown(self)

    def to_html(self) -> str:
        return render_html(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)



def render_markdown(page: Page) -> str:
    lines = [f"# Often asked: {page.question}", ""]
    best = page.answer.best
    if best is not None:
        lines += [best.pair.answer, "", f"*Source: {best.pair.source} · confidence {best.score:.2f}*", ""]
    else:
        lines += ["No good answer to this question in the knowledge base.", ""]
        if page.answer.did_you_mean:
            lines += ["Did you mean:", ""]
            lines += [f"- {h.pair.question}" for h in page.answer.did_you_mean]
            lines.append("")
    if page.related:
        lines += ["## People also ask", ""]
        for item in page.related:
            lines += [f"### {item.pair.question}", "", item.pair.answer, "", f"*Source: {item.pair.source}*", ""]
    if page.sources:
        lines += ["## Sources", ""]
        lines += [f"- {s}" for s in page.sources]
        lines.append("")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@lru_cache(maxsize=2048)
def markdown_to_html(text: str) -> str:
    """Safe HTML for an answer: raw HTML is escaped and unsafe link schemes are refused.

    Cached: the same answers are shown again and again, and rendering a long one takes 0.2 ms.
    """
    return _markdown().render(text)


def faq_jsonld(page: Page) -> dict[str, object]:
    entries = []
    if page.answer.best is not None:
        entries.append((page.answer.best.pair.question, page.answer.best.pair.answer))
    entries += [(r.pair.question, r.pair.answer) for r in page.related]
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "name": f"Often asked: {page.question}",
        "mainEntity": [
            {"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}} for q, a in entries
        ],
    }


def _jsonld_script(data: dict[str, object]) -> str:
    # "</" must not appear inside a <script> element, whatever the answers contain.
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/ld+json">{text}</script>'


def _source_link(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return f'<a href="{html.escape(source, quote=True)}" rel="nofollow noopener">{html.escape(source)}</a>'
    return html.escape(source)


def render_html(page: Page) -> str:
    esc = html.escape
    title = f"Often asked: {page.question}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        _jsonld_script(faq_jsonld(page)),
        "</head><body><main>",
        f"<h1>{esc(title)}</h1>",
    ]
    best = page.answer.best
    if best is not None:
        parts += [
            '<section class="answer">',
            markdown_to_html(best.pair.answer),
            f'<p class="source">Source: {_source_link(best.pair.source)} · confidence {best.score:.2f}</p>',
            "</section>",
        ]
    else:
        parts.append('<p class="no-answer">No good answer to this question in the knowledge base.</p>')
        if page.answer.did_you_mean:
            parts.append("<p>Did you mean:</p><ul>")
            parts += [f"<li>{esc(h.pair.question)}</li>" for h in page.answer.did_you_mean]
            parts.append("</ul>")
    if page.related:
        parts.append('<section class="related"><h2>People also ask</h2>')
        for item in page.related:
            parts += [
                f"<details><summary>{esc(item.pair.question)}</summary>",
                markdown_to_html(item.pair.answer),
                f'<p class="source">Source: {_source_link(item.pair.source)}</p></details>',
            ]
        parts.append("</section>")
    if page.sources:
        parts.append("<footer><h2>Sources</h2><ul>")
        parts += [f"<li>{_source_link(s)}</li>" for s in page.sources]
        parts.append("</ul></footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts)
