"""Evaluation: ranking quality against relevance judgements, and confidence calibration.

Ranking metrics come from ir-measures (trec_eval's reference implementations). Calibration is
reported as precision and coverage at each threshold: of the questions the engine would answer
at that threshold, the share whose answer is relevant, and the share it answers at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import IngestError

if TYPE_CHECKING:
    from .kb import KnowledgeBase

THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(10))


def read_queries(path: str | Path) -> list[tuple[str, str]]:
    """``(id, text)`` pairs from a JSON Lines file of ``{"id", "text"}`` objects."""
    out = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                out.append((str(record["id"]), str(record["text"])))
            except json.JSONDecodeError as exc:
                raise IngestError(str(path), f"not valid JSON ({exc.msg})", line=number) from None
            except KeyError as exc:
                raise IngestError(str(path), "missing", line=number, field=str(exc.args[0])) from None
    return out


QRELS_COLUMNS = (("query_id", "qid"), ("doc_id", "pair_id", "docid", "id"), ("grade", "relevance", "rel", "label"))
"""The names a judgements file's header may give its three columns (datasets name the middle one either way)."""
_QRELS_FORMATS = "a TSV with a header query_id<TAB>doc_id (or pair_id)<TAB>grade, or TREC qrels (query_id 0 doc_id grade)"


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Judgements ``{query_id: {pair_id: grade}}`` from a TSV with a header (see :data:`QRELS_COLUMNS`)
    or from TREC qrels (``query_id iteration doc_id grade``, whitespace-separated, no header)."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [(number, line.rstrip("\r\n")) for number, line in enumerate(handle, start=1) if line.strip()]
    if not lines:
        return qrels
    first = lines[0][1].split()
    trec = len(first) == 4 and first[3].lstrip("-").isdigit()
    if not trec:
        header = [name.strip().lower() for name in lines[0][1].split("\t")]
        if len(header) < 3 or any(name not in names for name, names in zip(header, QRELS_COLUMNS)):
            raise IngestError(str(path), f"not judgements: expected {_QRELS_FORMATS}", line=1)
        lines = lines[1:]
    for number, line in lines:
        row = line.split() if trec else line.split("\t")
        try:
            query, pair, grade = (row[0], row[2], row[3]) if trec else (row[0], row[1], row[2])
            qrels.setdefault(query, {})[pair] = int(grade)
        except (IndexError, ValueError):
            expected = "query_id 0 doc_id grade" if trec else "query_id<TAB>doc_id<TAB>grade"
            raise IngestError(str(path), f"expected {expected}", line=number) from None
    return qrels


@dataclass(frozen=True)
class Evaluation:
    """Ranking metrics over the questions with a relevant pair; the confidence over all of them.

    ``metrics`` holds MRR@10, nDCG@10, P@1 and Recall@10 (answerable questions) and ECE (the first
    answer's confidence against whether it is right, every question: for one without a relevant pair
    no answer is right). ``refused``: the share of the questions without a relevant pair that got "no
    good answer" at ``threshold``.
    """

    metrics: dict[str, float]
    calibration: list[dict[str, float]]
    queries: int
    answerable: int = 0
    unanswerable: int = 0
    refused: float = 1.0
    threshold: float = 0.5

    def to_dict(self) -> dict[str, object]:
        return {
            "queries": self.queries,
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "metrics": self.metrics,
            "no_good_answer_when_unanswerable": self.refused,
            "threshold": self.threshold,
            "calibration": self.calibration,
        }


def evaluate_kb(
    kb: KnowledgeBase, queries: Iterable[tuple[str, str]], qrels: Mapping[str, Mapping[str, int]], min_grade: int = 1
) -> Evaluation:
    """Ask every query; score the rankings of those with a relevant pair and the confidence of all.

    A query with no judgement of at least ``min_grade`` is one the knowledge base cannot answer:
    the honest reply is "no good answer", and its first answer counts as wrong for the calibration.
    """
    threshold = kb.settings.threshold
    held = {p.id for p in kb.pairs()}  # a judged pair that is not in the knowledge base answers nothing
    run: dict[str, list[str]] = {}
    top: list[tuple[float, bool]] = []
    refused: list[bool] = []
    answerable = 0
    for qid, text in queries:
        relevant = {d for d, g in qrels.get(qid, {}).items() if g >= min_grade and d in held}
        hits = kb.search(text, k=10)
        score = hits[0].score if hits else 0.0
        top.append((score, bool(hits) and hits[0].pair.id in relevant))
        if relevant:
            answerable += 1
            run[qid] = [h.pair.id for h in hits]
        else:
            refused.append(score < threshold)
    judged = {q: qrels[q] for q in run}
    metrics = ranking_metrics(judged, run, min_grade) if run else {}
    return Evaluation(
        metrics=metrics | {"ECE": expected_calibration_error(top)},
        calibration=calibration_table(top),
        queries=len(top),
        answerable=answerable,
        unanswerable=len(refused),
        refused=sum(refused) / len(refused) if refused else 1.0,
        threshold=threshold,
    )


def ranking_metrics(qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, list[str]], min_grade: int = 1) -> dict[str, float]:
    """MRR@10, nDCG@10, P@1 and Recall@10 of ranked lists (best first) against judgements."""
    import ir_measures
    from ir_measures import RR, P, R, nDCG

    measures = [RR(rel=min_grade) @ 10, nDCG @ 10, P(rel=min_grade) @ 1, R(rel=min_grade) @ 10]
    # Scores that follow our order exactly: trec_eval re-sorts by score and breaks ties by id.
    scored = {q: {doc: float(len(docs) - i) for i, doc in enumerate(docs)} for q, docs in run.items()}
    judged = {q: dict(d) for q, d in qrels.items() if q in run}
    values = ir_measures.calc_aggregate(measures, judged, scored)
    names = {str(measures[0]): "MRR@10", str(measures[1]): "nDCG@10", str(measures[2]): "P@1", str(measures[3]): "Recall@10"}
    return {names[str(m)]: float(v) for m, v in values.items()}


def calibration_table(
    top: Iterable[tuple[float, bool]], thresholds: Iterable[float] = THRESHOLDS
) -> list[dict[str, float]]:
    """Precision and coverage of the first answer at each confidence threshold."""
    pairs = list(top)
    rows = []
    for threshold in thresholds:
        answered = [right for score, right in pairs if score >= threshold]
        rows.append(
            {
                "threshold": threshold,
                "coverage": len(answered) / len(pairs) if pairs else 0.0,
                "precision": sum(answered) / len(answered) if answered else 1.0,
                "answered": float(len(answered)),
            }
        )
    return rows


def expected_calibration_error(top: Iterable[tuple[float, bool]], bins: int = 10) -> float:
    """Mean gap between confidence and accuracy, weighted by how many answers fall in each bin."""
    pairs = list(top)
    if not pairs:
        return 0.0
    total = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(s, r) for s, r in pairs if low <= s < high or (b == bins - 1 and s == 1.0)]
        if inside:
            confidence = sum(s for s, _ in inside) / len(inside)
            accuracy = sum(r for _, r in inside) / len(inside)
            total += len(inside) / len(pairs) * abs(confidence - accuracy)
    return total
