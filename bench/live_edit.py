"""Edit-to-visible time: an answer edited, then asked, with a full index rebuild and with live segments.

    python bench/live_edit.py [--sizes 16k,100k] [--edits 5]

For each knowledge base (a copy of the bundled starter; 100k and 1m are speed.py's synthetic ones,
built on first use in its work folder), the index is built first, then for each of ``--edits`` pairs:
its answer is edited through ``KnowledgeBase.update_pair`` and the clock runs until ``ask`` returns
the edited answer (the real model embeds the question). Baseline: the full rebuild that every edit
costs today; ``OFTENASKED_LIVE_INDEX=1`` is the delta segment and removal mask (retrieve/segments.py).
Then a pair is deleted and the time until it is no longer found is measured the same way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed  # noqa: E402 - the benchmarks' shared knowledge bases


def knowledge_base(size: str, workdir: Path) -> Path:
    if size == "16k":
        return speed.starter_kb()
    path = workdir / f"kb-{size}.sqlite"
    if not path.exists():
        speed.synthesize(speed.SIZES[size], path)
    return path


def measure(source: Path, live: bool, edits: int) -> dict[str, Any]:
    from oftenasked import KnowledgeBase
    from oftenasked.settings import Settings

    folder = Path(tempfile.mkdtemp())
    path = folder / "kb.sqlite"
    shutil.copy(source, path)
    kb = KnowledgeBase.open(path, settings=Settings(live_index=live, query_log=False))
    t = time.perf_counter()
    kb.ask("warm up the index")
    build = time.perf_counter() - t
    pairs = kb.pairs_page(0, 2000)[1][:: max(1, 2000 // edits)][:edits]
    visible: list[float] = []
    for n, pair in enumerate(pairs):
        edited = f"{pair.answer}\n\nEdited ({n})."
        t = time.perf_counter()
        kb.update_pair(pair.id, answer=edited)
        while True:
            answer = kb.ask(pair.question, top=5)
            if any(h.pair.id == pair.id and h.pair.answer == edited for h in answer.hits):
                break
        visible.append(time.perf_counter() - t)
    gone = pairs[-1]
    t = time.perf_counter()
    kb.delete_pair(gone.id)
    while gone.id in [h.pair.id for h in kb.ask(gone.question, top=10).hits]:
        pass
    removed = time.perf_counter() - t
    count = len(kb)
    kb.close()
    shutil.rmtree(folder)
    return {"pairs": count, "first_build_s": round(build, 2), "edit_visible_median_s": round(statistics.median(visible), 3),
            "edit_visible_max_s": round(max(visible), 3), "delete_visible_s": round(removed, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16k")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--workdir", default=str(Path.home() / ".cache" / "oftenasked-bench"))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.edits} edits each")
    print("| knowledge base | index | first build | edit to visible, median / max | delete to gone |")
    print("|---|---|---|---|---|")
    for size in args.sizes.split(","):
        source = knowledge_base(size, workdir)
        for live in (False, True):
            r = measure(source, live, args.edits)
            how = "live segments (OFTENASKED_LIVE_INDEX=1)" if live else "full rebuild (baseline)"
            print(f"| {size} ({r['pairs']:,} pairs) | {how} | {r['first_build_s']} s | {r['edit_visible_median_s']} /"
                  f" {r['edit_visible_max_s']} s | {r['delete_visible_s']} s |", flush=True)


if __name__ == "__main__":
    main()
