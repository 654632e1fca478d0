"""The low-dimensional first pass: it keeps inner products, and search through it agrees with exact search."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from oftenasked import KnowledgeBase
from oftenasked.retrieve import index as index_module
from oftenasked.retrieve.coarse import CoarseIndex, basis_for
from oftenasked.retrieve.embed import HashEmbedder, normalize_rows
from oftenasked.retrieve.fusion import Weights
from oftenasked.retrieve.index import SearchIndex
from oftenasked.store import Store

from .conftest import DATA, medquad_slice


def test_vectors_inside_the_kept_directions_score_as_in_full() -> None:
    rng = np.random.default_rng(0)
    # 5,000 unit vectors that span only 40 of 384 dimensions: 96 kept directions hold all of them.
    low = rng.standard_normal((5000, 40)).astype(np.float32)
    vectors = normalize_rows(low @ rng.standard_normal((40, 384)).astype(np.float32))
    basis = basis_for(vectors)
    assert basis.shape == (384, 96)
    assert np.allclose(basis.T @ basis, np.eye(96), atol=1e-4)  # orthonormal directions
    coarse = CoarseIndex(vectors, basis)
    query = vectors[17]
    ids, scores = coarse.search(query, 10)
    exact = vectors @ query
    assert ids[0] == 17 and np.allclose(scores, exact[ids], atol=1e-4)
    assert list(ids) == list(np.argsort(-exact)[:10])


def test_search_through_the_first_pass_agrees_with_exact_search(tmp_path: Path, monkeypatch) -> None:
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(dim=384)) as kb:
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl", medquad_slice(tmp_path)])
        # Few candidates for this small knowledge base and none from BM25, so the first pass really
        # chooses (the test embedder is bag-of-words: BM25 alone would find its leaders).
        monkeypatch.setattr(index_module, "ANN_CANDIDATES", 64)
        monkeypatch.setattr(index_module, "LEXICAL_CANDIDATES", 1)
        weights = Weights(question=0.5, answer=0.5, lexical_question=0.0, lexical_answer=0.0)
        exact = SearchIndex(kb.store, kb.embedder, coarse=False, use_cache=False)
        coarse = SearchIndex(kb.store, kb.embedder, coarse=True, use_cache=False)
        assert coarse.coarse is not None and exact.coarse is None
        lines = (DATA / "stackfaq" / "queries.jsonl").read_text().splitlines()[::10][:100]
        same_best = overlap = 0
        for line in lines:
            text = json.loads(line)["text"]
            vector = kb.embedder.embed([text])[0]
            a = exact.search(text, vector, 10, weights)
            b = coarse.search(text, vector, 10, weights)
            same_best += a.order[0] == b.order[0]
            overlap += len(set(a.order) & set(b.order))
            # Pairs found both ways carry the same semantic signals: scored exactly, not approximately.
            for at, pair in enumerate(b.order):
                if pair in set(a.order):
                    where = list(a.order).index(pair)
                    assert np.isclose(b.signals["question"][at], a.signals["question"][where], atol=1e-5)
                    assert np.isclose(b.signals["answer"][at], a.signals["answer"][where], atol=1e-5)
        assert same_best >= 0.97 * len(lines)
        assert overlap >= 0.95 * 10 * len(lines)


def test_filtered_search_stays_exact(tmp_path: Path) -> None:
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(dim=384)) as kb:
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
        coarse = SearchIndex(kb.store, kb.embedder, coarse=True, use_cache=False)
        exact = SearchIndex(kb.store, kb.embedder, coarse=False, use_cache=False)
        mask = np.zeros(coarse.size, dtype=bool)
        mask[::3] = True
        vector = kb.embedder.embed(["how do I reset my password"])[0]
        a = exact.search("how do I reset my password", vector, 10, Weights(), mask)
        b = coarse.search("how do I reset my password", vector, 10, Weights(), mask)
        assert list(a.order) == list(b.order) and mask[b.order].all()


def test_a_mask_leaving_out_few_pairs_keeps_the_first_pass_and_its_answers(tmp_path: Path) -> None:
    # Live segments mask the old version of each edited pair: such a search must not fall back to
    # scoring every pair exactly, and must find what exact search finds.
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(dim=384)) as kb:
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
        coarse = SearchIndex(kb.store, kb.embedder, coarse=True, use_cache=False)
        exact = SearchIndex(kb.store, kb.embedder, coarse=False, use_cache=False)
        vector = kb.embedder.embed(["how do I reset my password"])[0]
        first = exact.search("how do I reset my password", vector, 10, Weights())
        mask = np.ones(coarse.size, dtype=bool)
        mask[first.order[:2]] = False  # the two best pairs "edited away"
        pool = coarse.candidates("how do I reset my password", vector, mask)
        assert len(pool) < mask.sum() and mask[pool].all()  # first-pass candidates, not every pair
        a = exact.search("how do I reset my password", vector, 10, Weights(), mask)
        b = coarse.search("how do I reset my password", vector, 10, Weights(), mask)
        assert list(a.order) == list(b.order) and not set(first.order[:2]) & set(b.order)
