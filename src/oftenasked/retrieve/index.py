"""The search index of a knowledge base: what the retrievers need, built from the store.

It is derived state: rebuilt from the SQLite tables whenever the store's generation changes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..store import Store
from .embed import Embedder
from .fusion import Weights, convex, scale_by_max
from .lexical import LexicalIndex
from .semantic import VectorIndex


@dataclass(frozen=True)
class Candidates:
    """Pairs ranked for one query: indexes into the index's pairs, best first, and their signals."""

    order: np.ndarray
    fused: np.ndarray
    signals: dict[str, np.ndarray]
    """Each signal for the pairs in ``order`` (same positions)."""
    matched_text: np.ndarray
    """Index of the question phrasing closest to the query, per pair in ``order``."""


class SearchIndex:
    """Lexical and semantic indexes over one knowledge base, and the fused search."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.generation = store.generation()
        rows = store.search_texts()
        pair_rowids = sorted({r[0] for r in rows})
        position = {rowid: i for i, rowid in enumerate(pair_rowids)}
        self.rowids = np.asarray(pair_rowids, dtype=np.int64)
        n = len(pair_rowids)
        hashes = [r[4] for r in rows]
        cached = store.cached_vectors(embedder.name, hashes)
        missing = [r for r in rows if r[4] not in cached]
        if missing:
            # Vectors of another model (or a cleared cache): embed what is missing once.
            fresh = embedder.embed([r[3] for r in missing])
            cached.update({r[4]: v for r, v in zip(missing, fresh)})
            with store.transaction():
                store.put_vectors(embedder.name, {r[4]: v for r, v in zip(missing, fresh)})

        q_rows = [r for r in rows if r[1] == "q"]
        a_rows = [r for r in rows if r[1] == "a"]
        self.q_texts = [r[3] for r in q_rows]
        self.questions = _vectors(q_rows, cached, position, n, embedder.dim)
        self.answers = _vectors(a_rows, cached, position, n, embedder.dim)
        question_fields: dict[int, list[str]] = defaultdict(list)
        answer_fields: dict[int, list[str]] = defaultdict(list)
        for r in q_rows:
            question_fields[position[r[0]]].append(r[3])
        for r in a_rows:
            answer_fields[position[r[0]]].append(r[3])
        self.lexical_questions = LexicalIndex([" ".join(question_fields[i]) for i in range(n)])
        self.lexical_answers = LexicalIndex([" ".join(answer_fields[i]) for i in range(n)])
        self.main_question_vectors = self.questions.first_vectors()

    @property
    def size(self) -> int:
        return len(self.rowids)

    def search(
        self, query: str, vector: np.ndarray, k: int, weights: Weights, mask: np.ndarray | None = None
    ) -> Candidates:
        """The ``k`` best pairs for a query by fused score, with every signal kept for calibration."""
        question, q_arg = self.questions.pair_scores(vector)
        answer, _ = self.answers.pair_scores(vector)
        signals = {
            "question": np.maximum(question, 0.0),
            "answer": np.maximum(answer, 0.0),
            "lexical_question": scale_by_max(self.lexical_questions.scores(query)),
            "lexical_answer": scale_by_max(self.lexical_answers.scores(query)),
        }
        fused = convex(signals, weights)
        if mask is not None:
            fused = np.where(mask, fused, -np.inf)
        allowed = self.size if mask is None else int(mask.sum())
        k = min(k, allowed)
        if k <= 0:
            empty = np.zeros(0, dtype=np.int64)
            return Candidates(empty, np.zeros(0), {s: np.zeros(0) for s in signals}, empty)
        top = np.argpartition(-fused, k - 1)[:k] if k < self.size else np.arange(self.size)
        order = top[np.argsort(-fused[top], kind="stable")]
        return Candidates(
            order=order,
            fused=fused[order],
            signals={name: values[order] for name, values in signals.items()},
            matched_text=q_arg[order],
        )


def _vectors(
    rows: list[tuple[int, str, int, str, str]],
    cached: dict[str, np.ndarray],
    position: dict[int, int],
    n: int,
    dim: int,
) -> VectorIndex:
    matrix = np.zeros((len(rows), dim), dtype=np.float32)
    for i, r in enumerate(rows):
        matrix[i] = cached[r[4]]
    owners = np.asarray([position[r[0]] for r in rows], dtype=np.int64)
    return VectorIndex(matrix, owners, n)
