"""Evaluation: ranking quality against relevance judgements, and confidence calibration.

Ranking metrics come from ir-measures (trec_eval's reference implementations). Calibration is
reported as precision and coverage at each threshold: of the questions the engine would answer
at that threshold, the share whose answer is relevant, and the share it answers at all.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import IngestError

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


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Judgements from a TSV with a header ``query_id, doc_id, grade``."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if not header or header[:3] != ["query_id", "doc_id", "grade"]:
            raise IngestError(str(path), "the header must be query_id<TAB>doc_id<TAB>grade", line=1)
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            try:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
            except (IndexError, ValueError):
                raise IngestError(str(path), "expected query_id<TAB>doc_id<TAB>grade", line=number) from None
    return qrels


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]
    calibration: list[dict[str, float]]
    queries: int

    def to_dict(self) -> dict[str, object]:
        return {"queries": self.queries, "metrics": self.metrics, "calibration": self.calibration}


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
