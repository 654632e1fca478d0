"""sitemap.xml and robots.txt: what search engines read to find every page."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

MAX_URLS = 50_000
"""URLs in one sitemap file (the protocol's limit); past it, an index of sitemap files."""


def sitemaps(base_url: str, entries: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Sitemap files by name, for (absolute URL, last-modified date) entries.

    One ``sitemap.xml`` up to ``MAX_URLS`` URLs; past that ``sitemap.xml`` is an index of
    ``sitemap-1.xml``, ``sitemap-2.xml``, ...
    """

    def urlset(chunk: Sequence[tuple[str, str]]) -> str:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        lines += [f"<url><loc>{escape(url)}</loc><lastmod>{escape(day)}</lastmod></url>" for url, day in chunk]
        lines.append("</urlset>")
        return "\n".join(lines) + "\n"

    if len(entries) <= MAX_URLS:
        return {"sitemap.xml": urlset(entries)}
    files: dict[str, str] = {}
    index = ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for number, start in enumerate(range(0, len(entries), MAX_URLS), start=1):
        name = f"sitemap-{number}.xml"
        files[name] = urlset(entries[start : start + MAX_URLS])
        index.append(f"<sitemap><loc>{escape(base_url + name)}</loc></sitemap>")
    index.append("</sitemapindex>")
    files["sitemap.xml"] = "\n".join(index) + "\n"
    return files


def robots(base_url: str) -> str:
    lines = ["User-agent: *", "Allow: /"]
    if base_url:
        lines.append(f"Sitemap: {base_url}sitemap.xml")
    return "\n".join(lines) + "\n"
