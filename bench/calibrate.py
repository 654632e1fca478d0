"""Tunes the fusion weights and fits the confidence calibration on StackFAQ and MEDIQA (0.1.0's method).

Superseded for shipping by ``bench/loso.py``, which fits on six sets and reports every figure
leave-one-set-out; kept to reproduce the 0.1.0 figures below.

    python bench/calibrate.py            # grid over fusion weights, logistic fit, threshold, ECE

1. **Fusion weights** (``retrieve/fusion.py`` ``Weights``): a grid over the convex weights of the four
   signals, scored by MRR@10 on StackFAQ's development threads (T001-T075) plus MEDIQA's re-ranking
   MRR@10 (questions without a correct candidate left out), so that neither domain alone decides.
2. **Calibration** (``answer/confidence.py`` ``Calibration``): logistic regression (scikit-learn) of "the
   first hit is relevant" on the first hit's signals. Training rows, development data only:
   StackFAQ dev queries against the whole KB (mostly positives) and against a KB holding only the test
   threads (their answer is not there: negatives); MEDIQA questions against their own candidates
   (grade >= 2 is right) and against the candidates of an unrelated question (negatives).
   Held out: StackFAQ test queries (whole KB / KB without their threads) and the starter questions
   (answerable and not); ECE and the precision/coverage curve are printed for each.
3. **Threshold** (``settings.threshold``): the lowest confidence at which precision of answered MEDIQA
   questions is at least 0.85.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import (  # noqa: E402
    DEV_THREADS,
    OUT,
    SIGNALS,
    TEST_THREADS,
    QuerySet,
    Signals,
    mediqa,
    signals,
    stackfaq,
    starter,
    thread,
)

from oftenasked.answer.confidence import Calibration, features  # noqa: E402
from oftenasked.evaluate import calibration_table, expected_calibration_error  # noqa: E402
from oftenasked.retrieve.fusion import Weights, convex  # noqa: E402


# -- data ---------------------------------------------------------------------------------
@dataclass
class Case:
    """Signals of some queries against some allowed pairs, with the relevance of every pair."""

    name: str
    values: dict[str, np.ndarray]
    allowed: np.ndarray
    relevant: np.ndarray
    questions: list[str]


def relevance(qs: QuerySet, sig: Signals) -> np.ndarray:
    position = {pid: i for i, pid in enumerate(sig.ids)}
    out = np.zeros(sig.allowed.shape, dtype=bool)
    for row, qid in enumerate(sig.qids):
        for doc, grade in qs.qrels.get(qid, {}).items():
            if grade >= qs.min_grade and doc in position:
                out[row, position[doc]] = True
    return out


def restrict(name: str, sig: Signals, rel: np.ndarray, rows: np.ndarray, allowed: np.ndarray) -> Case:
    """Queries ``rows`` against only the ``allowed`` pairs, as if the KB held only those.

    Lexical signals are rescaled by their maximum over the allowed pairs, as ``SearchIndex`` scales
    them over the pairs it holds (document frequencies still come from the whole KB).
    """
    values = {}
    for s in SIGNALS:
        v = sig.values[s][rows].astype(np.float64)
        if s.startswith("lexical"):
            top = np.where(allowed, v, 0).max(axis=1, keepdims=True)
            v = np.divide(v, top, out=np.zeros_like(v), where=top > 0)
        values[s] = v
    return Case(name, values, allowed, rel[rows] & allowed, sig.questions)


def cases() -> dict[str, Case]:
    out: dict[str, Case] = {}
    sf = stackfaq()
    sig = signals(sf)
    rel = relevance(sf, sig)
    topics = np.array([thread(i) for i in sig.ids])
    dev = np.array([thread(q) in DEV_THREADS for q in sig.qids])
    test = np.array([thread(q) in TEST_THREADS for q in sig.qids])
    in_dev = np.isin(topics, sorted(DEV_THREADS))
    everything = np.ones((int(dev.sum()), len(sig.ids)), dtype=bool)
    out["stackfaq dev"] = restrict("stackfaq dev", sig, rel, np.flatnonzero(dev), everything)
    out["stackfaq dev, not in KB"] = restrict(
        "stackfaq dev, not in KB", sig, rel, np.flatnonzero(dev), np.repeat(~in_dev[None, :], dev.sum(), 0)
    )
    everything = np.ones((int(test.sum()), len(sig.ids)), dtype=bool)
    out["stackfaq test"] = restrict("stackfaq test", sig, rel, np.flatnonzero(test), everything)
    out["stackfaq test, not in KB"] = restrict(
        "stackfaq test, not in KB", sig, rel, np.flatnonzero(test), np.repeat(in_dev[None, :], test.sum(), 0)
    )
    mq = mediqa()
    sig = signals(mq)
    rel = relevance(mq, sig)
    rows = np.arange(len(sig.qids))
    out["mediqa"] = Case("mediqa", {s: v.astype(np.float64) for s, v in sig.values.items()}, sig.allowed, rel, sig.questions)
    # Each question against the candidates of a question about another condition: nothing there answers it.
    shifted = np.roll(sig.allowed, 52, axis=0)
    out["mediqa, not in KB"] = Case(
        "mediqa, not in KB", {s: v.astype(np.float64) for s, v in sig.values.items()}, shifted, rel & shifted, sig.questions
    )
    try:
        st = starter()
    except Exception as exc:  # the bundled vectors may not be built yet
        print(f"(starter set skipped: {exc})")
        return out
    sig = signals(st)
    rel = relevance(st, sig)
    answerable = np.array([q in st.qrels for q in sig.qids])
    everything = np.ones((len(sig.qids), len(sig.ids)), dtype=bool)
    out["starter"] = restrict("starter", sig, rel, np.flatnonzero(answerable), everything[answerable])
    out["starter, not in KB"] = restrict("starter, not in KB", sig, rel, np.flatnonzero(~answerable), everything[~answerable])
    del rows
    return out


def cached_cases(reuse: bool) -> dict[str, Case]:
    import pickle

    path = OUT / "calibration-cases.pkl"
    if reuse and path.exists():
        with open(path, "rb") as handle:
            return pickle.load(handle)  # type: ignore[no-any-return]
    out = cases()
    with open(path, "wb") as handle:
        pickle.dump(out, handle)
    return out


# -- ranking ------------------------------------------------------------------------------
def fused(case: Case, weights: Weights) -> np.ndarray:
    return np.where(case.allowed, convex(case.values, weights), -np.inf)


def mrr(case: Case, weights: Weights, k: int = 10) -> float:
    scores = fused(case, weights)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hit = np.take_along_axis(case.relevant, order, axis=1)
    first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, np.inf)
    answerable = case.relevant.any(axis=1)
    return float(np.mean(1.0 / first[answerable]))


def grid(cases_: dict[str, Case]) -> Weights:
    """Convex weights by the sum of MRR@10 on the two development sets: StackFAQ dev and MEDIQA.

    One set alone pulls apart: StackFAQ's paraphrases want the question signal, MEDIQA's passages
    (whose "question" is a page title) want the answer signal.
    """
    results = []
    for a in np.arange(0.0, 1.0001, 0.05):
        for c in (0.0, 0.03, 0.05, 0.08, 0.1):
            for d in (0.0, 0.03, 0.05, 0.08, 0.1):
                b = 1.0 - a - c - d
                if b < -1e-9:
                    continue
                w = Weights(round(float(a), 2), round(float(b), 2), c, d)
                results.append((mrr(cases_["stackfaq dev"], w), mrr(cases_["mediqa"], w), w))
    results.sort(key=lambda r: r[0] + r[1], reverse=True)
    print("best fusion weights (MRR@10 StackFAQ dev, MEDIQA):")
    for dev, med, w in results[:8]:
        print(f"  {dev:.4f} {med:.4f}  {w}")
    shipped = Weights()
    print(f"  shipped: {mrr(cases_['stackfaq dev'], shipped):.4f} {mrr(cases_['mediqa'], shipped):.4f}  {shipped}")
    return results[0][2]


# -- calibration --------------------------------------------------------------------------
def top_rows(case: Case, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    """Features of each query's first hit (as ``confidence.features`` computes them), and its label."""
    scores = fused(case, weights)
    xs, ys = [], []
    for row in range(len(scores)):
        order = np.argsort(-scores[row], kind="stable")[:10]
        order = order[np.isfinite(scores[row, order])]
        signals_ = {s: case.values[s][row, order] for s in SIGNALS}
        x = features(signals_, scores[row, order], [case.questions[i] for i in order])
        xs.append(x[0])
        ys.append(bool(case.relevant[row, order[0]]))
    return np.asarray(xs), np.asarray(ys)


def fit(cases_: dict[str, Case], weights: Weights, names: list[str]) -> Calibration:
    from sklearn.linear_model import LogisticRegression

    train = ["stackfaq dev", "stackfaq dev, not in KB", "mediqa", "mediqa, not in KB"]
    X, y, w = [], [], []
    for name in train:
        x, labels = top_rows(cases_[name], weights)
        X.append(x)
        y.append(labels)
        # Each source counts equally, whatever its number of queries.
        w.append(np.full(len(labels), 1.0 / len(labels)))
    X_, y_, w_ = np.vstack(X), np.concatenate(y), np.concatenate(w)
    columns = [Calibration.FEATURES.index(n) for n in names]
    model = LogisticRegression(C=10.0, max_iter=5000)
    model.fit(X_[:, columns], y_, sample_weight=w_ * len(y_) / w_.sum())
    coef = dict.fromkeys(Calibration.FEATURES, 0.0) | {n: float(c) for n, c in zip(names, model.coef_[0])}
    return Calibration(intercept=float(model.intercept_[0]), **coef)


def report(cases_: dict[str, Case], weights: Weights, calibration: Calibration) -> None:
    groups = {
        "stackfaq dev (train)": ["stackfaq dev", "stackfaq dev, not in KB"],
        "mediqa (train)": ["mediqa", "mediqa, not in KB"],
        "mediqa answerable only": ["mediqa"],
        "stackfaq test (held out)": ["stackfaq test", "stackfaq test, not in KB"],
        "starter (held out)": ["starter", "starter, not in KB"],
    }
    for title, names in groups.items():
        if not all(n in cases_ for n in names):
            continue
        pairs = []
        for name in names:
            x, labels = top_rows(cases_[name], weights)
            p = calibration.from_features(x)
            pairs += list(zip(p.tolist(), labels.tolist()))
        table = calibration_table(pairs, thresholds=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        curve = "  ".join(f"{r['threshold']:.1f}:{r['precision']:.2f}/{r['coverage']:.2f}" for r in table)
        print(f"  {title:28s} n={len(pairs):4d} ECE={expected_calibration_error(pairs):.3f}  precision/coverage {curve}")


def threshold(cases_: dict[str, Case], weights: Weights, calibration: Calibration, target: float = 0.85) -> float:
    x, labels = top_rows(cases_["mediqa"], weights)
    p = calibration.from_features(x)
    for t in np.arange(0.05, 1.0, 0.05):
        answered = p >= t
        if answered.any() and labels[answered].mean() >= target:
            return round(float(t), 2)
    return 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--features", default=",".join(Calibration.FEATURES))
    parser.add_argument("--no-grid", action="store_true", help="keep the shipped fusion weights")
    parser.add_argument("--reuse", action="store_true", help="reuse the signals of the last run (experiments)")
    args = parser.parse_args()
    all_cases = cached_cases(args.reuse)
    weights = Weights() if args.no_grid else grid(all_cases)
    print(f"\nweights: {weights}")
    print("\nshipped calibration:")
    report(all_cases, weights, Calibration())
    calibration = fit(all_cases, weights, args.features.split(","))
    print(f"\nfitted: {calibration}")
    report(all_cases, weights, calibration)
    print(f"\nthreshold (precision >= 0.85 on MEDIQA): {threshold(all_cases, weights, calibration)}")
    print("\nfor Calibration defaults:")
    for f in fields(Calibration):
        print(f"    {f.name}: float = {getattr(calibration, f.name):.3f}")


if __name__ == "__main__":
    main()
