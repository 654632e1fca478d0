"""Build the static "Often asked" site of a knowledge base: one page per need, incrementally.

The steps, each in its own module: group pairs into needs (``needs.py``), name their pages
(``slugs.py``), choose their related questions (``links.py``), render (``render.py``, the index in
``index.py``), write only
what changed against the last build's manifest (``manifest.py``), sitemap and robots
(``sitemap.py``), then index the pages for static search (``search.py``).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import __version__
from ..errors import InputError
from ..store import usage_rows
from . import manifest as manifest_mod
from . import search as search_mod
from .index import INLINE_INDEX, build_index
from .links import Subjects, demand_boost, related_needs
from .needs import Need, group_needs
from .render import Link, NeedPage, SiteConfig, need_page, search_page, source_name
from .sitemap import robots, sitemaps
from .slugs import assign_slugs

if TYPE_CHECKING:
    from ..kb import KnowledgeBase
    from ..models import Pair

Progress = Callable[[str, int, int], None]
TOPIC_KEYS = ("topic", "category", "section")
"""Metadata that names a pair's topic on the index; without any, its source does."""
RESERVED = frozenset({"index", "search"})


@dataclass(frozen=True)
class SiteReport:
    """What a build did: files (from the site's root) added, changed and removed, and how many stayed."""

    folder: str
    pages: int
    """Question pages (one per need)."""
    pairs: int
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    searchable: bool
    """Whether the search index was built (or was current)."""
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder, "pages": self.pages, "pairs": self.pairs, "added": list(self.added),
            "changed": list(self.changed), "removed": list(self.removed), "unchanged": self.unchanged,
            "searchable": self.searchable, "seconds": round(self.seconds, 2),
        }


def _base_url(url: str | None) -> str:
    if not url:
        return ""
    if not url.startswith(("http://", "https://")):
        raise InputError(f"--base-url must be an http(s) URL, got {url!r}")
    return url if url.endswith("/") else url + "/"


def _topic(pair: Pair, titles: dict[str, str]) -> str:
    """The pair's topic on the index: its metadata's, else its source's title, else the source's name."""
    for key in TOPIC_KEYS:
        value = pair.metadata.get(key, "").strip()
        if value:
            return value
    return titles.get(pair.origin) or source_name(pair.source or pair.origin) or "Questions"


def _demand(kb: KnowledgeBase, pairs: list[Pair]) -> np.ndarray:
    """How often each pair was given as an answer, from the query log (zeros when it is empty)."""
    kb.flush_query_log()
    with kb.store.snapshot() as db:
        counts = usage_rows.answered_counts(db)
    return np.asarray([counts.get(p.id, 0) for p in pairs], dtype=np.float64)


def _best_first(kb: KnowledgeBase, pairs: list[Pair], vectors: np.ndarray, need: Need) -> list[int]:
    """A need's pairs, the best answer to its question first, then the rest in knowledge-base order.

    Ranked by the fused retrieval score that ``ask`` ranks by, for the need's question; its vector is
    the stored one (the question's own embedding), so nothing is embedded.
    """
    if len(need.members) == 1:
        return list(need.members)
    question = pairs[need.lead].question
    found = kb.index.search(question, vectors[need.lead], min(100, max(20, 2 * len(need.members))), kb.weights)
    members = set(need.members)
    ranked = [int(at) for at in found.order if int(at) in members]
    return ranked + [m for m in need.members if m not in ranked]


def _recipe(config: SiteConfig) -> str:
    """What every page's making depends on besides its data: the settings and the rendering code."""
    code = [resources.files("oftenasked.publish").joinpath(name).read_bytes() for name in ("render.py", "site.py")]
    code.append(resources.files("oftenasked.answer").joinpath("page.py").read_bytes())
    import markdown_it

    versions = [__version__, markdown_it.__version__, config.title, config.base_url, config.search]
    return manifest_mod.digest(b"".join(code) + json.dumps(versions).encode())


def _asset(name: str) -> bytes:
    return resources.files("oftenasked.publish").joinpath("static", name).read_bytes()


def build_site(
    kb: KnowledgeBase,
    folder: str | Path,
    *,
    base_url: str | None = None,
    title: str = "Often asked",
    related: int | None = None,
    search: bool = True,
    progress: Progress | None = None,
) -> SiteReport:
    """Write (or bring up to date) the static site of a knowledge base in ``folder``.

    Only files whose content changed are written; pages of needs that are gone are removed. With
    ``search``, Pagefind (the ``[site]`` extra) indexes the pages so the search box needs no server.
    """
    started = time.perf_counter()
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file, not a folder")
    previous = manifest_mod.load(out)
    if search:
        search_mod.pagefind_executable()  # fail before the work, not after it
    config = SiteConfig(title=title.strip() or "Often asked", base_url=_base_url(base_url), search=search)
    top = kb.settings.related_top if related is None else related
    if not 0 <= top <= 50:
        raise InputError(f"related must be between 0 and 50, got {top}")
    report = progress or (lambda stage, done, total: None)

    # Pairs in the search index's order, with their main question vectors.
    index = kb.index
    # (Live segments: a changed pair's old place is masked and its newest place comes last, so the
    # last position of a rowid wins; places of removed pairs match no row.)
    at_rowid = {int(r): i for i, r in enumerate(index.rowids)}
    placed: list[tuple[int, Pair]] = []
    content_hash: dict[str, str] = {}
    for rowid, digest, pair in kb.store.pair_rows():
        if rowid not in at_rowid:
            raise InputError("the knowledge base changed while the site was being built; run it again")
        placed.append((at_rowid[rowid], pair))
        content_hash[pair.id] = digest
    placed.sort(key=lambda found: found[0])
    pairs = [pair for _, pair in placed]
    if not pairs:
        raise InputError("the knowledge base is empty: ingest some FAQ content first")
    positions = np.array([at for at, _ in placed], dtype=np.int64)
    vectors = np.ascontiguousarray(index.main_question_vectors[positions], dtype=np.float32)
    needs = group_needs(pairs, vectors)
    report("Grouping questions", len(needs), len(needs))
    order = []
    for done, need in enumerate(needs, start=1):
        order.append(_best_first(kb, pairs, vectors, need))
        if done % 500 == 0 or done == len(needs):
            report("Choosing the best answers", done, len(needs))
    subjects = Subjects([p.question for p in pairs],
                        [next((p.metadata[k] for k in TOPIC_KEYS if p.metadata.get(k, "").strip()), "") for p in pairs])
    links = related_needs(vectors, needs, top, demand_boost(_demand(kb, pairs)),
                          progress=lambda done, total: report("Choosing related questions", done, total),
                          subjects=subjects)
    slugs = assign_slugs(
        [pairs[n.lead].question for n in needs],
        [[pairs[m].id for m in members] for members in order],
        previous.previous_slugs(),
        RESERVED,
    )
    need_of = {m: i for i, n in enumerate(needs) for m in n.members}
    paths = [f"q/{s}.html" for s in slugs]

    # The index by topic; each page's breadcrumb leads to its topic there.
    titles = {str(s["origin"]): str(s["title"]) for s in kb.sources() if s.get("title")}
    topic_of = [_topic(pairs[need.lead], titles) for need in needs]
    index_pages = build_index(config, topic_of, [pairs[n.lead].question for n in needs], paths, INLINE_INDEX)
    topic_path = index_pages.topic_path

    files: dict[str, bytes | None] = {}
    """Content by path; None for a question page made from the same inputs as last time (kept)."""
    pair_ids: dict[str, list[str]] = {}
    inputs: dict[str, str] = {}
    rendered: dict[str, str] = {}
    recipe = _recipe(config)
    for i in range(len(needs)):
        name = topic_of[i]
        page = NeedPage(
            path=paths[i],
            answers=tuple(pairs[m] for m in order[i]),
            related=tuple(Link(pair=pairs[at], path=paths[need_of[at]]) for at in links[i]),
            topic=index_pages.topic_name[name],
            topic_path=topic_path[name],
        )
        made_from = manifest_mod.digest(json.dumps([
            recipe, page.path, page.topic, page.topic_path, [(p.id, content_hash[p.id]) for p in page.answers],
            [(link.pair.id, content_hash[link.pair.id], link.path) for link in page.related],
        ]).encode())
        before = previous.files.get(page.path)
        same = before is not None and before.inputs == made_from and (out / page.path).is_file()
        files[page.path] = None if same else need_page(page, config, rendered).encode()
        pair_ids[page.path] = [p.id for p in page.answers]
        inputs[page.path] = made_from
        if (i + 1) % 500 == 0 or i + 1 == len(needs):
            report("Writing pages", i + 1, len(needs))

    files.update(index_pages.pages)
    files["site.css"] = _asset("site.css")
    files["robots.txt"] = robots(config.base_url).encode()
    if search:
        files["search.html"] = search_page(config).encode()
        files["search.js"] = _asset("search.js")

    # Write what changed; the sitemap's dates come from when each page's content last changed.
    today = datetime.now(timezone.utc).date().isoformat()
    current = manifest_mod.Manifest(settings={"base_url": config.base_url, "title": config.title,
                                              "search": "yes" if search else "no"})
    added: list[str] = []
    changed: list[str] = []
    unchanged = 0

    def put(path: str, data: bytes | None) -> None:
        nonlocal unchanged
        before = previous.files.get(path)
        sha = before.sha256 if data is None and before is not None else manifest_mod.digest(data or b"")
        target = out / path
        if before is not None and before.sha256 == sha and target.is_file():
            current.files[path] = manifest_mod.Entry(sha, before.day, pair_ids.get(path, []), inputs.get(path, ""))
            unchanged += 1
            return
        manifest_mod.write_atomic(target, data or b"")
        current.files[path] = manifest_mod.Entry(sha, today, pair_ids.get(path, []), inputs.get(path, ""))
        (changed if before is not None else added).append(path)

    out.mkdir(parents=True, exist_ok=True)
    for done, (path, data) in enumerate(files.items(), start=1):
        put(path, data)
        if done % 1000 == 0:
            report("Saving files", done, len(files))
    if config.base_url:
        listed = [p for p in files if p.endswith(".html") and p != "search.html"]
        entries = [(config.absolute(p), current.files[p].day) for p in sorted(listed)]
        for path, text in sitemaps(config.base_url, entries).items():
            put(path, text.encode())
    removed = sorted(p for p in previous.files if p not in current.files)
    for path in removed:
        (out / path).unlink(missing_ok=True)
    for empty in {(out / p).parent for p in removed} - {out}:
        if empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
    manifest_mod.save(out, current)

    pagefind_dir = out / search_mod.FOLDER
    if search and (added or changed or removed or not pagefind_dir.is_dir()):
        report("Indexing for search", 0, 1)
        search_mod.index_site(out)
        report("Indexing for search", 1, 1)
    elif not search and pagefind_dir.is_dir() and previous.settings.get("search") == "yes":
        shutil.rmtree(pagefind_dir)  # the folder was ours: search.html is gone with it
    return SiteReport(
        folder=str(out), pages=len(needs), pairs=len(pairs), added=tuple(added), changed=tuple(changed),
        removed=tuple(removed), unchanged=unchanged, searchable=search, seconds=time.perf_counter() - started,
    )
