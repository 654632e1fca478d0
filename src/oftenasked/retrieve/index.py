"""The search index of a knowledge base: what the retrievers need, built from the store.

It is derived state: rebuilt from the SQLite tables whenever the store's generation changes,
and cached on disk beside the knowledge base (``retrieve/cache.py``) so that a new process
loads it in milliseconds instead of rebuilding it.

Three ways to search, with the same signals and the same fusion:
- exact (under ``COARSE_MIN_PAIRS`` pairs, or with a metadata filter): every pair is scored, as a
  float32 matrix product;
- candidates from a first pass in 96 dimensions (from ``COARSE_MIN_PAIRS``, ``retrieve/coarse.py``)
  and from BM25: every signal is then computed exactly for those few hundred pairs only;
- candidates from an approximate index (from ``ANN_MIN_PAIRS`` pairs, when faiss is installed) over
  question texts and one over answer texts, plus the BM25 leaders, scored exactly in the same way.
  Memory stays bounded: vectors stay float16 on disk, memory-mapped, and only the candidates' rows
  are read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..answer.background import VERSION as BACKGROUND_VERSION
from ..answer.background import Background, background, recent, remember
from ..store import Store
from ..store import search_rows as rows
from . import cache
from .coarse import CoarseIndex, basis_for
from .embed import Embedder
from .fusion import Weights, convex, normalise
from .lexical import LexicalIndex
from .semantic import FirstVectors, VectorIndex
from .threads import one_blas_thread

if TYPE_CHECKING:
    from ..store.pgvector import NearestTexts, ServerFirstPass
    from .ann import AnnIndex

ANN_MIN_PAIRS = 100_000
"""From this many pairs, search goes through candidates from the approximate index."""
ANN_CANDIDATES = 256
"""Texts taken from each approximate index (questions, answers) per query."""
LEXICAL_CANDIDATES = 64
"""Pairs taken from each BM25 field per query."""
COARSE_MIN_PAIRS = 4_000
"""From this many pairs (below the approximate index), candidates come from a low-dimensional first
pass (``retrieve/coarse.py``): at 16k pairs a search takes about 1.1 ms instead of 2.1 ms, and its
top 10 holds 98 % of the exact top 10 (all of it for the medical questions; bench/RESULTS.md)."""
EXACT_UNDER_FILTER = 50_000
"""With a filter that leaves at most this many pairs, they are all scored exactly."""
FEW_MASKED = 0.05
"""A mask leaving out at most this share of the pairs keeps the first pass: live segments mask the old
version of each edited pair, and without it one edit made every search score all 16k pairs exactly
(ask 3.3 -> 4.2 ms in process; under one edit a second, HTTP throughput fell to ~72 % of read-only)."""
FREQUENT_WORDS = 0.02
"""Words in more than this share of pairs are left out when BM25 proposes candidates (their
postings are the long ones, their weight the low one); candidates are still scored on every word."""


@dataclass(frozen=True)
class Candidates:
    """Pairs ranked for one query: indexes into the index's pairs, best first, and their signals."""

    order: np.ndarray
    fused: np.ndarray
    signals: dict[str, np.ndarray]
    """Each signal for the pairs in ``order`` (same positions)."""
    matched_text: np.ndarray
    """Index of the question phrasing closest to the query, per pair in ``order``."""


class Searchable(Protocol):
    """What answering needs of a search index: a plain :class:`SearchIndex`, or live segments
    (``retrieve/segments.py``: a main index, a delta and a mask) presenting the same face."""

    generation: int
    """The store's generation the index answers for."""
    rowids: np.ndarray
    """The pair at each position (positions are what :class:`Candidates` index)."""
    q_ordinals: np.ndarray
    main_question_vectors: Any
    """Each pair's first question vector, by position (``v[i]``, ``v[array]``)."""
    layout: int
    """Changes whenever positions move at one generation (a merge of live segments); 0 if never."""

    @property
    def size(self) -> int: ...

    def search(
        self, query: str, vector: np.ndarray, k: int, weights: Weights, mask: np.ndarray | None = None
    ) -> Candidates: ...

    def background(self, weights: Weights) -> Background: ...


@dataclass
class _Data:
    """The arrays an index is made of, as read from the store or from the cache."""

    rowids: np.ndarray
    q_vectors: np.ndarray
    q_owners: np.ndarray
    q_ordinals: np.ndarray
    a_vectors: np.ndarray
    a_owners: np.ndarray


class SearchIndex:
    """Lexical and semantic indexes over one knowledge base, and the fused search.

    ``ann``: None chooses by size (and by whether faiss is installed); True or False forces.
    ``coarse``: the same for the low-dimensional first pass (used only where ``ann`` is not).
    ``use_cache``: read and write the on-disk cache beside the knowledge base.
    """

    layout = 0  # (positions never move within one built index)

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        ann: bool | None = None,
        coarse: bool | None = None,
        use_cache: bool = True,
        stale_ok: bool = False,
    ) -> None:
        folder = cache.folder_for(store) if use_cache else None
        expected = cache.stamp(store, embedder.name, embedder.dim)
        self.from_cache = False
        data: _Data | None = None
        approximate: tuple[AnnIndex, AnnIndex] | None = None
        server: ServerFirstPass | None = None
        if folder is not None and not cache.fresh(folder, expected) and stale_ok:
            # Live segments catch an older cache of this knowledge base up from the change log.
            expected = cache.stale(folder, expected) or expected
        if folder is not None and cache.fresh(folder, expected):
            try:
                data = _load(folder)
                lexical = (LexicalIndex.load(folder / "lex_q"), LexicalIndex.load(folder / "lex_a"))
                self.from_cache = True
            except Exception:  # any damage (truncated file, another numpy): rebuild, never trust
                data = None
                expected = cache.stamp(store, embedder.name, embedder.dim)
        if data is None:
            data, fields, expected = _read(store, embedder, expected)
            lexical = (LexicalIndex(fields[0]), LexicalIndex(fields[1]))
            first_pass = getattr(store, "first_pass", None)  # PostgreSQL with pgvector: its HNSW index
            if first_pass is not None and ann is not False:
                server = first_pass(embedder.name, embedder.dim, data.rowids, data.q_owners, data.a_owners,
                                    forced=bool(ann))
            if server is None and (ann or (ann is None and _want_ann(len(data.rowids)))):
                approximate = _build_ann(data)
            if folder is not None:
                _save(folder, expected, data, lexical, approximate)
                if approximate is not None and cache.fresh(folder, expected):
                    # Serve from the files just written: the vectors then leave memory.
                    with contextlib.suppress(Exception):
                        data = _load(folder)
        self.rowids = data.rowids
        n = len(self.rowids)
        use_ann = server is not None or (_want_ann(n) if ann is None else ann)
        self.lexical_questions, self.lexical_answers = lexical
        self.ann_questions: AnnIndex | NearestTexts | None = None
        self.ann_answers: AnnIndex | NearestTexts | None = None
        self.coarse: tuple[CoarseIndex, CoarseIndex] | None = None
        if use_ann:
            self.questions = VectorIndex(data.q_vectors, data.q_owners, n)
            self.answers = VectorIndex(data.a_vectors, data.a_owners, n)
            self.main_question_vectors: np.ndarray | FirstVectors = self.questions.first_rows()
            if server is not None:  # no faiss index to build and hold: the database has the graph
                self.ann_questions, self.ann_answers = server.questions, server.answers
            else:
                self.ann_questions, self.ann_answers = approximate or _load_ann(folder, data)
        else:
            self.questions = VectorIndex(np.asarray(data.q_vectors, dtype=np.float32), data.q_owners, n)
            self.answers = VectorIndex(np.asarray(data.a_vectors, dtype=np.float32), data.a_owners, n)
            self.main_question_vectors = self.questions.first_vectors()
            if coarse or (coarse is None and n >= COARSE_MIN_PAIRS):
                q, a = self.questions.vectors, self.answers.vectors
                assert isinstance(q, np.ndarray) and isinstance(a, np.ndarray)  # in memory on this path
                basis = cache.derived(folder, expected, "coarse_basis.npy", lambda: basis_for(q, a))
                self.coarse = (CoarseIndex(q, basis), CoarseIndex(a, basis))
        self.generation = int(expected["generation"])
        self.seq: int | None = expected["seq"]
        """The newest change-log entry the index holds (None: a store without the log)."""
        self.seq_pair: int | None = expected["seq_pair"]
        """The pair that entry logged: a knowledge base replaced at the same path does not log the same."""
        self._store = store
        self._folder = folder
        self.from_cache_or_saved = folder is not None and cache.fresh(folder, expected)
        self._backgrounds: dict[Weights, Background] = {}
        self.q_ordinals = np.asarray(data.q_ordinals)
        """Which phrasing of its pair each question text is (0: the question, then each alternate)."""

    def background(self, weights: Weights) -> Background:
        """What questions this knowledge base cannot answer score in it (``answer/background.py``):
        computed once per index and weights (or kept from the last index when few pairs changed),
        and kept in the index cache beside the knowledge base."""
        known = self._backgrounds.get(weights)  # every answer asks: a dict look-up, nothing hashed
        if known is not None:
            return known
        key = hashlib.sha1(f"{weights!r} {BACKGROUND_VERSION}".encode()).hexdigest()[:12]
        path = self._folder / f"background-{key}.json" if self._folder is not None and self.from_cache_or_saved else None
        found: Background | None = None
        if path is not None and path.exists():
            with contextlib.suppress(Exception):
                found = Background.from_dict(json.loads(path.read_text()))
        place = str(getattr(self._store, "path", ""))
        if found is None:
            found = recent(place, key, self.size)
        if found is None:
            found = background(self, self._questions_at, weights)
            remember(place, key, self.size, found)
            if path is not None:
                with contextlib.suppress(OSError):
                    staged = path.with_suffix(f".{os.getpid()}.tmp")
                    staged.write_text(json.dumps(found.to_dict()))
                    staged.replace(path)
        self._backgrounds[weights] = found
        return found

    def _questions_at(self, positions: list[int]) -> list[str]:
        # By rowid, not by order: a live main segment may hold pairs removed since ("": none).
        rowids = [int(self.rowids[i]) for i in positions]
        found = self._store.pairs_by_rowid(rowids)
        return [found[r].question if r in found else "" for r in rowids]

    @property
    def size(self) -> int:
        return len(self.rowids)

    @property
    def approximate(self) -> bool:
        return self.ann_questions is not None

    def search(
        self, query: str, vector: np.ndarray, k: int, weights: Weights, mask: np.ndarray | None = None,
        lexical: GivenLexical | None = None,
    ) -> Candidates:
        """The ``k`` best pairs for a query by fused score, with every signal kept for calibration.

        ``lexical``: the query's BM25 over this index's pairs, computed elsewhere (live segments score
        each segment with the statistics of all of them together); else this index's own."""
        with one_blas_thread():
            return self._search(query, vector, k, weights, mask, lexical)

    def _search(
        self, query: str, vector: np.ndarray, k: int, weights: Weights, mask: np.ndarray | None,
        given: GivenLexical | None = None,
    ) -> Candidates:
        if self.ann_questions is not None:
            return self._search_candidates(query, vector, k, weights, mask, given)
        if self.coarse is not None and (mask is None or self._few_masked(mask)):
            # (A filter that leaves few pairs: the exact product over them is as cheap.)
            return self._search_candidates(query, vector, k, weights, mask, given)
        question, q_text_scores = self.questions.pair_scores(vector)
        answer, _ = self.answers.pair_scores(vector)
        lexical = given.scores if given is not None else self._lexical(query)
        signals = normalise(
            {
                "question": question,
                "answer": answer,
                "bm25_question": lexical[0],
                "bm25_answer": lexical[1],
                **(given.bounds if given is not None else self._bounds(query)),
            }
        )
        fused = convex(signals, weights, len(query.split()))
        if mask is not None:
            fused = np.where(mask, fused, -np.inf)
        allowed = self.size if mask is None else int(mask.sum())
        k = min(k, allowed)
        if k <= 0:
            return _empty(signals)
        top = np.argpartition(-fused, k - 1)[:k] if k < self.size else np.arange(self.size)
        order = top[np.argsort(-fused[top], kind="stable")]
        return Candidates(
            order=order,
            fused=fused[order],
            signals={name: values[order] for name, values in signals.items()},
            matched_text=self.questions.best_texts(order, q_text_scores),
        )

    def candidates(
        self,
        query: str,
        vector: np.ndarray,
        mask: np.ndarray | None = None,
        lexical: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Pairs worth scoring exactly: approximate nearest texts and the BM25 leaders, sorted.

        ``lexical``: the query's BM25 scores on questions and answers, when already computed.
        """
        first: tuple[AnnIndex | NearestTexts | CoarseIndex, AnnIndex | NearestTexts | CoarseIndex]
        if self.ann_questions is not None and self.ann_answers is not None:
            first = (self.ann_questions, self.ann_answers)
        elif self.coarse is not None:
            first = self.coarse
        else:
            raise RuntimeError("candidates() needs the approximate index or the coarse pass")
        if mask is not None and not self._few_masked(mask) and int(mask.sum()) <= EXACT_UNDER_FILTER:
            return np.flatnonzero(mask)
        q_ids, _ = first[0].search(vector, ANN_CANDIDATES)
        a_ids, _ = first[1].search(vector, ANN_CANDIDATES)
        parts = [self.questions.owners[q_ids], self.answers.owners[a_ids]]
        lexical = lexical or self._lexical(query)
        for scores in lexical:
            parts.append(_leaders(scores, LEXICAL_CANDIDATES))
        found = np.unique(np.concatenate(parts))
        return found if mask is None else found[mask[found]]

    def _few_masked(self, mask: np.ndarray) -> bool:
        """Whether ``mask`` leaves out so few pairs (live segments' removed pairs, a filter excluding
        little) that the first pass's candidates, less those, are as good as without it."""
        return self.size - int(mask.sum()) <= FEW_MASKED * self.size

    def _search_candidates(
        self, query: str, vector: np.ndarray, k: int, weights: Weights, mask: np.ndarray | None,
        given: GivenLexical | None = None,
    ) -> Candidates:
        if given is not None:
            pool = self.candidates(query, vector, mask, given.scores)
            lexical = [scores[pool] for scores in given.scores]
        elif self.ann_questions is None:
            # Below the approximate index's sizes, BM25 over every pair costs a few hundredths of a
            # millisecond: propose and score candidates from the full scores.
            full = self._lexical(query)
            pool = self.candidates(query, vector, mask, full)
            lexical = [scores[pool] for scores in full]
        else:
            fields = (self.lexical_questions, self.lexical_answers)
            ids = [field.query_ids(query) for field in fields]
            cap = max(2000, int(FREQUENT_WORDS * self.size))
            rare = (fields[0].rare_scores(ids[0], cap), fields[1].rare_scores(ids[1], cap))
            pool = self.candidates(query, vector, mask, rare)
            lexical = [field.scores_at(i, pool) for field, i in zip(fields, ids)]
        question, q_arg = self.questions.scores_for(pool, vector)
        answer, _ = self.answers.scores_for(pool, vector)
        # BM25 over the query's bound, not over the best score among the pairs searched: the same
        # pair gets the same signals on every path, and whatever else the knowledge base holds.
        signals = normalise(
            {"question": question, "answer": answer, "bm25_question": lexical[0], "bm25_answer": lexical[1]}
            | (given.bounds if given is not None else self._bounds(query))
        )
        fused = convex(signals, weights, len(query.split()))
        k = min(k, len(pool))
        if k <= 0:
            return _empty(signals)
        top = np.argpartition(-fused, k - 1)[:k] if k < len(pool) else np.arange(len(pool))
        at = top[np.argsort(-fused[top], kind="stable")]
        return Candidates(
            order=pool[at],
            fused=fused[at],
            signals={name: values[at] for name, values in signals.items()},
            matched_text=q_arg[at],
        )

    def _bounds(self, query: str) -> dict[str, np.ndarray]:
        return {
            "bound_question": np.asarray(self.lexical_questions.bound(query)),
            "bound_answer": np.asarray(self.lexical_answers.bound(query)),
        }

    def _lexical(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        return self.lexical_questions.scores(query, fast=True), self.lexical_answers.scores(query, fast=True)


@dataclass(frozen=True)
class GivenLexical:
    """A query's BM25 over an index's pairs, on questions and answers, with its bounds, computed
    elsewhere (``retrieve/segments.py``: every segment with the statistics of all of them)."""

    question: np.ndarray
    answer: np.ndarray
    bound_question: float
    bound_answer: float

    @property
    def scores(self) -> tuple[np.ndarray, np.ndarray]:
        return self.question, self.answer

    @property
    def bounds(self) -> dict[str, np.ndarray]:
        return {"bound_question": np.asarray(self.bound_question), "bound_answer": np.asarray(self.bound_answer)}


def _empty(signals: dict[str, np.ndarray]) -> Candidates:
    empty = np.zeros(0, dtype=np.int64)
    return Candidates(empty, np.zeros(0), {s: np.zeros(0) for s in signals}, empty)


def _leaders(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` highest-scoring pairs among those with a positive score."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) <= k:
        return positive.astype(np.int64)
    return positive[np.argpartition(-scores[positive], k - 1)[:k]].astype(np.int64)


def _want_ann(n_pairs: int) -> bool:
    if n_pairs < ANN_MIN_PAIRS:
        return False
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


# -- building, saving, loading ------------------------------------------------------------
def _read(
    store: Store, embedder: Embedder, stamped: dict[str, Any]
) -> tuple[_Data, tuple[list[str], list[str]], dict[str, Any]]:
    """Every text's vector, grouped by pair, and the two BM25 fields; one consistent snapshot.

    Also the cache stamp of what was read: ``stamped`` where the snapshot is at its generation (the
    database moves the generation on every change), else taken anew in it. Rows are streamed into
    preallocated arrays, so building holds the vectors once (float16) and the field texts, not
    every row as Python objects. Vectors missing for this model
    (another model, a cleared cache) are embedded once and stored.
    """
    with store.snapshot() as db:
        stamp = stamped if store.generation() == stamped["generation"] else cache.stamp(
            store, embedder.name, embedder.dim)  # (taken in this snapshot: stamp and data agree)
        pair_rowids = rows.text_pair_rowids(db)
        position = {rowid: i for i, rowid in enumerate(pair_rowids)}
        n = len(pair_rowids)
        arrays: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        fields: list[list[str]] = []
        todo: dict[str, list[tuple[int, str, str]]] = {"q": [], "a": []}
        for kind in ("q", "a"):
            count = rows.text_count(db, kind)
            vectors = np.zeros((count, embedder.dim), dtype=np.float16)
            owners = np.zeros(count, dtype=np.int64)
            ordinals = np.zeros(count, dtype=np.int32)
            field: list[list[str]] = [[] for _ in range(n)]
            i = -1
            for i, (rowid, ordinal, text, blob, text_hash) in enumerate(rows.texts_with_vectors(db, embedder.name, kind)):
                at = position[rowid]
                owners[i], ordinals[i] = at, ordinal
                field[at].append(text)
                if blob is None:
                    todo[kind].append((i, text, text_hash))
                else:
                    vectors[i] = np.frombuffer(blob, dtype=np.float16)
            if i + 1 != count:
                raise RuntimeError("the texts changed while the index was read")
            if kind == "a":
                # BM25 reads each whole answer, without the question that leads each embedded passage.
                answers = rows.answers_in_order(db)
                if len(answers) != n:
                    raise RuntimeError("every pair must have its texts")
                fields.append(answers)
            else:
                fields.append([" ".join(parts) for parts in field])
            del field
            arrays[kind] = (vectors, owners, ordinals)
    missing: dict[str, np.ndarray] = {}
    for kind, items in todo.items():
        if items:
            # Vectors of another model (or a cleared cache): embed what is missing once.
            fresh = embedder.embed([text for _, text, _ in items]).astype(np.float16)
            arrays[kind][0][[i for i, _, _ in items]] = fresh
            missing.update(dict(zip((h for _, _, h in items), fresh)))
    if missing:
        with store.transaction():
            store.put_vectors(embedder.name, missing)
    data = _Data(
        rowids=np.asarray(pair_rowids, dtype=np.int64),
        q_vectors=arrays["q"][0],
        q_owners=arrays["q"][1],
        q_ordinals=arrays["q"][2],
        a_vectors=arrays["a"][0],
        a_owners=arrays["a"][1],
    )
    return data, (fields[0], fields[1]), stamp


_ARRAYS = ("rowids", "q_vectors", "q_owners", "q_ordinals", "a_vectors", "a_owners")


def _save(
    folder: Path,
    stamp: dict[str, object],
    data: _Data,
    lexical: tuple[LexicalIndex, LexicalIndex],
    approximate: tuple[AnnIndex, AnnIndex] | None,
) -> None:
    """Write the cache; a knowledge base in a read-only place simply goes without one."""
    try:
        staged = cache.staging(folder)
    except OSError:
        return
    try:
        for name in _ARRAYS:
            np.save(staged / f"{name}.npy", getattr(data, name))
        lexical[0].save(staged / "lex_q")
        lexical[1].save(staged / "lex_a")
        if approximate is not None:
            approximate[0].save(staged / "ann_q.faiss")
            approximate[1].save(staged / "ann_a.faiss")
        cache.publish(staged, folder, stamp)
    except OSError:
        cache.discard(staged)


def _load(folder: Path) -> _Data:
    """The arrays of a fresh cache; the vectors memory-mapped (read only as they are used)."""
    loaded = {}
    for name in _ARRAYS:
        try:
            loaded[name] = np.load(folder / f"{name}.npy", mmap_mode="r" if name.endswith("vectors") else None)
        except ValueError:  # an empty array cannot be memory-mapped
            loaded[name] = np.load(folder / f"{name}.npy")
    return _Data(**loaded)


def _build_ann(data: _Data) -> tuple[AnnIndex, AnnIndex]:
    from .ann import AnnIndex

    return AnnIndex.build(data.q_vectors), AnnIndex.build(data.a_vectors)


def _load_ann(folder: Path | None, data: _Data) -> tuple[AnnIndex, AnnIndex]:
    """The approximate indexes from a fresh cache; built (and added to it) when it has none."""
    from .ann import AnnIndex

    out = []
    for name, vectors in (("ann_q.faiss", data.q_vectors), ("ann_a.faiss", data.a_vectors)):
        path = folder / name if folder is not None else None
        if path is not None and path.exists():
            index = AnnIndex.load(path)
            if index.size == len(vectors):
                out.append(index)
                continue
        index = AnnIndex.build(vectors)
        if path is not None:
            try:
                staged = path.with_suffix(".tmp")
                index.save(staged)
                staged.replace(path)
            except OSError:
                pass
        out.append(index)
    return out[0], out[1]
