"""Ingest throughput on one process and on a local Dask cluster of 1 and 2 workers, and CPU time per pair.

    python bench/distributed_ingest.py [--pairs 1500] [--files 20]

Real MedQuAD pairs (a fixed random choice), split into files, ingested with the real model into an
empty SQLite knowledge base each time. CPU time is that of this process and of the cluster's worker
processes during the ingest (the scheduler's too), so it is the whole cost of a pair. The cluster's start is
timed apart: it is paid once per command. Baseline: one process, the model on its default threads.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")


def make_files(folder: Path, pairs: int, files: int) -> Path:
    lines = gzip.decompress((DATA / "medquad" / "corpus.jsonl.gz").read_bytes()).decode().splitlines()
    rng = np.random.default_rng(1)
    chosen = [lines[i] for i in sorted(rng.choice(len(lines), pairs, replace=False))]
    source = folder / "faq"
    source.mkdir()
    for f in range(files):
        part = chosen[f::files]
        (source / f"part-{f:03}.jsonl").write_text("\n".join(part) + "\n")
    return source


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def run(source: Path, workdir: Path, workers: int | None) -> dict[str, Any]:
    from oftenasked import KnowledgeBase
    from oftenasked.retrieve.embed import default_embedder
    from oftenasked.store import Store

    embedder = default_embedder()
    runner = None
    start_s = 0.0
    if workers is not None:
        from oftenasked.ingest.distributed import DaskRunner

        t = time.perf_counter()
        runner = DaskRunner.local(workers=workers)
        start_s = time.perf_counter() - t
        # Load the model on every worker first (about 0.5 s each), as a long ingest would amortise it.
        runner.embed(embedder, [["warm up"]] * (workers * 2), None)
    else:
        embedder.embed(["warm up"])
    me = psutil.Process()
    processes = [me, *me.children(recursive=True)]
    kb_path = workdir / f"kb-{workers}.sqlite"
    with KnowledgeBase(Store(kb_path), embedder=embedder) as kb:
        cpu0 = cpu_seconds(processes)
        t = time.perf_counter()
        report = kb.ingest([source], runner=runner)
        wall = time.perf_counter() - t
        cpu = cpu_seconds(processes) - cpu0
    if runner is not None:
        runner.close()
    kb_path.unlink()
    kept = sum(s.kept for s in report.sources)
    return {
        "workers": workers or 0,
        "pairs": kept,
        "texts": report.embedded,
        "wall_s": round(wall, 2),
        "pairs_per_s": round(kept / wall, 1),
        "cpu_ms_per_pair": round(1000 * cpu / kept, 2),
        "cluster_start_s": round(start_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1500)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    try:
        source = make_files(workdir, args.pairs, args.files)
        rows = [run(source, workdir, w) for w in (None, 1, 2)]
    finally:
        shutil.rmtree(workdir)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average"
          f" {os.getloadavg()[0]:.1f}; {rows[0]['pairs']} MedQuAD pairs, {rows[0]['texts']} texts, {args.files} files")
    print("| where | pairs/s | CPU ms per pair | cluster start |")
    print("|---|---|---|---|")
    for row in rows:
        where = "one process (baseline)" if not row["workers"] else f"Dask, {row['workers']} worker(s) x 1 thread"
        start = f"{row['cluster_start_s']} s" if row["workers"] else "-"
        print(f"| {where} | {row['pairs_per_s']} | {row['cpu_ms_per_pair']} | {start} |")


if __name__ == "__main__":
    main()
