"""Answer quality does not regress: a StackFAQ slice through the engine, as ``oftenasked run`` asks it.

The full comparison with the peers is ``python bench/quality.py``; this is its fast guard (about
250 queries against 278 pairs, real model).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oftenasked import KnowledgeBase
from oftenasked.evaluate import expected_calibration_error, ranking_metrics, read_qrels, read_queries
from oftenasked.retrieve.embed import default_embedder
from oftenasked.store import Store

SLICE = Path(__file__).resolve().parents[1] / "bench" / "data" / "stackfaq-slice"

# Measured 2026-12-01 with the shipped weights and calibration (tuning.json v4): MRR@10 0.990, P@1 0.984;
# first hits: 98 % of the right ones at confidence >= 0.5, 77 % of the wrong ones under it, ECE 0.151. (v3:
# 90 %, 96 %; the percentile model of v4 trades some of StackFAQ's refusals for the worst held-out sets':
# bench/RESULTS.md.) The floors sit a little under, so a real regression fails and noise does not.
MRR_FLOOR = 0.97
P1_FLOOR = 0.96


@pytest.fixture(scope="module")
def slice_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[str]], dict[str, dict[str, int]], list]:
    """Rankings of every query, and (confidence, right) of the first hit: each query asked twice,
    once against the whole slice and once with its own thread filtered out (no right answer there)."""
    kb = KnowledgeBase(Store(tmp_path_factory.mktemp("quality") / "kb.sqlite"), embedder=default_embedder())
    kb.ingest_sources([("stackfaq.jsonl", (SLICE / "corpus.jsonl").read_bytes())], all_or_nothing=True)
    qrels = read_qrels(SLICE / "qrels.tsv")
    threads = sorted({p.metadata["topic"] for p in kb.pairs()})
    run: dict[str, list[str]] = {}
    top = []
    for qid, text in read_queries(SLICE / "queries.jsonl"):
        hits = kb.search(text, k=10)
        run[qid] = [h.pair.id for h in hits]
        top.append((hits[0].score, qrels[qid].get(hits[0].pair.id, 0) >= 1))
        others = [t for t in threads if t != qid.split("_")[0]]
        top.append((kb.search(text, k=1, filters={"topic": others})[0].score, False))
    kb.close()
    return run, qrels, top


@pytest.mark.slow
def test_ranking_stays_above_the_floor(slice_run):
    run, qrels, _ = slice_run
    metrics = ranking_metrics(qrels, run)
    assert metrics["MRR@10"] >= MRR_FLOOR, metrics
    assert metrics["P@1"] >= P1_FLOOR, metrics


@pytest.mark.slow
def test_first_hits_are_confident_and_roughly_calibrated(slice_run):
    _, _, top = slice_run
    right = [score for score, ok in top if ok]
    wrong = [score for score, ok in top if not ok]
    assert sum(score >= 0.5 for score in right) / len(right) > 0.9
    assert sum(score < 0.5 for score in wrong) / len(wrong) > 0.72
    # The confidence model is fitted on six development sets, none favoured (bench/loso.py): on
    # StackFAQ held out its ECE was 0.117, so this slice of it is held to that level, not tighter.
    assert expected_calibration_error(top) < 0.16
