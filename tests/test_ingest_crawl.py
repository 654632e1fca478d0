"""`ingest --crawl`: a whole help centre from a real server on loopback, politely and within bounds."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from oftenasked.cli import cli
from oftenasked.ingest.crawl import crawl

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
NO_FAQ = b"<html><body><h1>About us</h1><p>We are a small team.</p></body></html>"


def _page(links: list[str], faq: str = "") -> bytes:
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return f"<html><body>{faq}<ul class='menu'>{anchors}</ul></body></html>".encode()


class _Site(BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, bytes, str]] = {}
    requests: list[tuple[str, str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.requests.append((self.path, self.headers.get("User-Agent", "")))
        code, body, kind = self.pages.get(self.path, (404, b"not here", "text/plain"))
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(pages: dict[str, tuple[int, bytes, str]]) -> Iterator[tuple[str, type[_Site]]]:
    handler = type("Handler", (_Site,), {"pages": pages, "requests": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


HTML = "text/html; charset=utf-8"


@pytest.fixture
def sitemap_site(request: pytest.FixtureRequest) -> Iterator[tuple[str, type[_Site]]]:
    # The CLI sleeps for real: its tests ask for a site without a Crawl-delay (indirect parametrize).
    crawl_delay = getattr(request, "param", 2)
    pages: dict[str, tuple[int, bytes, str]] = {}
    served = _serve(pages)
    root, handler = next(served)
    pages.update({
        "/robots.txt": (200, f"User-agent: *\nDisallow: /private/\nCrawl-delay: {crawl_delay}\n"
                        f"Sitemap: {root}/map.xml\n".encode(), "text/plain"),
        "/map.xml": (200, f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{root}/help/details</loc></url><url><loc>{root}/help/yoast</loc></url>
<url><loc>{root}/private/drafts</loc></url><url><loc>http://elsewhere.example/faq</loc></url>
<url><loc>{root}/about</loc></url></urlset>""".encode(), "application/xml"),
        "/help/": (200, _page(["/help/details"]), HTML),
        "/help/details": (200, (FIXTURES / "help-centre-details.html").read_bytes(), HTML),
        "/help/yoast": (200, (FIXTURES / "wordpress-yoast.html").read_bytes(), HTML),
        "/private/drafts": (200, (FIXTURES / "dl-faq.html").read_bytes(), HTML),
        "/about": (200, NO_FAQ, HTML),
    })
    yield root, handler
    next(served, None)


@pytest.fixture
def linked_site() -> Iterator[tuple[str, type[_Site]]]:
    faq = (FIXTURES / "dl-faq.html").read_text(encoding="utf-8")
    pages = {
        "/": (200, _page(["/one", "/two#top", "http://elsewhere.example/", "/logo.png", "mailto:help@x.example"]), HTML),
        "/one": (200, _page(["/", "/three"], faq), HTML),
        "/two": (200, (FIXTURES / "bootstrap-accordion.html").read_bytes(), HTML),
        "/three": (200, (FIXTURES / "elementor-accordion.html").read_bytes(), HTML),
    }
    served = _serve(pages)
    yield next(served)
    next(served, None)


def test_crawl_follows_the_sitemap_as_robots_txt_allows_on_one_host(sitemap_site):
    root, handler = sitemap_site
    waits: list[float] = []
    result = crawl(root + "/help/", delay=0.5, sleep=waits.append)
    assert result.sitemap == root + "/map.xml"
    assert [url for url, _ in result.pages] == [root + "/help/", root + "/help/details", root + "/help/yoast",
                                                root + "/about"]
    assert (root + "/private/drafts", "disallowed by robots.txt") in result.skipped
    assert ("http://elsewhere.example/faq", "another host") in result.skipped
    assert "/private/drafts" not in [path for path, _ in handler.requests]
    assert waits and set(waits) == {2.0}  # robots.txt's Crawl-delay, longer than ours, between every request
    assert len(waits) == len(handler.requests) - 1
    assert all(agent.startswith("oftenasked/") for _, agent in handler.requests)


def test_crawl_follows_same_host_links_within_its_page_and_depth_bounds(linked_site):
    root, handler = linked_site
    result = crawl(root + "/", delay=0, max_depth=1, sleep=lambda s: None)
    assert result.sitemap is None
    assert [url for url, _ in result.pages] == [root + "/", root + "/one", root + "/two"]
    assert (root + "/three", "deeper than 1 links") in result.skipped
    assert not any("elsewhere" in path or "logo" in path for path, _ in handler.requests)
    small = crawl(root + "/", delay=0, max_pages=2, sleep=lambda s: None)
    assert len(small.pages) == 2 and (root + "/two", "page limit (2) reached") in small.skipped


@pytest.mark.parametrize("sitemap_site", [0], indirect=True)
def test_cli_crawl_reports_what_it_fetched_and_skipped(sitemap_site, tmp_path):
    root, _ = sitemap_site
    kb = str(tmp_path / "kb.sqlite")
    result = CliRunner().invoke(cli, ["ingest", root + "/help/", "--crawl", "--delay", "0", "--kb", kb, "--report"])
    assert result.exit_code == 0, result.output
    assert f"crawled {root}/help/ (from {root}/map.xml): 4 pages fetched, 2 skipped" in result.output
    assert f"  skipped {root}/private/drafts (disallowed by robots.txt)" in result.output
    assert f"{root}/about: skipped (no FAQ on the page)" in result.output
    assert f"{root}/help/details: 4 pairs" in result.output
    as_json = CliRunner().invoke(cli, ["ingest", root + "/help/", "--crawl", "--delay", "0", "--kb", kb, "--json",
                                       "--max-pages", "2"])
    assert as_json.exit_code == 0, as_json.output
    (report,) = json.loads(as_json.output)["crawl"]
    assert report["fetched"] == [root + "/help/", root + "/help/details"]
    assert {"url": root + "/help/yoast", "reason": "page limit (2) reached"} in report["skipped"]
    refused = CliRunner().invoke(cli, ["ingest", str(FIXTURES / "dl-faq.html"), "--crawl", "--kb", kb])
    assert refused.exit_code == 2 and "--crawl needs http(s) URLs" in refused.output


def test_cli_strict_and_the_counts_of_dropped_blocks_per_reason(tmp_path):
    faq = tmp_path / "faq.jsonl"
    faq.write_text('{"question": "Is it open?", "answer": "Yes."}\n{"question": "Is it free?", "answer": ""}\n'
                   '{"question": "", "answer": "Orphan."}\n', encoding="utf-8")
    kb = str(tmp_path / "kb.sqlite")
    forgiving = CliRunner().invoke(cli, ["ingest", str(faq), "--kb", kb, "--report"])
    assert forgiving.exit_code == 0, forgiving.output
    assert "1 pairs (1 added" in forgiving.output and "2 blocks dropped (2 record skipped)" in forgiving.output
    assert "dropped line 2: 'Is it free?' (record skipped, field 'answer': is empty)" in forgiving.output
    assert "dropped line 3: 'Orphan.' (record skipped, field 'question': is empty (and there is no title))" in forgiving.output
    strict = CliRunner().invoke(cli, ["ingest", str(faq), "--kb", str(tmp_path / "strict.sqlite"), "--strict"])
    assert strict.exit_code == 1
    assert "faq.jsonl, line 2, field 'answer': is empty" in strict.output
