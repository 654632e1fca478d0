"""The six development sets, as knowledge bases with queries, judgements and unanswerable questions.

Every set becomes a :class:`DevSet`: a knowledge base built in ``bench/out`` (git-ignored), its queries,
their judgements, and per query the pairs it may rank (all of them, or its own candidates in a
re-ranking set). Every signal that oftenasked fuses is computed for every (query, pair) once and cached
(:func:`signals`), so that fitting and leave-one-set-out evaluation take seconds.

Unanswerable questions, in every set: a fixed third of the queries (by a hash of their id) is asked
with its relevant pairs, and pairs asking the very same question, taken out of what it may rank;
queries that have no relevant pair at all are unanswerable as they are. A good engine says "no good
answer" to them.

| set | knowledge base | queries | ranks |
|---|---|---|---|
| ``stackfaq`` | 719 StackExchange FAQ answers | 1,249 paraphrases | the whole KB |
| ``mediqa`` | 1,096 consumer-health passages (page title as question) | 129 consumer questions | its candidates, grade >= 2 |
| ``semeval`` | 939 Qatar Living forum threads | 117 real forum questions | its 10 candidates |
| ``mqp`` | 3,043 doctor-written questions | 1,524 real patient questions | the whole KB |
| ``covid`` | 210 COVID-19 FAQ pairs (CDC and others) | 240 user-style rewordings | the whole KB |
| ``starter`` | the bundled starter (16,419 pairs) | 55 user-worded questions, 15 off-topic | the whole KB |
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))

from oftenasked import KnowledgeBase  # noqa: E402
from oftenasked.evaluate import read_qrels  # noqa: E402
from oftenasked.retrieve.embed import Embedder, default_embedder  # noqa: E402
from oftenasked.store import Store  # noqa: E402

NAMES = ("stackfaq", "mediqa", "semeval", "mqp", "covid", "starter")
UNANSWERABLE_SHARE = 3
"""One query in this many is made unanswerable."""
MAX_QUERY_CHARS = 1000
SAME_QUESTION = 0.9
"""Question vectors this close ask the same thing (taken out with a relevant pair to make a query unanswerable)."""


def data_root() -> Path:
    env = os.environ.get("OFTENASKED_DATA")
    for candidate in (Path(env) if env else None, ROOT.parent / "shared" / "data", Path("/work/shared/data")):
        if candidate and candidate.exists():
            return candidate
    raise SystemExit("data not found: set OFTENASKED_DATA to the folder holding the development sets")


@dataclass
class DevSet:
    name: str
    kb: KnowledgeBase
    queries: list[tuple[str, str]]
    qrels: dict[str, dict[str, int]]
    min_grade: int = 1
    candidates: dict[str, list[str]] | None = None


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _queries(path: Path) -> list[tuple[str, str]]:
    return [(str(r["id"]), str(r["text"]).strip()[:MAX_QUERY_CHARS]) for r in read_jsonl(path)]


EMBEDDER: Embedder | None = None
"""Another model to build the knowledge bases with (``bench/fine_tune.py``); None: the bundled one."""


def embedder() -> Embedder:
    return EMBEDDER or default_embedder()


def _kb_path(name: str) -> Path:
    tag = "" if EMBEDDER is None else f"-{EMBEDDER.name}"
    return OUT / f"dev-{name}{tag}.sqlite"


def _kb(name: str, records: list[dict[str, object]]) -> KnowledgeBase:
    OUT.mkdir(parents=True, exist_ok=True)
    kb = KnowledgeBase(Store(_kb_path(name)), embedder=embedder())
    data = "\n".join(json.dumps(r) for r in records).encode()
    kb.ingest_sources([(f"{name}.jsonl", data)], all_or_nothing=True)
    return kb


def stackfaq() -> DevSet:
    folder = data_root() / "stackfaq"
    kb = _kb("stackfaq", read_jsonl(folder / "corpus.jsonl"))
    return DevSet("stackfaq", kb, _queries(folder / "queries.jsonl"), read_qrels(folder / "qrels.tsv"))


def mediqa() -> DevSet:
    folder = data_root() / "mediqa2019-dev"
    qrels = read_qrels(folder / "qrels.tsv")
    owner = {doc: q for q, docs in qrels.items() for doc in docs}
    records = []
    for r in read_jsonl(folder / "corpus.jsonl"):
        title = str(r["title"]).strip() or " ".join(str(r["answer"]).split()[:12])
        query = owner[str(r["id"])]
        records.append({"id": r["id"], "question": title, "answer": r["answer"], "source": r["source"], "query": query})
    kb = _kb("mediqa", records)
    candidates = {q: sorted(docs) for q, docs in qrels.items()}
    return DevSet("mediqa", kb, _queries(folder / "queries.jsonl"), qrels, min_grade=2, candidates=candidates)


def semeval() -> DevSet:
    """Forum threads: the subject (and body) is the question; the first good comment the answer."""
    folder = data_root() / "semeval2016-ql-dev"
    records = []
    for r in read_jsonl(folder / "corpus.jsonl"):
        subject, body = str(r["question"]).strip(), str(r.get("question_body") or "").strip()
        question = subject if not body or body.startswith(subject) else f"{subject}. {body}"
        question = (body if body.startswith(subject) and body else question)[:MAX_QUERY_CHARS]
        answer = str(r["answer"]).strip() or body or subject
        records.append({"id": r["id"], "question": question, "answer": answer, "source": r["source"]})
    kb = _kb("semeval", records)
    candidates: dict[str, list[str]] = {}
    with open(folder / "candidates.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows)
        for row in rows:
            candidates.setdefault(row[0], []).append(row[1])
    return DevSet("semeval", kb, _queries(folder / "queries.jsonl"), read_qrels(folder / "qrels.tsv"), candidates=candidates)


def mqp() -> DevSet:
    """Doctor-written questions; the set has no answers, so each question is its own answer text."""
    folder = data_root() / "mqp"
    records = [
        {"id": r["id"], "question": r["question"], "answer": r["question"], "source": r["source"]}
        for r in read_jsonl(folder / "corpus.jsonl")
    ]
    kb = _kb("mqp", records)
    return DevSet("mqp", kb, _queries(folder / "queries.jsonl"), read_qrels(folder / "qrels.tsv"))


def covid() -> DevSet:
    folder = data_root() / "deepset-covid-qsim"
    kb = _kb("covid", read_jsonl(folder / "corpus.jsonl"))
    return DevSet("covid", kb, _queries(folder / "queries.jsonl"), read_qrels(folder / "qrels.tsv"))


def starter() -> DevSet:
    from oftenasked.starter import SOURCES, _data, starter_kb_path

    if EMBEDDER is None:
        kb = KnowledgeBase(Store(starter_kb_path()), embedder=default_embedder())
    else:  # the starter's sources, embedded by that model (its shipped vectors are the bundled model's)
        OUT.mkdir(parents=True, exist_ok=True)
        kb = KnowledgeBase(Store(_kb_path("starter")), embedder=EMBEDDER)
        kb.ingest_sources([(f"starter:{n}", _data(n)) for n in SOURCES], all_or_nothing=True)
    bench_data = ROOT / "bench" / "data"
    return DevSet("starter", kb, _queries(bench_data / "starter-questions.jsonl"), read_qrels(bench_data / "starter-qrels.tsv"))


LOADERS = {"stackfaq": stackfaq, "mediqa": mediqa, "semeval": semeval, "mqp": mqp, "covid": covid, "starter": starter}


# -- signals of every (query, pair) ---------------------------------------------------------
RAW = ("question", "answer", "bm25_question", "bm25_answer", "bound_question", "bound_answer", "question_main")
"""Cosine to the closest question phrasing and answer passage; raw BM25 on the question and answer
fields; per query, the BM25 bound of each field (``LexicalIndex.bound``: the most a pair can score);
cosine to the main question only (the embedding peer)."""


@dataclass
class Matrix:
    """One set's signals: arrays (queries, pairs), plus the judgements as arrays."""

    name: str
    qids: list[str]
    ids: list[str]
    questions: list[str]
    answers: list[str]
    values: dict[str, np.ndarray]
    allowed: np.ndarray
    """The pairs each query may rank (its candidates, or the whole KB)."""
    relevant: np.ndarray
    unanswerable: np.ndarray
    """Queries asked with their relevant pairs taken out (``allowed_unanswerable``)."""
    allowed_unanswerable: np.ndarray
    texts: list[str]


def unanswerable_pick(qid: str) -> bool:
    return zlib.crc32(qid.encode()) % UNANSWERABLE_SHARE == 0


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?")


def signals(ds: DevSet) -> Matrix:
    """Every signal of every (query, pair), exactly as the search index computes them; cached."""
    kb = ds.kb
    # The whole index as one search index (live segments hold none pending on a knowledge base just opened).
    index = getattr(kb.index, "main", kb.index)
    pairs = kb.store.pairs([int(r) for r in index.rowids])
    ids = [p.id for p in pairs]
    texts = [t for _, t in ds.queries]
    key = hashlib.sha1(("\x00".join(texts + ids) + kb.embedder.name + "v3").encode()).hexdigest()[:16]
    path = OUT / f"signals-{ds.name}-{key}.npz"
    if path.exists():
        loaded = np.load(path)
        values = {name: loaded[name] for name in RAW}
    else:
        vectors = kb.embedder.embed(texts)
        n = index.size
        values = {name: np.zeros((len(texts), n), dtype=np.float32) for name in RAW}
        main = index.main_question_vectors
        for row, text in enumerate(texts):
            vector = vectors[row]
            values["question"][row] = index.questions.pair_scores(vector)[0]
            values["answer"][row] = index.answers.pair_scores(vector)[0]
            values["question_main"][row] = np.asarray(main) @ vector
            for field, lexical in (("question", index.lexical_questions), ("answer", index.lexical_answers)):
                values[f"bm25_{field}"][row] = lexical.scores(text, fast=True)
                values[f"bound_{field}"][row] = lexical.bound(text)
        np.savez(path, **values)
    position = {pid: i for i, pid in enumerate(ids)}
    shape = (len(texts), len(ids))
    allowed = np.ones(shape, dtype=bool)
    relevant = np.zeros(shape, dtype=bool)
    qids = [q for q, _ in ds.queries]
    for row, qid in enumerate(qids):
        if ds.candidates is not None:
            allowed[row] = False
            allowed[row, [position[d] for d in ds.candidates.get(qid, []) if d in position]] = True
        for doc, grade in ds.qrels.get(qid, {}).items():
            if grade >= ds.min_grade and doc in position:
                relevant[row, position[doc]] = True
    relevant &= allowed
    # Unanswerable versions: relevant pairs, and pairs asking the same question (the same words, or
    # a question vector at cosine >= SAME_QUESTION: another agency's copy of an FAQ item), taken out.
    keyed: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        keyed.setdefault(_norm(p.question), []).append(i)
    main = np.asarray(index.main_question_vectors, dtype=np.float32)
    out_allowed = allowed.copy()
    picked = np.array([unanswerable_pick(q) for q in qids]) | ~relevant.any(axis=1)
    for row in np.flatnonzero(picked):
        for i in np.flatnonzero(relevant[row]):
            out_allowed[row, keyed[_norm(pairs[i].question)]] = False
            out_allowed[row, main @ main[i] >= SAME_QUESTION] = False
        out_allowed[row, relevant[row]] = False
    return Matrix(
        ds.name, qids, ids, [p.question for p in pairs], [p.answer for p in pairs], values, allowed, relevant,
        picked, out_allowed, texts,
    )


def load(names: list[str] | tuple[str, ...] = NAMES) -> dict[str, tuple[DevSet, Matrix]]:
    out = {}
    for name in names:
        ds = LOADERS[name]()
        out[name] = (ds, signals(ds))
    return out
