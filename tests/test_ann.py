"""The approximate index: recall against exact search, and candidate search keeps exact scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oftenasked import KnowledgeBase
from oftenasked.retrieve.embed import HashEmbedder, normalize_rows
from oftenasked.retrieve.fusion import Weights
from oftenasked.retrieve.index import SearchIndex
from oftenasked.store import Store

from .conftest import DATA, SEED, medquad_slice

pytest.importorskip("faiss")

from oftenasked.retrieve.ann import AnnIndex  # noqa: E402


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors in clusters, as sentence embeddings are (uniform random ones have no neighbours)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n // 50, dim)).astype(np.float32)
    points = centres[rng.integers(0, len(centres), n)] + 0.35 * rng.standard_normal((n, dim)).astype(np.float32)
    return normalize_rows(points)


def test_recall_at_10_against_exact_search(tmp_path: Path) -> None:
    vectors = _clustered(20_000, 64, seed=1).astype(np.float16)
    queries = normalize_rows(vectors[:200].astype(np.float32) + 0.02)
    index = AnnIndex.build(vectors)
    index.save(tmp_path / "ann.faiss")
    loaded = AnnIndex.load(tmp_path / "ann.faiss")
    exact = np.argsort(-(queries @ vectors.astype(np.float32).T), axis=1)[:, :10]
    recall = [
        len(set(loaded.search(q, 10)[0]) & set(e)) / 10 for q, e in zip(queries, exact)
    ]
    assert float(np.mean(recall)) >= 0.9
    assert np.array_equal(loaded.search(queries[0], 10)[0], index.search(queries[0], 10)[0])


def test_candidate_search_scores_exactly_and_finds_the_exact_leaders(tmp_path: Path) -> None:
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED, DATA / "stackfaq" / "corpus.jsonl", medquad_slice(tmp_path)])
        exact = SearchIndex(kb.store, kb.embedder, ann=False)
        approximate = SearchIndex(kb.store, kb.embedder, ann=True)
        assert approximate.approximate and not exact.approximate
        queries = [line for line in (DATA / "stackfaq" / "queries.jsonl").read_text().splitlines()[:100]]
        agree = 0
        for line in queries:
            text = line.split('"text": "')[1].split('"')[0]
            vector = kb.embedder.embed([text])[0]
            a = exact.search(text, vector, 10, Weights())
            b = approximate.search(text, vector, 10, Weights())
            agree += len(set(a.order) & set(b.order))
            # Every pair found carries the exact signals that exact search gives it.
            where = {int(p): i for i, p in enumerate(a.order)}
            for j, pair in enumerate(b.order):
                if int(pair) in where:
                    i = where[int(pair)]
                    for name in a.signals:
                        assert a.signals[name][i] == pytest.approx(b.signals[name][j], abs=1e-6)
        assert agree / (10 * len(queries)) >= 0.95
        # Related questions work on the memory-mapped vectors too.
        kb._index = approximate
        assert kb.related("how do I delete my facebook account")


def test_candidates_respect_a_filter(tmp_path: Path) -> None:
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED, DATA / "stackfaq" / "corpus.jsonl"])
        index = SearchIndex(kb.store, kb.embedder, ann=True)
        mask = np.zeros(index.size, dtype=bool)
        mask[::7] = True
        vector = kb.embedder.embed(["running back pain"])[0]
        found = index.search("running back pain", vector, 10, Weights(), mask)
        assert len(found.order) == 10 and mask[found.order].all()


def test_bm25_for_candidates_equals_bm25_over_every_pair(tmp_path: Path) -> None:
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED, DATA / "stackfaq" / "corpus.jsonl"])
        lexical = SearchIndex(kb.store, kb.embedder).lexical_answers
        docs = np.arange(0, lexical.size, 3)
        for query in ("how do I delete my facebook account account", "back pain running", "zzzz unknown"):
            full = lexical.scores(query)
            ids = lexical.query_ids(query)
            assert np.allclose(lexical.scores_at(ids, docs), full[docs], atol=1e-5)
            assert np.allclose(lexical.scores(query, fast=True), full, atol=1e-5)
            assert np.allclose(lexical.rare_scores(ids, lexical.size), full, atol=1e-5)
            rare = lexical.rare_scores(ids, 5)
            assert np.all(rare <= full + 1e-5)
