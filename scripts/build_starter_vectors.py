"""Embed the starter knowledge base's texts once, so users never wait for it.

    python scripts/build_starter_vectors.py

Writes src/oftenasked/data/starter/vectors.npz: the model's name, text hashes, int8 codes and one scale
per vector. Vectors already shipped for the same model are kept; a new model embeds everything again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from oftenasked.ingest import read_source
from oftenasked.models import Pair
from oftenasked.retrieve.embed import MiniLM
from oftenasked.starter import SOURCES, _data
from oftenasked.store.writer import make_row

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
    # Texts already in the shipped file keep their codes: only new texts are embedded.
    previous: dict[str, tuple[np.ndarray, np.float32]] = {}
    if OUT.exists():
        with np.load(OUT) as old:
            if "model" in old and str(old["model"]) == model.name:
                previous = {str(h): (c, s) for h, c, s in zip(old["hashes"], old["codes"], old["scales"])}
    todo = [h for h in hashes if h not in previous]
    fresh: dict[str, np.ndarray] = {}
    start = time.perf_counter()
    step = 512
    for at in range(0, len(todo), step):
        batch = todo[at : at + step]
        fresh.update(zip(batch, model.embed([texts[h] for h in batch])))
        done = min(at + step, len(todo))
        rate = done / (time.perf_counter() - start)
        print(f"\r{done}/{len(todo)} new texts, {rate:.0f}/s", end="", file=sys.stderr, flush=True)
    codes = np.zeros((len(hashes), model.dim), dtype=np.int8)
    scales = np.zeros(len(hashes), dtype=np.float32)
    for i, h in enumerate(hashes):
        if h in previous:
            codes[i], scales[i] = previous[h]
        else:
            vector = fresh[h]
            scales[i] = np.abs(vector).max()
            codes[i] = np.round(vector / scales[i] * 127).astype(np.int8)
    np.savez_compressed(OUT, model=np.asarray(model.name), hashes=np.asarray(hashes), codes=codes, scales=scales)
    print(f"\nwrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB, {len(hashes)} vectors)", file=sys.stderr)


if __name__ == "__main__":
    main()
