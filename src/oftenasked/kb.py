"""KnowledgeBase: the façade that the CLI, the HTTP API and Python users call.

A thin layer over the stages: the store (``store/``, every SQL statement), ingestion
(``ingest/``, ``store/writer.py``), the live search index and its caches (``retrieve/live.py``),
assembling answers (``answer/assemble.py``) and learning from use (``usage/``).

Safe to call from many threads with no lock held by the caller: each thread reads through its
own SQLite connection, in one snapshot per question, and writes go one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal, TypeVar

from . import settings as settings_mod
from . import usage
from .answer import assemble, confidence
from .answer.assemble import DID_YOU_MEAN, MAX_QUESTION_CHARS, check_question
from .answer.page import Page
from .errors import ChangingError, IngestError, InputError, NotFoundError, StaleIndex
from .ingest.fetch import is_url
from .ingest.runner import Runner
from .ingest.sources import collect
from .locate import resolve_kb_path
from .models import Answer, Hit, IngestReport, Pair, Related
from .retrieve import filters as filtering
from .retrieve.embed import Embedder, embedder_named
from .retrieve.fusion import Weights
from .retrieve.index import Searchable
from .retrieve.live import SHARED_CANDIDATES, LiveIndex
from .store import Store, is_server_url, open_store
from .store.writer import SourceWriter, make_row, rederive_texts
from .usage import stats as usage_stats
from .usage.batch import QueryLog

__all__ = ["DID_YOU_MEAN", "MAX_QUESTION_CHARS", "SHARED_CANDIDATES", "KnowledgeBase", "resolve_kb_path"]

Filters = filtering.Filters
Progress = Callable[[str, int, int], None]
T = TypeVar("T")
ATTEMPTS = 5
"""Snapshots tried for one question while the knowledge base keeps changing under it."""


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
        self.retrieval = LiveIndex(store, lambda: self.embedder, live=self.settings.live_index)
        self._log_writer = QueryLog(store, keep_days=self.settings.retention_days)

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
        if is_server_url(str(path) if path else settings.kb):  # postgresql://...: a server, not a file
            return cls(open_store(str(path or settings.kb)), embedder=embedder, settings=settings)
        resolved = Path(path) if path else resolve_kb_path(settings, for_writing=for_writing)
        return cls(Store(resolved), embedder=embedder, settings=settings)

    @property
    def path(self) -> str:
        return self.store.path

    @property
    def lock(self) -> threading.RLock:
        """The store's write lock, held by every write. Readers never need it (kept for callers
        that want to make several writes one step)."""
        return self.store.write_lock

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder_named(self.settings.embedder)
        return self._embedder

    def prepare(self, question: str) -> None:
        """Embed a question ahead of asking (the model runs beside other work)."""
        self.retrieval.vector(check_question(question))

    def generation(self) -> int:
        """Bumped by the database on every change to the pairs: results are valid for one generation."""
        return self.store.generation()

    def close(self) -> None:
        self._log_writer.close()
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
        runner: Runner | None = None,
    ) -> IngestReport:
        """Ingest files, folders, globs and http(s) URLs. Re-ingesting a source updates its pairs in place.

        In folders, ``include``/``exclude`` globs choose the files (by default: every FAQ format);
        ``fmt`` names the reader for every source instead of detecting it. A record that cannot be
        used (an empty answer) is skipped and reported; with ``strict`` it fails its source.
        ``runner`` runs the reading and embedding elsewhere (``ingest.distributed.DaskRunner``: a cluster).

        A source that cannot be read is reported (``report.errors``) and the others are still
        ingested; with ``all_or_nothing`` any error raises and nothing is written. Either way
        the knowledge base is never half-written.
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        sources = collect(paths, include=include, exclude=exclude, all_or_nothing=all_or_nothing)
        return self.ingest_sources(sources, all_or_nothing=all_or_nothing, progress=progress, fmt=fmt, strict=strict,
                                   runner=runner)

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
        runner: Runner | None = None,
    ) -> IngestReport:
        """Ingest sources given as (origin, bytes) or (origin, the error that kept them from being read)."""
        writer = SourceWriter(self.store, self.embedder, runner)
        report = writer.write(sources, all_or_nothing=all_or_nothing, fmt=fmt, progress=progress, strict=strict)
        if any(src.changed for src in report.sources):
            with self.store.write_lock:
                usage.reapply(self.store.db, self)  # accepted suggestions outlive a re-ingest of their source
        return report

    # -- reading ------------------------------------------------------------------------
    def pairs(self) -> list[Pair]:
        return self.store.pairs()

    def pair(self, pair_id: str) -> Pair:
        return self.store.pair(pair_id)

    def pairs_page(self, offset: int = 0, limit: int = 100) -> tuple[int, list[Pair]]:
        """How many pairs there are, and ``limit`` of them from ``offset`` in knowledge-base order."""
        return self.store.pairs_page(offset, limit)

    def sources(self) -> list[dict[str, object]]:
        return self.store.sources()

    def remove_source(self, origin: str) -> int:
        """Remove a source (its origin as listed, or a file path to it) and its pairs; returns how many went."""
        known = {str(s["origin"]) for s in self.store.sources()}
        if origin not in known and not is_url(origin) and str(Path(origin).resolve()) in known:
            origin = str(Path(origin).resolve())
        with self.store.transaction():
            return self.store.remove_source(origin)

    def export_jsonl(self) -> Iterable[str]:
        """The pairs as JSON Lines (id, question, answer, source, alternates, metadata)."""
        from .export import to_jsonl

        return to_jsonl(self.store.pairs())

    # -- answering ----------------------------------------------------------------------
    @property
    def index(self) -> Searchable:
        return self._answering(lambda index: index)

    def index_ready(self) -> bool:
        """Whether the search index is built and current (answering then takes milliseconds)."""
        return self.retrieval.ready()

    def _answering(self, work: Callable[[Searchable], T]) -> T:
        """Run ``work`` on the current index inside one snapshot of the store, so that every pair it
        reads is as of the index's generation; a write meanwhile only means: try a newer snapshot."""
        for _ in range(ATTEMPTS):
            with self.store.snapshot():
                try:
                    index = self.retrieval.current()
                    # Live segments move pairs to new positions at a merge (same generation, in a
                    # background thread): work that overlapped one is done again on the new layout.
                    layout = getattr(index, "layout", None)
                    try:
                        done = work(index)
                    except (IndexError, ValueError):
                        if getattr(index, "layout", None) == layout:
                            raise
                        continue
                    if getattr(index, "layout", None) != layout:
                        continue
                    return done
                except StaleIndex:
                    continue
        raise ChangingError("the knowledge base kept changing while the question was answered: ask again")

    def search(
        self, question: str, k: int = 10, filters: Filters | None = None, mode: Literal["and", "or"] = "and"
    ) -> list[Hit]:
        """The ``k`` best pairs for a question, best first, each with its confidence, unfiltered by it."""
        question = check_question(question)
        return self._answering(lambda index: self._search(index, question, k, filters, mode))

    def _search(self, index: Searchable, question: str, k: int, filters: Filters | None, mode: str) -> list[Hit]:
        if index.size == 0:
            return []
        mask = filtering.mask(self.retrieval.filter_postings(index), index.size, filters, mode) if filters else None
        # A few more than asked: a hit's confidence weighs its lead over the next different question.
        found = self.retrieval.search(index, question, max(k, confidence.RIVALS), self.weights, mask)
        pairs = self.retrieval.pairs_at(index, found.order)
        return assemble.hits(index, found, pairs, self.calibration, k, index.background(self.weights))

    def ask(
        self,
        question: str,
        top: int | None = None,
        *,
        threshold: float | None = None,
        filters: Filters | None = None,
        mode: Literal["and", "or"] = "and",
        session: str | None = None,
        record: bool = True,
    ) -> Answer:
        """The best answers to a question, or an honest "no good answer" with suggestions.

        The question is logged (unless the ``query_log`` setting is off, or ``record`` is False),
        with ``session`` when the caller passes an opaque session id."""
        top = self.settings.top if top is None else top
        settings_mod.check_range("top", top)
        threshold = self.settings.threshold if threshold is None else threshold
        settings_mod.check_range("threshold", threshold)
        hits = self.search(question, k=max(top, assemble.SUGGESTIONS), filters=filters, mode=mode)
        answer = assemble.answer(question, hits, top, threshold)
        if record:
            self.record_query(answer, session)
        return answer

    def related(self, question: str, top: int | None = None) -> tuple[Related, ...]:
        """Questions people also ask about the same need, each with its answer; no rephrasings."""
        top = self.settings.related_top if top is None else top
        settings_mod.check_range("related_top", top)
        question = check_question(question)
        if top == 0:
            return ()
        return self._answering(lambda index: self._related(index, question, top))

    def _related(self, index: Searchable, question: str, top: int) -> tuple[Related, ...]:
        if index.size == 0:
            return ()
        vector = self.retrieval.vector(question)
        found = self.retrieval.search(index, question, SHARED_CANDIDATES, self.weights)
        lead = [p.question for p in self.retrieval.pairs_at(index, found.order[: confidence.RIVALS])]
        # Twice as many as shown, so that demand can bring a more asked one forward (MMR picks in
        # order: the first ``top`` are the same either way).
        picked = assemble.related_choice(
            index, found, lead, vector, self.calibration, self.settings.threshold, 2 * top, index.background(self.weights)
        )
        items = assemble.related(self.retrieval.pairs_at(index, [i for i, _ in picked]), picked)
        ids = [r.pair.id for r in items]
        demand = {}
        if self.settings.demand_min > 0:
            with self.store.snapshot() as db:
                demand = usage.demand_counts(db, ids)
        return tuple(usage.rank_by_demand(list(items), ids, demand, self.settings.demand_min)[:top])

    def page(self, question: str, related: int | None = None) -> Page:
        """The "Often asked" page for a question: best answer, related questions, sources."""
        answer = self.ask(question, top=1, record=False)
        return Page(
            title=f"Often asked: {answer.question}",
            question=answer.question,
            answer=answer,
            related=self.related(question, top=related),
        )

    # -- editing (the HTTP API's pairs) ----------------------------------------------------
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
        with self.store.write_lock:  # read, edit, write: no other write of this process in between
            current = self.store.pair(pair_id)
            updated = replace(
                current,
                question=check_question(current.question if question is None else question),
                answer=current.answer if answer is None else answer,
                source=current.source if source is None else source,
                alternates=current.alternates if alternates is None else tuple(alternates),
                metadata=current.metadata if metadata is None else dict(metadata),
            )
            if not updated.answer.strip():
                raise InputError("the answer is empty")
            _check_edit(updated)
            row = make_row(updated)
            writer = SourceWriter(self.store, self.embedder)
            embedded = writer.embed_missing([row], None)
            with self.store.transaction():
                self.store.put_vectors(self.embedder.name, embedded)
                self.store.write_pairs(self.store.source_id_of(pair_id), [row])
            return self.store.pair(pair_id)

    def delete_pair(self, pair_id: str) -> Pair:
        """Delete one pair; returns it. Re-ingesting its origin brings it back."""
        with self.store.transaction():
            pair = self.store.pair(pair_id)
            self.store.delete_pairs([pair_id])
        return pair

    # -- learning from use (query log, feedback, stats) ------------------------------------
    def record_query(self, answer: Answer, session: str | None = None) -> bool:
        """Log an asked question (text, answer id, confidence, time) unless the query log is off.

        Never writes in the caller's thread: entries are written in batches by the log's own
        thread, at most a second late (``stats``, ``close`` and ``flush_query_log`` write what is
        pending). True when the entry was taken.
        """
        if not self.settings.query_log:
            return False
        best = answer.best
        self._log_writer.record(
            usage.query_row(
                answer.question, best.pair.id if best else None, best.score if best else None, answer.answered, session
            )
        )
        return True

    def flush_query_log(self) -> bool:
        """Write the pending query-log entries now; False when the file stayed locked (they wait)."""
        return self._log_writer.flush()

    def record_feedback(
        self, question: str, pair_id: str, helpful: bool | None = None, better_id: str | None = None,
        session: str | None = None, editor: bool = False,
    ) -> usage.Feedback:
        """Store feedback on an answer: helpful or not, or the id of the answer that was right.

        ``session``: an opaque session id; ``editor``: given by the editor, whose one piece of
        feedback is enough for a suggestion (others need several sessions)."""
        feedback = usage.Feedback(question=question, pair_id=pair_id, helpful=helpful, better_id=better_id,
                                  session=session, editor=editor)
        with self.store.write_lock:
            for wanted in (pair_id, better_id):
                if wanted is not None and self.store.rowid_of(wanted) is None:
                    raise NotFoundError(f"no pair with id {wanted!r}")
            usage.record_feedback(self.store.db, feedback, self.settings.query_log, self.settings.retention_days)
        return feedback

    # -- learning from use: the log, often asked needs, gaps, suggestions (usage/) --------
    # These read and write through the store's one write connection, under its write lock (their
    # rows through store/usage_rows.py and store/suggestion_rows.py).
    def query_log(self, since: str | None = None, unanswered: bool = False, limit: int = 1000) -> list[usage.LogEntry]:
        """Logged questions since ``since`` ('7d', '12h'...), newest first, with their feedback."""
        self.flush_query_log()
        with self.store.write_lock:
            return usage.log_entries(self.store.db, since, unanswered, limit)

    def forget_query_log(self) -> int:
        """Empty the query log (questions, feedback, open suggestions); how many questions went."""
        self.flush_query_log()
        with self.store.write_lock:
            return usage.forget(self.store.db)

    def often(self, since: str | None = "30d", top: int = 20) -> list[usage.Need]:
        """The most asked needs since ``since``: logged questions grouped by meaning."""
        self.flush_query_log()
        with self.store.write_lock:
            return usage.often(self.store.db, self.embedder, usage.since_cutoff(since), top)

    def gaps(self, since: str | None = None, top: int = 20) -> list[usage.Need]:
        """Needs asked repeatedly without a good answer, most people affected first, with the nearest pairs."""
        self.flush_query_log()

        def nearest(question: str) -> list[dict[str, object]]:
            # As "did you mean": a pair whose question is too far off is no nearest pair.
            return [{"id": h.pair.id, "question": h.pair.question, "confidence": round(h.score, 4)}
                    for h in self.search(question, k=3) if h.signals["question"] >= DID_YOU_MEAN]

        with self.store.write_lock:
            return usage.gaps(self.store.db, self.embedder, nearest, usage.since_cutoff(since),
                              self.settings.gap_confidence, top)

    def suggestions(self, status: str | None = "open") -> list[usage.Suggestion]:
        """Suggestions learnt from use (made afresh from the log and feedback first), with their evidence."""
        self.flush_query_log()
        with self.store.write_lock:
            db = self.store.db
            usage.sweep_vectors(db)  # (the log's own rows go with the retention setting)
            new = usage.propose(db, self.embedder, usage.known_phrasings(db), self.settings.suggestion_sessions)
            for suggestion_id in new if self.settings.suggestions_auto else ():
                usage.accept(db, self, suggestion_id)
            return usage.suggestion_list(db, status)

    def accept(self, suggestion_id: int) -> usage.Suggestion:
        """Apply a suggestion (an alternate question is added to its pair); recorded, and revertible."""
        with self.store.write_lock:
            return usage.accept(self.store.db, self, suggestion_id)

    def reject(self, suggestion_id: int) -> usage.Suggestion:
        """Discard a suggestion; it is not made again."""
        with self.store.write_lock:
            return usage.reject(self.store.db, suggestion_id)

    def revert(self, suggestion_id: int) -> usage.Suggestion:
        """Undo an accepted suggestion."""
        with self.store.write_lock:
            return usage.revert(self.store.db, self, suggestion_id)

    def stats(self) -> dict[str, object]:
        """Pairs, sources, questions asked and unanswered, feedback totals."""
        self.flush_query_log()
        with self.store.write_lock:
            usage.prune(self.store.db, self.settings.retention_days)
        return usage_stats.summary(self.store, query_log=self.settings.query_log)


def _check_edit(pair: Pair) -> None:
    """An edit meets the limits every ingested pair meets: no control characters, bounded fields."""
    from .ingest import checks

    fields: list[tuple[str, str, int | None]] = [
        ("question", pair.question, checks.MAX_QUESTION_CHARS),
        ("answer", pair.answer, checks.MAX_ANSWER_CHARS),
        ("source", pair.source, checks.MAX_SOURCE_CHARS),
    ]
    if len(pair.alternates) > checks.MAX_ALTERNATES or len(pair.metadata) > checks.MAX_METADATA_ITEMS:
        raise InputError(f"at most {checks.MAX_ALTERNATES} alternates and {checks.MAX_METADATA_ITEMS} metadata items")
    fields += [("alternates", a, checks.MAX_QUESTION_CHARS) for a in pair.alternates]
    for key, value in pair.metadata.items():
        fields += [("metadata", key, checks.MAX_METADATA_KEY_CHARS), (f"metadata.{key}", value, checks.MAX_METADATA_VALUE_CHARS)]
    for name, text, limit in fields:
        bad = checks.control_character(text)
        if bad:
            raise InputError(f"{name} holds the control character {bad}, which is not allowed")
        if limit is not None and len(text) > limit:
            raise InputError(f"{name} is too long ({len(text)} characters; the limit is {limit})")
