"""Edit-to-visible time: an answer edited, then asked, with a full index rebuild and with live segments.

    python bench/live_edit.py [--sizes 16k,100k] [--edits 5]

For each knowledge base (a copy of the bundled starter; 100k and 1m are speed.py's synthetic ones,
built on first use in its work folder), the index is built first, then for each of ``--edits`` pairs:
its answer is edited through ``KnowledgeBase.update_pair`` and the clock runs until ``ask`` returns
the edited answer (the real model embeds the question). Baseline: the full rebuild that every edit
costs without live segments (``OFTENASKED_LIVE_INDEX=0``); the default is the delta segment and
removal mask (retrieve/segments.py). Then a pair is deleted and the time until it is no longer found
is measured the same way. Last, an answer is edited by one process and a new ``oftenasked ask``
process is timed until it has printed the edited answer (the index cache on disk is from before).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed  # noqa: E402 - the benchmarks' shared knowledge bases


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
    cold = new_process_ask(path, live, pairs[0].id)
    shutil.rmtree(folder)
    return {"pairs": count, "first_build_s": round(build, 2), "edit_visible_median_s": round(statistics.median(visible), 3),
            "edit_visible_max_s": round(max(visible), 3), "delete_visible_s": round(removed, 3)} | cold


def new_process_ask(path: Path, live: bool, pair_id: str) -> dict[str, Any]:
    """An answer edited by one process, then ``oftenasked ask`` in a new one (the CLI's case: the
    index cache on disk is from before the edit): seconds until it printed, and whether it printed
    the edited answer."""
    from oftenasked import KnowledgeBase
    from oftenasked.settings import Settings

    with KnowledgeBase.open(path, settings=Settings(live_index=live, query_log=False)) as kb:
        pair = kb.pair(pair_id)
        edited = f"{pair.answer}\n\nEdited by another process."
        kb.update_pair(pair_id, answer=edited)
    command = [str(Path(sys.executable).with_name("oftenasked")), "ask", pair.question, "--kb", str(path),
               "--top", "5", "--json"]
    env = os.environ | {"OFTENASKED_LIVE_INDEX": "1" if live else "0", "OFTENASKED_QUERY_LOG": "0"}
    t = time.perf_counter()
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t
    shown = json.loads(run.stdout)
    listed = shown.get("answers", []) + shown.get("did_you_mean", [])  # (shown either way, whatever the confidence)
    found = any(a.get("id") == pair_id and a.get("answer") == edited for a in listed)
    return {"new_process_ask_s": round(seconds, 2), "new_process_edited": found}


def top_hits(kb: Any, question: str) -> list[tuple[str, float]]:
    return [(h.pair.id, h.score) for h in kb.ask(question, top=5).hits]


def until(kb: Any, question: str, seen: Any, started: float) -> float:
    """Seconds from ``started`` (just before the change) until ``seen(hits)`` holds for what ``ask`` returns."""
    while not seen(kb.ask(question, top=10).hits):
        pass
    return round(time.perf_counter() - started, 3)


def measure_large(source: Path, merge: bool) -> dict[str, Any]:
    """One add, one edit and one remove with live segments on a large knowledge base; then the same
    questions after a full rebuild (a new process's index, no cache), answers and scores compared."""
    from oftenasked import KnowledgeBase
    from oftenasked.settings import Settings

    folder = Path(tempfile.mkdtemp(dir=source.parent))
    path = folder / "kb.sqlite"
    shutil.copy(source, path)
    kb = KnowledgeBase.open(path, settings=Settings(live_index=True, query_log=False))
    t = time.perf_counter()
    kb.ask("warm up the index")
    build = time.perf_counter() - t
    out: dict[str, Any] = {"pairs": len(kb), "first_build_s": round(build, 1), "peak_after_build_mb": speed.peak_rss_mb()}
    pairs = kb.pairs_page(123_456 % max(1, len(kb)), 2)[1]
    edited, gone = pairs[0], pairs[1]
    new_answer = f"{edited.answer}\n\nEdited once."
    t0 = time.perf_counter()
    kb.update_pair(edited.id, answer=new_answer)
    out["edit_visible_s"] = until(
        kb, edited.question, lambda hits: any(h.pair.id == edited.id and h.pair.answer == new_answer for h in hits), t0)
    added_question = "How long should a freshly sprained wrist be kept in a brace xq?"
    t0 = time.perf_counter()
    kb.ingest_bytes(json.dumps({"id": "added-1", "question": added_question,
                                "answer": "Usually one to two weeks; see a doctor if it still hurts."}).encode(),
                    "bench-added.jsonl", "jsonl")
    out["add_visible_s"] = until(kb, added_question, lambda hits: any(h.pair.id == "added-1" for h in hits), t0)
    t0 = time.perf_counter()
    kb.delete_pair(gone.id)
    out["remove_gone_s"] = until(kb, gone.question, lambda hits: gone.id not in [h.pair.id for h in hits], t0)
    questions = [edited.question, added_question, gone.question]
    live = {q: top_hits(kb, q) for q in questions}
    print({k: v for k, v in out.items()}, flush=True)
    kb.close()
    out |= new_process_ask(path, True, edited.id)
    print({k: v for k, v in out.items()}, flush=True)
    kb = KnowledgeBase.open(path, settings=Settings(live_index=True, query_log=False))
    new_answer = kb.pair(edited.id).answer
    live = {q: top_hits(kb, q) for q in questions}
    if merge:
        t = time.perf_counter()
        kb.retrieval.current().merge()  # type: ignore[attr-defined]
        out["merge_s"] = round(time.perf_counter() - t, 1)
        print(f"merged in {out['merge_s']} s", flush=True)
        merged = {q: top_hits(kb, q) for q in questions}
    out["peak_live_mb"] = speed.peak_rss_mb()
    kb.close()
    shutil.rmtree(Path(str(path) + ".index"), ignore_errors=True)  # a full rebuild, not the cache
    rebuilt_kb = KnowledgeBase.open(path, settings=Settings(live_index=False, query_log=False))
    t = time.perf_counter()
    rebuilt = {q: top_hits(rebuilt_kb, q) for q in questions}
    out["rebuild_s"] = round(time.perf_counter() - t, 1)
    rebuilt_kb.close()
    out["peak_mb"] = speed.peak_rss_mb()

    def compare(a: dict[str, list[tuple[str, float]]]) -> dict[str, Any]:
        same_ids = all([i for i, _ in a[q]] == [i for i, _ in rebuilt[q]] for q in questions)
        best_same = all(a[q][:1] == rebuilt[q][:1] for q in questions)
        diff = max(abs(x - y) for q in questions for (_, x), (_, y) in zip(a[q], rebuilt[q]))
        return {"same_top5_ids": same_ids, "same_best_and_score": best_same, "max_score_diff": float(f"{diff:.2g}")}

    out["live_vs_rebuild"] = compare(live)
    if merge:
        out["merged_vs_rebuild"] = compare(merged)
    shutil.rmtree(folder)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16k")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--large", default="", help="sizes (e.g. 1m) measured once, live segments only, then"
                        " compared with a full rebuild")
    parser.add_argument("--merge", action="store_true", help="with --large: also merge, and compare after it")
    parser.add_argument("--workdir", default=str(Path.home() / ".cache" / "oftenasked-bench"))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.edits} edits each")
    for size in filter(None, args.large.split(",")):
        r = measure_large(speed.knowledge_base(size, workdir), args.merge)
        print(r, flush=True)
        print(f"| {size} ({r['pairs']:,} pairs) | live segments | {r['first_build_s']} s | edit {r['edit_visible_s']} s"
              f" | add {r['add_visible_s']} s | remove {r['remove_gone_s']} s | new process after an edit"
              f" {r['new_process_ask_s']} s ({r['new_process_edited']}) | full rebuild {r['rebuild_s']} s |"
              f" peak {r['peak_mb']:,} MB | vs rebuild: {r['live_vs_rebuild']} |", flush=True)
    if not args.sizes:
        return
    print("| knowledge base | index | first build | edit to visible, median / max | delete to gone |"
          " edited by another process, then a new `oftenasked ask` |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        source = speed.knowledge_base(size, workdir)
        for live in (False, True):
            r = measure(source, live, args.edits)
            how = "live segments (the default)" if live else "full rebuild (OFTENASKED_LIVE_INDEX=0, baseline)"
            print(f"| {size} ({r['pairs']:,} pairs) | {how} | {r['first_build_s']} s | {r['edit_visible_median_s']} /"
                  f" {r['edit_visible_max_s']} s | {r['delete_visible_s']} s | {r['new_process_ask_s']} s"
                  f"{'' if r['new_process_edited'] else ' (NOT the edited answer)'} |", flush=True)


if __name__ == "__main__":
    main()
