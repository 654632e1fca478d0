"""Static site benchmark: the starter knowledge base (16k pairs) as an "Often asked" site.

    python bench/site.py            # needs: pip install -e ".[site]"   (about 3 minutes)
    python bench/site.py --sample 300 --no-search

Prints, for a first build into an empty folder: the time of each step and in all, pages, files and
size; then a rebuild with nothing changed, and a rebuild after one answer is edited (what it rewrote).
Beside it, the baseline: one ``KnowledgeBase.page`` call per page (the served page's way), timed on a
sample and extrapolated; and how far the site's related questions agree with ``KnowledgeBase.related``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from oftenasked import KnowledgeBase  # noqa: E402
from oftenasked.publish import build_site  # noqa: E402
from oftenasked.publish.links import MIN_RELATED  # noqa: E402
from oftenasked.publish.manifest import NAME, load  # noqa: E402
from oftenasked.settings import Settings  # noqa: E402
from oftenasked.starter import starter_kb_path  # noqa: E402


class Steps:
    """Seconds per step of a build, from the progress callbacks."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started
        self.seconds: dict[str, float] = {}
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self.last
        self.last = now


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=200, help="pages for the baseline and the agreement check")
    parser.add_argument("--no-search", action="store_true", help="leave Pagefind out")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f};"
          f" python {platform.python_version()}")
    work = Path(tempfile.mkdtemp(prefix="oftenasked-site-bench-"))
    try:
        kb_file = work / "kb.sqlite"
        shutil.copy(starter_kb_path(), kb_file)
        kb = KnowledgeBase.open(kb_file, settings=Settings(query_log=False))
        t = time.perf_counter()
        _ = kb.index
        print(f"knowledge base: {len(kb)} pairs; search index ready in {time.perf_counter() - t:.1f} s (not counted below)")
        out = work / "site"
        search = not args.no_search

        steps = Steps()
        first = build_site(kb, out, base_url="https://example.org/faq/", search=search, progress=steps)
        files, size = folder_size(out)
        pages = sorted(p.stat().st_size for p in (out / "q").iterdir())
        print(f"\nfirst build: {first.seconds:.1f} s for {first.pages} pages ({first.pairs} pairs), "
              f"{files} files, {size / 1e6:.0f} MB; page size median {statistics.median(pages) / 1e3:.1f} kB, "
              f"p90 {pages[int(0.9 * len(pages))] / 1e3:.1f} kB")
        for stage, seconds in steps.seconds.items():
            print(f"  {stage:<28}{seconds:6.1f} s")

        again = build_site(kb, out, base_url="https://example.org/faq/", search=search)
        print(f"rebuild, nothing changed: {again.seconds:.1f} s; added {len(again.added)}, changed {len(again.changed)},"
              f" removed {len(again.removed)}, unchanged {again.unchanged}")

        manifest = load(out)
        victim = next(p for p in manifest.files if p.startswith("q/"))
        pair_id = manifest.files[victim].pairs[0]
        kb.update_pair(pair_id, answer=kb.pair(pair_id).answer + "\n\nEdited for the benchmark.")
        steps = Steps()
        edited = build_site(kb, out, base_url="https://example.org/faq/", search=search, progress=steps)
        print(f"rebuild after one answer edited ({victim}): {edited.seconds:.1f} s, search index of the knowledge base"
              f" rebuilt included; changed {len(edited.changed)} files: {', '.join(edited.changed[:6])}"
              f"{' ...' if len(edited.changed) > 6 else ''}")
        print("  " + ", ".join(f"{stage.lower()} {seconds:.1f} s" for stage, seconds in steps.seconds.items()))

        # Baseline and agreement, on a sample of pages.
        random.seed(12)
        sample = random.sample([p for p in manifest.files if p.startswith("q/")], args.sample)
        ids_of_page = {p: e.pairs for p, e in manifest.files.items() if p.startswith("q/")}
        page_of_id = {i: p for p, ids in ids_of_page.items() for i in ids}
        questions = [kb.pair(ids_of_page[p][0]).question for p in sample]
        t = time.perf_counter()
        served = [kb.related(q) for q in questions]
        per_page = (time.perf_counter() - t) / len(sample)
        print(f"\nbaseline, one KnowledgeBase.related per page: {per_page * 1000:.1f} ms a page,"
              f" {per_page * first.pages:.0f} s for the related questions of {first.pages} pages alone")
        import re
        from urllib.parse import unquote

        overlap, below, total = [], 0, 0
        for path, related in zip(sample, served):
            text = (out / path).read_text(encoding="utf-8")
            linked = {h.rsplit("/", 1)[-1] for h in re.findall(r'<p class="more"><a href="([^"]+)"', text)}
            theirs = {page_of_id.get(r.pair.id, "").rsplit("/", 1)[-1] for r in related}
            if theirs:
                overlap.append(len(linked & theirs) / len(theirs))
            vector = kb.index.main_question_vectors
            lead = kb.index.main_question_vectors[int(list(kb.index.rowids).index(kb.store.rowid_of(ids_of_page[path][0])))]
            for r in related:
                total += 1
                at = list(kb.index.rowids).index(kb.store.rowid_of(r.pair.id))
                below += float(vector[at] @ lead) < MIN_RELATED
        print(f"agreement with KnowledgeBase.related: {statistics.mean(overlap):.2f} of its related pages are linked"
              f" ({len(overlap)} pages); {below} of its {total} picks are under MIN_RELATED={MIN_RELATED} (the site drops them)")
        # Links that leave the page's MedQuAD topic (the topic metadata), over the whole site.
        topic_of_page = {p: kb.pair(ids[0]).metadata.get("topic", "") for p, ids in ids_of_page.items()}
        same = other = 0
        theirs_other = theirs_total = 0
        for path, page_topic in topic_of_page.items():
            if not page_topic:
                continue
            for href in re.findall(r'<p class="more"><a href="\.\./(q/[^"]+)"', (out / path).read_text(encoding="utf-8")):
                linked_topic = topic_of_page.get(unquote(href), "")
                if linked_topic:
                    same += linked_topic.casefold() == page_topic.casefold()
                    other += linked_topic.casefold() != page_topic.casefold()
        for path, related in zip(sample, served):
            for r in related:
                if r.pair.metadata.get("topic") and topic_of_page[path]:
                    theirs_total += 1
                    theirs_other += r.pair.metadata["topic"].casefold() != topic_of_page[path].casefold()
        print(f"links to a page of another MedQuAD topic: site {other / max(1, same + other):.2f} of {same + other};"
              f" KnowledgeBase.related {theirs_other / max(1, theirs_total):.2f} of {theirs_total} (sample)")
        # The floor: how related questions on other topics are (MedQuAD's topic metadata), at random.
        import numpy as np

        vectors = np.asarray(kb.index.main_question_vectors, dtype=np.float32)
        position = {int(r): i for i, r in enumerate(kb.index.rowids)}
        topic = [""] * len(vectors)
        for rowid, _, pair in kb.store.pair_rows():
            topic[position[rowid]] = pair.metadata.get("topic", "")
        rng = np.random.default_rng(7)
        a, b = rng.integers(0, len(vectors), 200_000), rng.integers(0, len(vectors), 200_000)
        other = np.asarray([topic[i] != topic[j] and topic[i] != "" and topic[j] != "" for i, j in zip(a, b)])
        cosine = np.einsum("ij,ij->i", vectors[a], vectors[b])
        print(f"random question pairs on different topics: {100 * float(np.mean(cosine[other] < MIN_RELATED)):.2f} %"
              f" under MIN_RELATED (p99 cosine {float(np.quantile(cosine[other], 0.99)):.2f},"
              f" p99.9 {float(np.quantile(cosine[other], 0.999)):.2f}; {int(other.sum())} pairs)")
        print(f"(manifest: {NAME}, {(out / NAME).stat().st_size / 1e6:.1f} MB)")
        kb.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
