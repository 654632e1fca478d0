"""Writing sources into the store: read and plan every source, embed only new texts, apply in one transaction.

A source is planned first (read, duplicates merged, ids checked) without touching the store;
then the texts no vector exists for are embedded, outside any lock; then every planned source
is applied in one transaction, so a failure leaves the knowledge base exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .errors import IngestError
from .ingest import ReadResult, read_source
from .ingest.dedupe import QuestionIndex, dedupe
from .ingest.records import stable_id
from .models import IngestReport, Pair, SourceReport
from .retrieve.chunk import CHUNK_WORDS, MAX_CHUNKS, passages
from .retrieve.embed import Embedder
from .store import PairRow, Store

Progress = Callable[[str, int, int], None]


TEXTS_RECIPE = f"q: question, alternates; a: question + first {CHUNK_WORDS} words x{MAX_CHUNKS}"
"""How the searched texts are derived from a pair. A knowledge base made with another recipe has its
texts derived again when it is opened (:func:`rederive_texts`)."""


def make_row(pair: Pair) -> PairRow:
    """The stored form of a pair: its content hash and the texts the retrievers search."""
    texts: list[tuple[str, int, str, str]] = []
    for ordinal, text in enumerate([pair.question, *pair.alternates]):
        texts.append(("q", ordinal, text, text_hash(text)))
    for ordinal, text in enumerate(passages(pair.question, pair.answer)):
        texts.append(("a", ordinal, text, text_hash(text)))
    # The derived texts are part of the hash: when their making changes, re-ingesting re-derives them.
    content = json.dumps(
        [pair.question, pair.answer, pair.source, list(pair.alternates), pair.metadata, [t[3] for t in texts]],
        sort_keys=True,
    )
    return PairRow(pair=pair, content_hash=hashlib.sha256(content.encode()).hexdigest(), texts=tuple(texts))


def rederive_texts(store: Store) -> int:
    """Bring a knowledge base made by an older oftenasked to this version's texts; how many pairs changed.

    Only derived state changes (texts, content hashes): the pairs, their sources and ingestion times
    stay, vectors of unchanged texts are kept, and the new texts are embedded when the index is next
    built. Afterwards re-ingesting the same sources reports them unchanged, as it should.
    """
    if store.readonly or store.meta("texts_recipe") == TEXTS_RECIPE:
        return 0
    changed = 0
    with store.transaction():
        if store.meta("texts_recipe") == TEXTS_RECIPE:  # another process did it meanwhile
            return 0
        for rowid, content_hash, pair in store.pair_rows():
            row = make_row(pair)
            if row.content_hash != content_hash:
                store.replace_texts(rowid, row.content_hash, row.texts)
                changed += 1
        store.set_meta("texts_recipe", TEXTS_RECIPE)
        if changed:
            store.bump_generation()
    return changed


def text_hash(text: str) -> str:
    """The key of a text's vector in the store's cache."""
    return hashlib.sha1(text.encode()).hexdigest()


class SourceWriter:
    """Ingests sources into one store with one embedder; ``lock`` guards the write transaction."""

    def __init__(self, store: Store, embedder: Embedder, lock: threading.RLock) -> None:
        self.store = store
        self.embedder = embedder
        self.lock = lock

    def write(
        self,
        sources: Sequence[tuple[str, bytes | IngestError]],
        *,
        all_or_nothing: bool = False,
        fmt: str | None = None,
        progress: Progress | None = None,
        strict: bool = False,
    ) -> IngestReport:
        planned: list[tuple[str, ReadResult, list[PairRow]]] = []
        failed: list[SourceReport] = []
        claimed: dict[str, str] = {}
        index: QuestionIndex | None = None
        for origin, data in sources:
            try:
                if isinstance(data, IngestError):  # could not be read or fetched
                    raise data
                if not data:
                    raise IngestError(origin, "empty file, or it cannot be read")
                result = read_source(data, origin, fmt, strict=strict)
                if any(p.id is None for p in result.pairs):  # only pairs without a source id are merged
                    index = index or self._question_index(planned)
                    result = dedupe(result, origin, index)
                rows = self._rows(origin, result, claimed)
                planned.append((origin, result, rows))
                if index is not None:
                    for row in rows:
                        index.add(row.pair.id, origin, [row.pair.question, *row.pair.alternates], row.pair.answer)
            except IngestError as exc:
                if all_or_nothing:
                    raise
                failed.append(SourceReport(origin=origin, format=fmt or "", kept=0, error=str(exc)))
        embedded = self.embed_missing([row for _, _, rows in planned for row in rows], progress)
        reports: list[SourceReport] = []
        with self.lock, self.store.transaction():
            self.store.put_vectors(self.embedder.name, embedded)
            for origin, result, rows in planned:
                reports.append(self._apply(origin, result, rows))
            if any(r.added or r.changed or r.removed for r in reports):
                self.store.bump_generation()
        return IngestReport(sources=tuple(reports + failed), embedded=len(embedded))

    def _question_index(self, planned: list[tuple[str, ReadResult, list[PairRow]]]) -> QuestionIndex:
        """The questions already in the knowledge base and in the sources read so far, for dedupe."""
        index = QuestionIndex(self.store.db.execute(
            "SELECT p.id, p.question, p.alternates, p.answer, s.origin FROM pairs p JOIN sources s ON s.id = p.source_id"
        ))
        for origin, _, rows in planned:
            for row in rows:
                index.add(row.pair.id, origin, [row.pair.question, *row.pair.alternates], row.pair.answer)
        return index

    def _rows(self, origin: str, result: ReadResult, claimed: dict[str, str]) -> list[PairRow]:
        """Pairs of a source ready to store; ids must be unique in the knowledge base."""
        rows: list[PairRow] = []
        seen: dict[str, int | None] = {}
        name = Path(origin).name
        for position, raw in enumerate(result.pairs):
            pair_id = raw.id or stable_id(name, raw.question)
            if pair_id in seen:
                if raw.id is None:
                    pair_id = stable_id(name, f"{raw.question}\x00{position}")
                else:
                    raise IngestError(origin, f"id {pair_id!r} repeats line {seen[pair_id]}", line=raw.line, field="id")
            seen[pair_id] = raw.line
            pair = Pair(
                id=pair_id,
                question=raw.question,
                answer=raw.answer,
                source=raw.source or origin,
                origin=origin,
                position=position,
                alternates=tuple(raw.alternates),
                metadata=dict(raw.metadata),
            )
            rows.append(make_row(pair))
        ids = [r.pair.id for r in rows]
        owners = self.store.owners(ids)
        for row in rows:
            owner = owners.get(row.pair.id) or claimed.get(row.pair.id)
            if owner is not None and owner != origin:
                raise IngestError(origin, f"id {row.pair.id!r} already belongs to {owner}", field="id")
        claimed.update({i: origin for i in ids})
        return rows

    def embed_missing(self, rows: list[PairRow], progress: Progress | None) -> dict[str, np.ndarray]:
        texts = {h: t for row in rows for _, _, t, h in row.texts}
        cached = self.store.cached_vectors(self.embedder.name, list(texts))
        # Shortest first: each model call then gets texts of one length (little padding), while the
        # progress still moves every 256 texts.
        todo = sorted(((h, t) for h, t in texts.items() if h not in cached), key=lambda item: len(item[1]))
        out: dict[str, np.ndarray] = {}
        step = 256
        for start in range(0, len(todo), step):
            batch = todo[start : start + step]
            vectors = self.embedder.embed([t for _, t in batch])
            out.update({h: v for (h, _), v in zip(batch, vectors)})
            if progress:
                progress("embedding", min(start + step, len(todo)), len(todo))
        return out

    def _apply(self, origin: str, result: ReadResult, rows: list[PairRow]) -> SourceReport:
        before = self.store.source_hashes(origin)
        source_id = self.store.upsert_source(origin, result.format, result.title)
        incoming = {r.pair.id: r for r in rows}
        added = [i for i in incoming if i not in before]
        changed = [i for i in incoming if i in before and before[i] != incoming[i].content_hash]
        removed = [i for i in before if i not in incoming]
        self.store.delete_pairs(removed)
        self.store.write_pairs(source_id, [incoming[i] for i in added + changed])
        self.store.set_positions({r.pair.id: r.pair.position for r in rows})
        return SourceReport(
            origin=origin,
            format=result.format,
            kept=len(rows),
            added=tuple(added),
            changed=tuple(changed),
            removed=tuple(removed),
            unchanged=len(rows) - len(added) - len(changed),
            dropped=tuple(result.dropped),
        )

