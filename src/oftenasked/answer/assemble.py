"""Assembling results from ranked candidates: hits with their confidence, the answer or an honest
"no good answer" with suggestions, and the related questions' relevance. Pure functions over the
index's arrays and the pairs read for the candidates (matched by position in ``found``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from ..models import Answer, Hit, Pair, Related
from ..retrieve.index import Candidates, Searchable
from . import confidence
from .background import Background
from .related import select_related

MAX_QUESTION_CHARS = 1000
DID_YOU_MEAN = 0.4
"""Question similarity under which a stored question is too far off to suggest."""
SUGGESTIONS = 3


def check_question(question: str) -> str:
    """The question, stripped; an :class:`InputError` when it is empty or too long."""
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})")
    return question.strip()


def hits(
    index: Searchable,
    found: Candidates,
    pairs: Sequence[Pair],
    calibration: confidence.Calibration,
    k: int,
    background: Background | None = None,
) -> list[Hit]:
    """The first ``k`` candidates as hits; the confidence of each weighs all of them (rivals).

    ``pairs[i]`` is the pair of ``found.order[i]``, for every candidate; ``background``: the knowledge
    base's own (``SearchIndex.background``), which the confidence model reads hits against."""
    if len(pairs) != len(found.order):
        raise ValueError(f"{len(pairs)} pairs for {len(found.order)} candidates")
    probabilities = calibration.probability(found.signals, found.fused, [p.question for p in pairs], background)
    out = []
    for at, pair in enumerate(pairs[:k]):
        text_at = int(found.matched_text[at])
        phrasings = (pair.question, *pair.alternates)
        ordinal = int(index.q_ordinals[text_at]) if text_at >= 0 else 0
        out.append(
            Hit(
                pair=pair,
                score=float(probabilities[at]),
                matched_question=phrasings[ordinal] if ordinal < len(phrasings) else pair.question,
                signals={name: float(values[at]) for name, values in found.signals.items()}
                | {"fused": float(found.fused[at])},
            )
        )
    return out


def answer(question: str, found: Sequence[Hit], top: int, threshold: float) -> Answer:
    """The hits at or above the threshold; when none is, the nearest questions as suggestions."""
    good = tuple(h for h in found if h.score >= threshold)[:top]
    return Answer(
        question=question.strip(),
        hits=good,
        threshold=threshold,
        did_you_mean=() if good else tuple(h for h in found if h.signals["question"] >= DID_YOU_MEAN)[:SUGGESTIONS],
    )


def related_choice(
    index: Searchable,
    found: Candidates,
    lead_questions: Sequence[str],
    vector: np.ndarray,
    calibration: confidence.Calibration,
    threshold: float,
    top: int,
    background: Background | None = None,
) -> list[tuple[int, float]]:
    """(index position, relatedness) of the related questions to show, best first.

    ``lead_questions``: the questions of the first ``confidence.RIVALS`` candidates, whose
    confidence decides whether the best one is shown as the answer (and so never repeated)."""
    lead = slice(0, confidence.RIVALS)
    probabilities = calibration.probability(
        {name: values[lead] for name, values in found.signals.items()}, found.fused[lead], list(lead_questions), background
    )
    shown = [int(found.order[0])] if probabilities[0] >= threshold else []
    anchor = index.main_question_vectors[shown[0]] if shown else vector
    # Relatedness: to the question asked and to the answer given, in equal parts.
    vectors = index.main_question_vectors
    relevance = 0.5 * (vectors[found.order] @ vector) + 0.5 * (vectors[found.order] @ anchor)
    return select_related(found.order, relevance, vectors, vector, shown, top)


def related(pairs: Sequence[Pair], picked: Sequence[tuple[int, float]]) -> tuple[Related, ...]:
    """The chosen related questions with their pairs, relatedness clipped to [0, 1]."""
    return tuple(Related(pair=p, score=float(max(0.0, min(1.0, r)))) for p, (_, r) in zip(pairs, picked))
