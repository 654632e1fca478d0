"""A whole help centre from one URL: the site's sitemap, else the links of its pages, politely.

``crawl`` reads ``robots.txt`` (urllib.robotparser) and never fetches what it disallows for our user
agent, follows ``sitemap.xml`` (as robots.txt names it, else at the site's root; sitemap indexes
one level deep) or, without one, the same-host links of each page breadth-first, stays on the
start URL's host (scheme and port included), stops at ``max_pages`` pages and ``max_depth`` links
from the start, and waits ``delay`` seconds (or robots.txt's ``Crawl-delay``, if longer) between
requests. Every fetch is bounded as :func:`fetch` bounds it. The result lists the pages fetched,
as sources for the writer, and every URL skipped with the reason.
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from ..errors import IngestError
from .fetch import Fetched, fetch, is_url, user_agent

MAX_PAGES = 50
MAX_DEPTH = 3
DELAY_S = 1.0
MAX_SITEMAP_URLS = 50_000
_ASSETS = frozenset({".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".zip", ".gz", ".mp4",
                     ".mp3", ".woff", ".woff2", ".ttf", ".exe", ".dmg", ".rss", ".atom"})


@dataclass
class CrawlResult:
    """What a crawl fetched (origin, bytes) and what it skipped (URL, reason)."""

    pages: list[tuple[str, bytes]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sitemap: str | None = None
    """The sitemap the crawl followed, if any."""


def _site(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _robots(root: str, get: Callable[[str], Fetched]) -> urllib.robotparser.RobotFileParser:
    robots = urllib.robotparser.RobotFileParser(root + "/robots.txt")
    try:
        text = get(root + "/robots.txt").data.decode("utf-8", errors="replace")
    except IngestError as exc:
        # No robots.txt (4xx): everything is allowed. A server error: nothing is, as the standard says.
        robots.parse([] if exc.problem.startswith("HTTP 4") else ["User-agent: *", "Disallow: /"])
        return robots
    robots.parse(text.splitlines())
    return robots


def _sitemap_urls(url: str, get: Callable[[str], Fetched], depth: int = 0) -> list[str]:
    """The page URLs of a sitemap (``<urlset>``), or of the sitemaps an index (``<sitemapindex>``) names."""
    from . import decode

    data = decode(get(url).data, url)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data.lstrip("\ufeff").encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise IngestError(url, f"not a readable sitemap ({exc})") from None
    locs = [str(t).strip() for t in root.xpath("//*[local-name()='loc']/text()")][:MAX_SITEMAP_URLS]
    if etree.QName(root).localname == "sitemapindex":
        if depth >= 1:
            return []
        found: list[str] = []
        for loc in locs:
            try:
                found += _sitemap_urls(loc, get, depth + 1)
            except IngestError:
                continue
        return found[:MAX_SITEMAP_URLS]
    return locs


def _links(page: Fetched) -> list[str]:
    if page.format not in (None, "html"):
        return []
    try:
        root = lxml_html.document_fromstring(page.data)
    except (etree.ParserError, ValueError):
        return []
    base = page.url
    for tag in root.xpath("//base[@href]"):
        base = urljoin(page.url, tag.get("href", ""))
    return [urldefrag(urljoin(base, href.strip()))[0] for href in root.xpath("//a/@href") if href.strip()]


def crawl(
    start: str, *, max_pages: int = MAX_PAGES, max_depth: int = MAX_DEPTH, delay: float = DELAY_S,
    get: Callable[[str], Fetched] = fetch, sleep: Callable[[float], None] = time.sleep,
) -> CrawlResult:
    """Fetch the FAQ pages of the site ``start`` is on; see the module's notes for the rules."""
    if not is_url(start):
        raise IngestError(start, "--crawl needs an http(s) URL")
    scheme, host = _site(start)
    root = f"{scheme}://{host}"
    result = CrawlResult()
    agent = user_agent()
    requests = 0

    def polite_get(url: str) -> Fetched:
        nonlocal requests
        if requests:
            sleep(wait)
        requests += 1
        return get(url)

    wait = delay
    robots = _robots(root, polite_get)
    wait = max(delay, float(robots.crawl_delay(agent) or 0))
    queue: deque[tuple[str, int]] = deque([(urldefrag(start)[0], 0)])
    seen = {urldefrag(start)[0]}
    follow_links = True
    for sitemap in [*(robots.site_maps() or []), root + "/sitemap.xml"]:
        if _site(sitemap) != (scheme, host):
            result.skipped.append((sitemap, "sitemap on another host"))
            continue
        try:
            urls = _sitemap_urls(sitemap, polite_get)
        except IngestError:
            continue
        result.sitemap = sitemap
        follow_links = False  # the sitemap lists the pages; links would only add the site's chrome
        for url in urls:
            url = urldefrag(url)[0]
            if url not in seen:
                seen.add(url)
                queue.append((url, 1))
        break
    while queue:
        url, depth = queue.popleft()
        if _site(url) != (scheme, host):
            result.skipped.append((url, "another host"))
            continue
        if not robots.can_fetch(agent, url):
            result.skipped.append((url, "disallowed by robots.txt"))
            continue
        if len(result.pages) >= max_pages:
            result.skipped.append((url, f"page limit ({max_pages}) reached"))
            continue
        try:
            page = polite_get(url)
        except IngestError as exc:
            result.skipped.append((url, exc.problem))
            continue
        if _site(page.url) != (scheme, host):
            result.skipped.append((url, f"redirected to another host ({page.url})"))
            continue
        result.pages.append((page.url, page.data))
        if not follow_links:
            continue
        for link in _links(page):
            if link in seen or not is_url(link):
                continue
            seen.add(link)
            if _site(link) != (scheme, host):
                continue  # links off the site are not followed, and not worth a report line each
            if any(urlsplit(link).path.lower().endswith(s) for s in _ASSETS):
                continue
            if depth + 1 > max_depth:
                result.skipped.append((link, f"deeper than {max_depth} links"))
                continue
            queue.append((link, depth + 1))
    return result
