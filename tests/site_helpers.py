"""Helpers of the static site tests: a small knowledge base, a crawler of the written folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html

from oftenasked import KnowledgeBase, Settings
from oftenasked.retrieve.embed import Embedder, HashEmbedder
from oftenasked.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "site"
BASE = "https://faq.example.org/help/"


def make_kb(path: Path, embedder: Embedder | None = None, extra: list[Path] = ()) -> KnowledgeBase:  # type: ignore[assignment]
    kb = KnowledgeBase(Store(path), embedder=embedder or HashEmbedder(), settings=Settings(query_log=True))
    report = kb.ingest([FIXTURES / "faq.jsonl", FIXTURES / "more.jsonl", *extra], all_or_nothing=True)
    assert not report.errors
    return kb


def html_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.html") if "pagefind" not in p.parts)


def crawl(folder: Path, start: str = "index.html") -> tuple[set[str], list[str]]:
    """Follow every internal link from ``start``; returns the files reached and the broken links."""
    seen: set[str] = set()
    broken: list[str] = []
    todo = [start]
    ids: dict[str, set[str]] = {}

    def ids_of(rel: str) -> set[str]:
        if rel not in ids:
            tree = lxml.html.fromstring((folder / rel).read_bytes())
            ids[rel] = {str(e.get("id")) for e in tree.iter() if isinstance(e.tag, str) and e.get("id")}
        return ids[rel]

    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        if not rel.endswith(".html"):
            continue
        tree = lxml.html.fromstring((folder / rel).read_bytes())
        for element, _attribute, link, _ in tree.iterlinks():
            if element.tag == "link" and element.get("rel") == "canonical":
                continue  # checked on its own: absolute with a base URL
            parts = urlsplit(link)
            if parts.scheme in ("http", "https") and not link.startswith(BASE):
                continue  # a source cited by an answer
            if parts.scheme:
                broken.append(f"{rel}: {link} (scheme {parts.scheme})")
                continue
            target = (folder / rel).parent / unquote(parts.path) if parts.path else folder / rel
            try:
                target_rel = target.resolve().relative_to(folder.resolve()).as_posix()
            except ValueError:
                broken.append(f"{rel}: {link} (outside the site)")
                continue
            if not target.is_file():
                broken.append(f"{rel}: {link}")
                continue
            if parts.fragment and parts.fragment not in ids_of(target_rel):
                broken.append(f"{rel}: {link} (no #{parts.fragment})")
            todo.append(target_rel)
    return seen, broken
