"""Embed the starter knowledge base's texts once, so users never wait for it.

    python scripts/build_starter_vectors.py

Writes src/oftenasked/data/starter/vectors.npz: text hashes, int8 codes and one scale per vector.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from oftenasked.ingest import read_source
from oftenasked.kb import make_row
from oftenasked.models import Pair
from oftenasked.retrieve.embed import MiniLM
from oftenasked.starter import SOURCES, _data

OUT = Path(__file__).resolve().parent.parent / "src" / "oftenasked" / "data" / "starter" / "vectors.npz"


def main() -> None:
    texts: dict[str, str] = {}
    for name in SOURCES:
        origin = f"starter:{name}"
        result = read_source(_data(name), origin)
        for raw in result.pairs:
            pair = Pair(id="x", question=raw.question, answer=raw.answer, source="", alternates=tuple(raw.alternates))
            for _, _, text, text_hash in make_row(pair).texts:
                texts[text_hash] = text
    model = MiniLM()
    hashes = sorted(texts)
    start = time.perf_counter()
    vectors = np.zeros((len(hashes), model.dim), dtype=np.float32)
    step = 512
    for at in range(0, len(hashes), step):
        vectors[at : at + step] = model.embed([texts[h] for h in hashes[at : at + step]])
        done = min(at + step, len(hashes))
        rate = done / (time.perf_counter() - start)
        print(f"\r{done}/{len(hashes)} texts, {rate:.0f}/s", end="", file=sys.stderr, flush=True)
    scales = np.abs(vectors).max(axis=1).astype(np.float32)
    codes = np.round(vectors / scales[:, None] * 127).astype(np.int8)
    np.savez_compressed(OUT, hashes=np.asarray(hashes), codes=codes, scales=scales)
    print(f"\nwrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB, {len(hashes)} vectors)", file=sys.stderr)


if __name__ == "__main__":
    main()
