"""Results of the KnowledgeBase in the API's JSON shapes (QnA Maker's generateAnswer for /ask)."""

from __future__ import annotations

from typing import Any

from ..answer.page import markdown_to_html
from ..models import Answer, Hit, Pair, Related
from .public import public_pair, public_source


def answer_item(hit: Hit) -> dict[str, Any]:
    pair = hit.pair
    return {
        "questions": [pair.question, *pair.alternates],
        "answer": pair.answer,
        "answer_html": markdown_to_html(pair.answer),
        "score": round(hit.score, 4),
        "id": pair.id,
        "source": public_source(pair.source),
        "metadata": [{"name": k, "value": v} for k, v in pair.metadata.items()],
        "matched_question": hit.matched_question,
    }


def related_item(item: Related) -> dict[str, Any]:
    pair = item.pair
    return {
        "id": pair.id,
        "question": pair.question,
        "answer": pair.answer,
        "answer_html": markdown_to_html(pair.answer),
        "score": round(item.score, 4),
        "source": public_source(pair.source),
    }


def ask_response(answer: Answer, related: tuple[Related, ...]) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "threshold": answer.threshold,
        "answers": [answer_item(h) for h in answer.hits],
        "did_you_mean": [
            {"id": h.pair.id, "question": h.pair.question, "score": round(h.score, 4)} for h in answer.did_you_mean
        ],
        "related": [related_item(r) for r in related],
    }


def pair_out(pair: Pair) -> dict[str, Any]:
    return public_pair(pair).to_dict()
