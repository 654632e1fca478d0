"""Sentence embeddings: the Embedder protocol, the real model, and a deterministic test double.

The real model is all-MiniLM-L6-v2 run by onnxruntime from the fused, int8-quantised ONNX file
bundled here (built by scripts/build_model.py), tokenised with the model's own WordPiece tokenizer.
No PyTorch, nothing downloaded: a query embeds in about 1 ms on two cores, against about 8 ms for
sentence-transformers on CPU PyTorch (see bench/RESULTS.md).
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import InputError, MissingExtraError, OftenaskedError

_MODEL_SHA256 = {
    "model.onnx": "6893db0e8828dffce0ec9234a39ad02b6de2098d8de6b496908bf384b24d2e16",
    "model-reduce-range.onnx": "37d60f34f4319c445c50d0eeb54021346d46a6e22291c1e2de5f31d2ce72e7e8",
}
"""The bundled builds (scripts/build_model.py, reproducible); which one runs: retrieve/cpu.py."""
_FILES = Path(__file__).parent / "minilm"
BATCH_TOKENS = 800
"""Word pieces per model call. Measured on 2 cores: answer passages (about 100 pieces) ran fastest
8 to a batch (253/s against 210/s at 32), questions (about 16) 16 to 32 to a batch (1,560/s)."""
MIN_BATCH, MAX_BATCH = 4, 32


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` dimensions."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class MiniLM:
    """all-MiniLM-L6-v2 (fused int8 ONNX) with mean pooling, as sentence-transformers computes it.

    Weights are int8 per output channel and activations are quantised on the fly, so matrix products
    run on the CPU's int8 units; cosine to the PyTorch model is about 0.99 (tests/test_model.py).
    The build is chosen for the CPU (``retrieve/cpu.py``); both builds keep one ``name``, as their
    vectors are the same model's within the tested tolerance (so stored vectors stay valid).
    """

    name = "all-MiniLM-L6-v2-qint8"
    dim = 384

    def __init__(self, max_length: int = 256, threads: int | None = None, model_file: str | None = None) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - core dependencies
            raise MissingExtraError(f"the embedding model ({exc.name})", "") from None
        from .cpu import model_file as file_for_this_cpu

        self.model_file = model_file or file_for_this_cpu()
        model_path = _FILES / self.model_file
        if not model_path.exists():
            raise OftenaskedError(f"embedding model file missing: {model_path} (scripts/build_model.py builds it)")
        self.max_length = max_length
        self.tokenizer = Tokenizer.from_file(str(_FILES / "tokenizer.json"))
        # The bundled tokenizer pads and truncates to 128; we pad per batch and truncate at the model's 256.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str], batch_tokens: int = BATCH_TOKENS) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = [len(e.ids) for e in encodings]
        # Sorted by length, batches hold texts of one length: almost no padding, so no wasted work.
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        start = 0
        while start < len(order):
            size = max(MIN_BATCH, min(MAX_BATCH, batch_tokens // lengths[order[start]]))
            batch = order[start : start + size]
            start += size
            width = lengths[batch[-1]]
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, : lengths[i]] = encodings[i].ids
                mask[row, : lengths[i]] = 1
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[:, :, None].astype(np.float32)
            out[batch] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalize_rows(out)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)


class HashEmbedder:
    """A deterministic bag-of-words embedder for fast unit tests; implements :class:`Embedder`.

    Words are hashed into ``dim`` buckets, so texts sharing words get similar vectors. It knows
    nothing of meaning: tests that need paraphrase matching use the real model.
    """

    name = "hash-bow"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        return normalize_rows(out)


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


@lru_cache(maxsize=1)
def default_embedder() -> MiniLM:
    """The shared real model (loading it takes a fraction of a second; do it once).

    ``OFTENASKED_MODEL_THREADS`` sets its threads (the server gives each of its processes a share).
    """
    threads = os.environ.get("OFTENASKED_MODEL_THREADS", "")
    return MiniLM(threads=int(threads) if threads.isdigit() and int(threads) > 0 else None)


def model_sha256(name: str = "model.onnx") -> str:
    return _MODEL_SHA256[name]


def embedder_named(name: str) -> Embedder:
    """The embedder a setting names: ``minilm`` (the real model) or ``hash`` (fast, for tests)."""
    if name in ("", "minilm"):
        return default_embedder()
    if name == "hash":
        return HashEmbedder()
    raise InputError(f"unknown embedder {name!r}: choose minilm or hash")
