"""pgvector's HNSW index against the in-process first passes, on a PostgreSQL knowledge base.

    python bench/pgvector.py [--sizes 16k,100k] [--queries 200]

Starts an embedded PostgreSQL (with pgvector), copies each knowledge base into it (16k: the bundled
starter, real vectors; 100k: speed.py's synthetic one, its vectors the starter's plus noise), then
for real questions (MEDIQA, StackFAQ; embedded by the real model) measures:
- build: what a server pays before its first answer (its search index read from PostgreSQL, and
  the faiss IVF index built in-process: every server, at every rebuild) against the HNSW index
  built once in PostgreSQL (``halfvec(384)``; and, at the first size, ``vector(384)`` for comparison: build time, size);
- recall@10 of the nearest texts (HNSW against exact cosine over every text) and of the final
  top 10 answers (each first pass against exact scoring of every pair);
- latency of the first pass alone and of the whole search, median and p99.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import speed  # noqa: E402 - the benchmarks' shared knowledge bases
from http_postgres import copy_to_postgres, embedded_server  # noqa: E402

TEXTS = (512, 256, 128)
"""Nearest texts asked of PostgreSQL per search (pgvector.TEXTS; 512 is the default)."""


def exact_texts(index: Any, vector: np.ndarray, k: int) -> set[tuple[str, int]]:
    out = []
    for kind, part in (("q", index.questions), ("a", index.answers)):
        scores = np.asarray(part.vectors, dtype=np.float32) @ vector
        top = np.argpartition(-scores, k)[:k]
        out += [(float(scores[i]), kind, int(index.rowids[part.owners[i]])) for i in top]
    return {(kind, rowid) for _, kind, rowid in sorted(out, reverse=True)[:k]}


def vector_column_variant(raw: Any, model: str, dim: int, queries: list[np.ndarray]) -> dict[str, Any]:
    """The same HNSW index on ``vector(dim)`` (4 bytes a dimension) instead of ``halfvec``."""
    from psycopg import sql

    with raw.transaction():
        raw.execute("SET LOCAL maintenance_work_mem = '2GB'")
        t = time.perf_counter()
        raw.execute(sql.SQL("CREATE INDEX bench_vector_hnsw ON vectors USING hnsw ((vector::vector({})) vector_cosine_ops)"
                            " WHERE model = {}").format(sql.Literal(dim), sql.Literal(model)))
        build = time.perf_counter() - t
    size = raw.execute("SELECT pg_relation_size('bench_vector_hnsw')").fetchone()[0]
    query = sql.SQL("SELECT text_hash FROM vectors WHERE model = {} ORDER BY vector::vector({}) <=> %s::vector LIMIT 10"
                    ).format(sql.Literal(model), sql.Literal(dim))
    times = []
    for v in queries:
        text = "[" + ",".join(f"{x:.6f}" for x in v) + "]"
        t = time.perf_counter()
        raw.execute(query, (text,)).fetchall()
        times.append(time.perf_counter() - t)
    raw.execute("DROP INDEX bench_vector_hnsw")
    return {"build_s": round(build, 1), "size_mb": round(size / 2**20, 1), "top10": speed.ms(times)}


def measure(size: str, source: Path, url: str, qs: list[str], compare_vector: bool) -> dict[str, Any]:
    from oftenasked import KnowledgeBase
    from oftenasked.retrieve.index import SearchIndex
    from oftenasked.store import open_store
    from oftenasked.store import pgvector as pgv

    t = time.perf_counter()
    copy_to_postgres(source, url)
    copied = time.perf_counter() - t
    kb = KnowledgeBase(open_store(url))
    store: Any = kb.store
    embedder = kb.embedder
    vectors = [kb.retrieval.vector(q) for q in qs]
    exact = SearchIndex(store, embedder, ann=False, coarse=False, use_cache=False)
    n_texts = len(exact.questions.owners) + len(exact.answers.owners)
    store.first_pass = lambda *a, **k: None  # the in-process approximate index (faiss), as without pgvector
    t = time.perf_counter()
    faiss = SearchIndex(store, embedder, ann=True, use_cache=False)
    faiss_build = time.perf_counter() - t
    del store.first_pass
    t = time.perf_counter()
    with store.transaction():
        hnsw_build = pgv.ensure_index(store.pg.raw, embedder.name, embedder.dim)
    t = time.perf_counter()
    hnsw = SearchIndex(store, embedder, ann=True, use_cache=False)
    server_start = time.perf_counter() - t
    hnsw_size = store.pg.raw.execute("SELECT pg_relation_size(%s)", (pgv.index_name(embedder.name, embedder.dim),)
                                     ).fetchone()[0]
    text_recall = []
    names = ["faiss", *(f"hnsw{n}" for n in TEXTS)]
    answer_recall: dict[str, list[float]] = {n: [] for n in names}
    first: dict[str, list[float]] = {n: [] for n in names}
    whole: dict[str, list[float]] = {n: [] for n in ["exact", *names]}
    for q, v in zip(qs, vectors):
        got = {(kind, rowid) for kind, rowid, _ in pgv.nearest_texts(store.pg.raw, store.pg._lock, embedder.name, v, 10)}
        text_recall.append(len(got & exact_texts(exact, v, 10)) / 10)
        t = time.perf_counter()
        truth = exact.search(q, v, 10, kb.weights)
        whole["exact"].append(time.perf_counter() - t)
        for name in names:
            index = faiss if name == "faiss" else hnsw
            if name != "faiss":
                pgv.TEXTS = int(name[4:])
                index.ann_questions._parent._last = None  # (what the last variant found is kept: not now)
            t = time.perf_counter()
            index.ann_questions.search(v + 1e-9, 256)  # (a new vector: not the last query's, kept)
            index.ann_answers.search(v + 1e-9, 256)
            first[name].append(time.perf_counter() - t)
            t = time.perf_counter()
            found = index.search(q, v, 10, kb.weights)
            whole[name].append(time.perf_counter() - t)
            answer_recall[name].append(len(set(found.order.tolist()) & set(truth.order.tolist())) / max(1, len(truth.order)))
    variant = vector_column_variant(store.pg.raw, embedder.name, embedder.dim, vectors[:50]) if compare_vector else None
    kb.close()
    return {
        "size": size, "pairs": exact.size, "texts": n_texts, "copy_s": round(copied, 1),
        "faiss_build_s": round(faiss_build, 1), "hnsw_build_s": round(hnsw_build, 1),
        "hnsw_server_start_s": round(server_start, 1), "hnsw_size_mb": round(hnsw_size / 2**20, 1),
        "text_recall_at_10": round(float(np.mean(text_recall)), 4),
        "answer_recall_at_10": {k: round(float(np.mean(v)), 4) for k, v in answer_recall.items()},
        "first_pass": {k: speed.ms(v) for k, v in first.items()},
        "search": {k: speed.ms(v) for k, v in whole.items()},
        "vector_384": variant,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16k,100k")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", default=str(Path.home() / ".cache" / "oftenasked-bench"))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    qs = speed.questions(args.queries)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {len(qs)} queries", flush=True)
    import psycopg

    rows = []
    with embedded_server() as server:
        for size in args.sizes.split(","):
            name = f"bench_{size}"
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            base, _, query = server.get_uri().partition("?")
            url = f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
            r = measure(size, speed.knowledge_base(size, workdir), url, qs, compare_vector=not rows)
            print(r, flush=True)
            rows.append(r)
    print("\n| KB | texts | first pass | search index ready in each server | built once in PostgreSQL | index size |"
          " text recall@10 | answer recall@10 | first pass median / p99 | search median / p99 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        for name in r["search"]:
            hnsw_row = name.startswith("hnsw")
            label = {"exact": "exact (every pair; baseline)", "faiss": "faiss IVF-SQ8, in-process"}.get(
                name, f"pgvector HNSW halfvec(384), {name[4:]} texts")
            built = {"faiss": f"{r['faiss_build_s']} s", "exact": "-"}.get(name, f"{r['hnsw_server_start_s']} s")
            once = f"{r['hnsw_build_s']} s" if hnsw_row else "-"
            size_ = f"{r['hnsw_size_mb']} MB" if hnsw_row else "-"
            recall = f"{r['text_recall_at_10']}" if hnsw_row else "-"
            answers = "1.0" if name == "exact" else f"{r['answer_recall_at_10'][name]}"
            fp = r["first_pass"].get(name)
            fps = f"{fp['median_ms']} / {fp['p99_ms']} ms" if fp else "-"
            s = r["search"][name]
            print(f"| {r['size']} ({r['pairs']:,}) | {r['texts']:,} | {label} | {built} | {once} | {size_} | {recall} |"
                  f" {answers} | {fps} | {s['median_ms']} / {s['p99_ms']} ms |")
        v = r["vector_384"]
        if v is None:  # (measured at the first size only)
            continue
        print(f"| {r['size']} ({r['pairs']:,}) | {r['texts']:,} | pgvector HNSW vector(384) | - | {v['build_s']} s |"
              f" {v['size_mb']} MB | - | - | - | top 10 alone: {v['top10']['median_ms']} / {v['top10']['p99_ms']} ms |")


if __name__ == "__main__":
    main()
