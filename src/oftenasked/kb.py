"""KnowledgeBase: the façade that the CLI, the HTTP API and Python users call."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np

from . import settings as settings_mod
from . import usage
from .answer import confidence
from .answer.related import select_related
from .errors import IngestError, InputError, NotFoundError
from .ingest.fetch import is_url
from .ingest.sources import collect
from .models import Answer, Hit, IngestReport, Page, Pair, Related
from .retrieve.embed import Embedder, default_embedder
from .retrieve.fusion import Weights
from .retrieve.index import Candidates, SearchIndex
from .store import Store
from .writer import SourceWriter, make_row, rederive_texts

MAX_QUESTION_CHARS = 1000
SHARED_CANDIDATES = 50
"""Candidates one search keeps: enough for the answers and for choosing related questions."""
QUERY_LOG_SECONDS = 1.0
"""Longest wait before a logged question is written to the file."""
QUERY_LOG_BATCH = 256
QUERY_LOG_MAX_PENDING = 10_000
PAIR_CACHE = 4096
"""Pairs kept in memory between questions (a few MB)."""
DID_YOU_MEAN = 0.4
"""Question similarity under which a stored question is too far off to suggest."""
Filters = Mapping[str, str | Sequence[str]]
Progress = Callable[[str, int, int], None]


class KnowledgeBase:
    """A knowledge base of Q&A pairs in one SQLite file, and the engine that answers from it.

    >>> kb = KnowledgeBase.open("faq.sqlite")          # doctest: +SKIP
    >>> kb.ingest(["faq.txt"])                          # doctest: +SKIP
    >>> kb.ask("Why does my back hurt when I run?").best  # doctest: +SKIP
    """

    def __init__(
        self,
        store: Store,
        embedder: Embedder | None = None,
        settings: settings_mod.Settings | None = None,
        weights: Weights | None = None,
        calibration: confidence.Calibration | None = None,
    ) -> None:
        self.store = store
        rederive_texts(store)  # a knowledge base from an older version: its derived texts, as now made
        self.settings = settings or settings_mod.Settings()
        self._embedder = embedder
        self.weights = weights or Weights()
        self.calibration = calibration or confidence.DEFAULT
        self._index: SearchIndex | None = None
        self._lock = threading.RLock()
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._recent: OrderedDict[tuple[int, str], Candidates] = OrderedDict()
        # Pairs by rowid as of one index generation: answers and related questions of nearby
        # questions keep showing the same pairs, and reading them is most of an answer's cost.
        self._pairs: OrderedDict[int, Pair] = OrderedDict()
        self._pairs_generation = -1
        self._log_lock = threading.Lock()
        self._pending_queries: list[usage.QueryRow] = []
        self._queries_written = time.monotonic()
        self._log_timer: threading.Timer | None = None
        self._filter_postings: tuple[int, dict[tuple[str, str], np.ndarray]] | None = None

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        embedder: Embedder | None = None,
        settings: settings_mod.Settings | None = None,
        for_writing: bool = False,
    ) -> KnowledgeBase:
        """Open (or create) a knowledge base file.

        With no path: ``OFTENASKED_KB``, then the per-user file if it exists, then the bundled
        starter knowledge base (the seed page and MedQuAD), built on first use.
        """
        settings = settings or settings_mod.load()
        resolved = Path(path) if path else resolve_kb_path(settings, for_writing=for_writing)
        return cls(Store(resolved), embedder=embedder, settings=settings)

    @property
    def path(self) -> str:
        return self.store.path

    @property
    def lock(self) -> threading.RLock:
        """Held by every write; hold it to read from several threads and never see a write half-done."""
        return self._lock

    def prepare(self, question: str) -> None:
        """Embed a question ahead of asking (outside any lock: the model runs beside other work)."""
        self._vector(_check_question(question))

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def close(self) -> None:
        self.flush_query_log()
        self.store.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.store.count()

    # -- ingest -------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path,
        *,
        all_or_nothing: bool = False,
        progress: Progress | None = None,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        fmt: str | None = None,
        strict: bool = False,
    ) -> IngestReport:
        """Ingest files, folders, globs and http(s) URLs. Re-ingesting a source updates its pairs in place.

        In folders, ``include``/``exclude`` globs choose the files (by default: every FAQ format);
        ``fmt`` names the reader for every source instead of detecting it. A record that cannot be
        used (an empty answer) is skipped and reported; with ``strict`` it fails its source.

        A source that cannot be read is reported (``report.errors``) and the others are still
        ingested; with ``all_or_nothing`` any error raises and nothing is written. Either way
        the knowledge base is never half-written.
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        sources = collect(paths, include=include, exclude=exclude, all_or_nothing=all_or_nothing)
        return self.ingest_sources(sources, all_or_nothing=all_or_nothing, progress=progress, fmt=fmt, strict=strict)

    def ingest_bytes(self, data: bytes, origin: str, fmt: str | None = None, strict: bool = False) -> IngestReport:
        """Ingest one source given as bytes (an upload, standard input); ``origin`` names it."""
        return self.ingest_sources([(origin, data)], all_or_nothing=True, fmt=fmt, strict=strict)

    def ingest_sources(
        self,
        sources: Sequence[tuple[str, bytes | IngestError]],
        *,
        all_or_nothing: bool = False,
        fmt: str | None = None,
        progress: Progress | None = None,
        strict: bool = False,
    ) -> IngestReport:
        """Ingest sources given as (origin, bytes) or (origin, the error that kept them from being read)."""
        writer = SourceWriter(self.store, self.embedder, self._lock)
        return writer.write(sources, all_or_nothing=all_or_nothing, fmt=fmt, progress=progress, strict=strict)

    # -- reading ------------------------------------------------------------------------
    def pairs(self) -> list[Pair]:
        return self.store.pairs()

    def pair(self, pair_id: str) -> Pair:
        return self.store.pair(pair_id)

    def pairs_page(self, offset: int = 0, limit: int = 100) -> tuple[int, list[Pair]]:
        """How many pairs there are, and ``limit`` of them from ``offset`` in knowledge-base order."""
        rows = self.store.db.execute("SELECT rowid FROM pairs ORDER BY rowid LIMIT ? OFFSET ?", (limit, offset))
        return self.store.count(), self.store.pairs([int(r) for (r,) in rows.fetchall()])

    def sources(self) -> list[dict[str, object]]:
        return self.store.sources()

    def remove_source(self, origin: str) -> int:
        """Remove a source (its origin as listed, or a file path to it) and its pairs; returns how many went."""
        known = {str(s["origin"]) for s in self.store.sources()}
        if origin not in known and not is_url(origin) and str(Path(origin).resolve()) in known:
            origin = str(Path(origin).resolve())
        with self._lock, self.store.transaction():
            removed = self.store.remove_source(origin)
            self.store.bump_generation()
        return removed

    def export_jsonl(self) -> Iterable[str]:
        """The pairs as JSON Lines (id, question, answer, source, alternates, metadata)."""
        from .export import to_jsonl

        return to_jsonl(self.store.pairs())

    # -- answering ----------------------------------------------------------------------
    @property
    def index(self) -> SearchIndex:
        with self._lock:
            if self._index is None or self._index.generation != self.store.generation():
                self._index = SearchIndex(self.store, self.embedder)
            return self._index

    def index_ready(self) -> bool:
        """Whether the search index is built and current (answering then takes milliseconds)."""
        with self._lock:
            return self._index is not None and self._index.generation == self.store.generation()

    def _vector(self, text: str) -> np.ndarray:
        with self._cache_lock:  # the HTTP API asks from many threads at once
            cached = self._query_vectors.get(text)
            if cached is not None:
                self._query_vectors.move_to_end(text)
                return cached
        vector = self.embedder.embed([text])[0]
        with self._cache_lock:
            self._query_vectors[text] = vector
            if len(self._query_vectors) > 1024:
                self._query_vectors.popitem(last=False)
        return vector

    def search(
        self, question: str, k: int = 10, filters: Filters | None = None, mode: Literal["and", "or"] = "and"
    ) -> list[Hit]:
        """The ``k`` best pairs for a question, best first, each with its confidence, unfiltered by it."""
        question = _check_question(question)
        index = self.index
        if index.size == 0:
            return []
        mask = self._mask(index, filters, mode) if filters else None
        # A few more than asked: a hit's confidence weighs its lead over the next different question.
        found = self._found(index, question, max(k, confidence.RIVALS), mask)
        return self._hits(index, found, k)

    def _found(self, index: SearchIndex, question: str, k: int, mask: np.ndarray | None) -> Candidates:
        """Candidates for a question. Unfiltered searches are kept for a moment, so that the answer
        and the related questions of one question (the page, the HTTP API) cost one search."""
        if mask is not None or k > SHARED_CANDIDATES:
            return index.search(question, self._vector(question), k, self.weights, mask)
        key = (index.generation, question)
        with self._cache_lock:
            found = self._recent.get(key)
        if found is None:
            found = index.search(question, self._vector(question), SHARED_CANDIDATES, self.weights)
            with self._cache_lock:
                self._recent[key] = found
                if len(self._recent) > 64:
                    self._recent.popitem(last=False)
        return _head(found, k)

    def _pairs_at(self, index: SearchIndex, positions: Iterable[int]) -> list[Pair]:
        """The pairs at these index positions, in order, read from the store only when not cached."""
        rowids = [int(index.rowids[i]) for i in positions]
        with self._cache_lock:
            if self._pairs_generation != index.generation:
                self._pairs.clear()
                self._pairs_generation = index.generation
            cached = {r: self._pairs[r] for r in rowids if r in self._pairs}
        missing = [r for r in rowids if r not in cached]
        if missing:
            fresh = dict(zip(missing, self.store.pairs(missing)))
            with self._cache_lock:
                if self._pairs_generation == index.generation:
                    self._pairs.update(fresh)
                    while len(self._pairs) > PAIR_CACHE:
                        self._pairs.popitem(last=False)
            cached.update(fresh)
        return [cached[r] for r in rowids if r in cached]

    def _hits(self, index: SearchIndex, found: Candidates, k: int) -> list[Hit]:
        """The first ``k`` candidates as hits; the confidence of each weighs all of them (rivals)."""
        pairs = self._pairs_at(index, found.order)
        probabilities = self.calibration.probability(
            found.signals, found.fused, [p.question for p in pairs], index.background(self.weights)
        )
        hits = []
        for at, pair in enumerate(pairs[:k]):
            text_at = int(found.matched_text[at])
            phrasings = (pair.question, *pair.alternates)
            ordinal = int(index.q_ordinals[text_at]) if text_at >= 0 else 0
            hits.append(
                Hit(
                    pair=pair,
                    score=float(probabilities[at]),
                    matched_question=phrasings[ordinal] if ordinal < len(phrasings) else pair.question,
                    signals={name: float(values[at]) for name, values in found.signals.items()}
                    | {"fused": float(found.fused[at])},
                )
            )
        return hits

    def ask(
        self,
        question: str,
        top: int | None = None,
        *,
        threshold: float | None = None,
        filters: Filters | None = None,
        mode: Literal["and", "or"] = "and",
    ) -> Answer:
        """The best answers to a question, or an honest "no good answer" with suggestions."""
        top = self.settings.top if top is None else top
        if not 1 <= top <= 100:
            raise InputError(f"top must be between 1 and 100, got {top}")
        threshold = self.settings.threshold if threshold is None else threshold
        if not 0.0 <= threshold <= 1.0:
            raise InputError(f"threshold must be between 0 and 1, got {threshold}")
        hits = self.search(question, k=max(top, 3), filters=filters, mode=mode)
        good = tuple(h for h in hits if h.score >= threshold)[:top]
        return Answer(
            question=question.strip(),
            hits=good,
            threshold=threshold,
            did_you_mean=() if good else tuple(h for h in hits if h.signals["question"] >= DID_YOU_MEAN)[:3],
        )

    def related(self, question: str, top: int | None = None) -> tuple[Related, ...]:
        """Questions people also ask about the same need, each with its answer; no rephrasings."""
        top = self.settings.related_top if top is None else top
        if not 0 <= top <= 50:
            raise InputError(f"top must be between 0 and 50, got {top}")
        question = _check_question(question)
        index = self.index
        if index.size == 0 or top == 0:
            return ()
        vector = self._vector(question)
        found = self._found(index, question, SHARED_CANDIDATES, None)
        lead = slice(0, confidence.RIVALS)
        questions = [p.question for p in self._pairs_at(index, found.order[lead])]
        probabilities = self.calibration.probability(
            {name: values[lead] for name, values in found.signals.items()},
            found.fused[lead],
            questions,
            index.background(self.weights),
        )
        shown = [int(found.order[0])] if probabilities[0] >= self.settings.threshold else []
        anchor = index.main_question_vectors[shown[0]] if shown else vector
        # Relatedness: to the question asked and to the answer given, in equal parts.
        vectors = index.main_question_vectors
        relevance = 0.5 * (vectors[found.order] @ vector) + 0.5 * (vectors[found.order] @ anchor)
        picked = select_related(found.order, relevance, vectors, vector, shown, top)
        pairs = self._pairs_at(index, [i for i, _ in picked])
        return tuple(Related(pair=p, score=float(max(0.0, min(1.0, r)))) for p, (_, r) in zip(pairs, picked))

    def page(self, question: str, related: int | None = None) -> Page:
        """The "Often asked" page for a question: best answer, related questions, sources."""
        answer = self.ask(question, top=1)
        return Page(
            title=f"Often asked: {answer.question}",
            question=answer.question,
            answer=answer,
            related=self.related(question, top=related),
        )

    # -- editing and learning from use (the HTTP API's pairs, feedback and stats) ---------
    def update_pair(
        self,
        pair_id: str,
        *,
        question: str | None = None,
        answer: str | None = None,
        source: str | None = None,
        alternates: Sequence[str] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Pair:
        """Edit one pair in place; fields left as None keep their value.

        The pair stays with its origin, so re-ingesting that origin replaces the edit.
        """
        with self._lock:
            current = self.store.pair(pair_id)
            updated = replace(
                current,
                question=_check_question(current.question if question is None else question),
                answer=current.answer if answer is None else answer,
                source=current.source if source is None else source,
                alternates=current.alternates if alternates is None else tuple(alternates),
                metadata=current.metadata if metadata is None else dict(metadata),
            )
            if not updated.answer.strip():
                raise InputError("the answer is empty")
            row = make_row(updated)
            embedded = SourceWriter(self.store, self.embedder, self._lock).embed_missing([row], None)
            source_id = self.store.db.execute("SELECT source_id FROM pairs WHERE id = ?", (pair_id,)).fetchone()[0]
            with self.store.transaction():
                self.store.put_vectors(self.embedder.name, embedded)
                self.store.write_pairs(int(source_id), [row])
                self.store.bump_generation()
            return self.store.pair(pair_id)

    def delete_pair(self, pair_id: str) -> Pair:
        """Delete one pair; returns it. Re-ingesting its origin brings it back."""
        with self._lock:
            pair = self.store.pair(pair_id)
            with self.store.transaction():
                self.store.delete_pairs([pair_id])
                self.store.bump_generation()
            return pair

    def record_query(self, answer: Answer) -> bool:
        """Log an asked question (text, answer id, confidence, time) unless the query log is off.

        Entries are written in batches, at most ``QUERY_LOG_SECONDS`` late (``stats``, ``close``
        and ``flush_query_log`` write what is pending): a write per question made processes that
        share the file wait on each other's write lock. True when the entry was taken.
        """
        if not self.settings.query_log:
            return False
        best = answer.best
        row = usage.query_row(answer.question, best.pair.id if best else None, best.score if best else None, answer.answered)
        with self._log_lock:
            self._pending_queries.append(row)
            due = (
                len(self._pending_queries) >= QUERY_LOG_BATCH
                or time.monotonic() - self._queries_written >= QUERY_LOG_SECONDS
            )
            if not due and self._log_timer is None:  # a quiet moment still writes within the second
                self._log_timer = threading.Timer(QUERY_LOG_SECONDS, self.flush_query_log)
                self._log_timer.daemon = True
                self._log_timer.start()
        if due:
            self.flush_query_log()
        return True

    def flush_query_log(self) -> bool:
        """Write the pending query-log entries. Best effort: when the file stays locked by another
        process past the busy timeout, they wait for the next write (the oldest are dropped past
        ``QUERY_LOG_MAX_PENDING``) and False is returned; answering never fails for the log."""
        with self._log_lock:
            rows, self._pending_queries = self._pending_queries, []
            self._queries_written = time.monotonic()
            if self._log_timer is not None:
                self._log_timer.cancel()  # (a no-op when the timer itself is flushing)
                self._log_timer = None
        if not rows:
            return True
        with self._lock:
            try:
                usage.write_queries(self.store.db, rows, self.settings.retention_days)
                return True
            except sqlite3.OperationalError as exc:
                logging.getLogger("oftenasked").warning("query log entries kept for later: %s", exc)
        with self._log_lock:
            self._pending_queries[:0] = rows
            del self._pending_queries[: max(0, len(self._pending_queries) - QUERY_LOG_MAX_PENDING)]
        return False

    def record_feedback(
        self, question: str, pair_id: str, helpful: bool | None = None, better_id: str | None = None
    ) -> usage.Feedback:
        """Store feedback on an answer: helpful or not, or the id of the answer that was right."""
        feedback = usage.Feedback(question=question, pair_id=pair_id, helpful=helpful, better_id=better_id)
        with self._lock:
            for wanted in (pair_id, better_id):
                if wanted is not None and self.store.rowid_of(wanted) is None:
                    raise NotFoundError(f"no pair with id {wanted!r}")
            usage.record_feedback(self.store.db, feedback, self.settings.query_log, self.settings.retention_days)
        return feedback

    def stats(self) -> dict[str, object]:
        """Pairs, sources, questions asked and unanswered, feedback totals."""
        self.flush_query_log()
        with self._lock:
            usage.prune(self.store.db, self.settings.retention_days)
            queries = usage.query_stats(self.store.db)
            return {
                "pairs": self.store.count(),
                "sources": len(self.store.sources()),
                "questions_asked": queries.asked,
                "unanswered": queries.unanswered,
                "top_unanswered": queries.top_unanswered,
                "feedback": usage.feedback_counts(self.store.db),
                "query_log": self.settings.query_log,
            }

    def _mask(self, index: SearchIndex, filters: Filters, mode: str) -> np.ndarray:
        if mode not in ("and", "or"):
            raise InputError(f"filter mode must be 'and' or 'or', got {mode!r}")
        postings = self._postings(index)
        per_key = []
        for key, value in filters.items():
            values = {value.lower()} if isinstance(value, str) else {v.lower() for v in value}
            matched = np.zeros(index.size, dtype=bool)
            for v in values:
                matched[postings.get((key.lower(), v), _NONE)] = True
            per_key.append(matched)
        combine = np.logical_and.reduce if mode == "and" else np.logical_or.reduce
        return np.asarray(combine(per_key), dtype=bool)

    def _postings(self, index: SearchIndex) -> dict[tuple[str, str], np.ndarray]:
        """(field, value) -> positions of the pairs that have it, lowercased; built once per index."""
        with self._cache_lock:
            cached = self._filter_postings
        if cached is not None and cached[0] == index.generation:
            return cached[1]
        position = {int(r): i for i, r in enumerate(index.rowids)}
        lists: dict[tuple[str, str], list[int]] = {}
        rows = self.store.db.execute(
            "SELECT p.rowid, p.metadata, p.source, s.origin FROM pairs p JOIN sources s ON s.id = p.source_id"
        ).fetchall()
        for rowid, metadata, source, origin in rows:
            if rowid not in position:
                continue
            fields = {k.lower(): v.lower() for k, v in json.loads(metadata).items()}
            fields.setdefault("source", source.lower())
            fields.setdefault("origin", origin.lower())
            for field in fields.items():
                lists.setdefault(field, []).append(position[rowid])
        postings = {field: np.asarray(at, dtype=np.int64) for field, at in lists.items()}
        with self._cache_lock:
            self._filter_postings = (index.generation, postings)
        return postings


_NONE = np.zeros(0, dtype=np.int64)


def _head(found: Candidates, k: int) -> Candidates:
    """The first ``k`` of ranked candidates."""
    return Candidates(
        order=found.order[:k],
        fused=found.fused[:k],
        signals={name: values[:k] for name, values in found.signals.items()},
        matched_text=found.matched_text[:k],
    )


def _check_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})")
    return question.strip()


def resolve_kb_path(settings: settings_mod.Settings, *, for_writing: bool = False) -> Path:
    """Where the knowledge base lives: setting, then the per-user file, then the starter.

    Writing never goes to the starter: it goes to the per-user file, which then takes over.
    """
    if settings.kb:
        return Path(settings.kb).expanduser()
    user = settings_mod.default_kb_path()
    if user.exists() or for_writing:
        return user
    from .starter import starter_kb_path

    return starter_kb_path(progress=sys.stderr.isatty())
