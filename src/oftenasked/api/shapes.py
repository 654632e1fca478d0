"""The HTTP API's JSON: each result's one serialised form (its ``to_dict``), adapted to QnA Maker's
generateAnswer shape for /ask. Thin on purpose: the fields and their rounding come from ``to_dict``,
so ``--json``, the Python API and HTTP cannot drift apart (tests/test_shapes.py)."""

from __future__ import annotations

from typing import Any

from ..answer.page import markdown_to_html
from ..models import Answer, Hit, Pair, Related
from .public import public_pair, public_source


def answer_item(hit: Hit) -> dict[str, Any]:
    """A hit as a generateAnswer answer: all its phrasings as ``questions``, metadata as name/value pairs."""
    data = hit.to_dict()
    return {
        "questions": [data["question"], *data["alternates"]],
        "answer": data["answer"],
        "answer_html": markdown_to_html(data["answer"]),
        "score": data["score"],
        "id": data["id"],
        "source": public_source(data["source"]),
        "metadata": [{"name": k, "value": v} for k, v in data["metadata"].items()],
        "matched_question": data["matched_question"],
    }


def suggestion(hit: Hit) -> dict[str, Any]:
    """A "did you mean" entry: the question only, to offer it."""
    data = hit.to_dict()
    return {"id": data["id"], "question": data["question"], "score": data["score"]}


def related_item(item: Related) -> dict[str, Any]:
    data = item.to_dict()
    return data | {"source": public_source(data["source"]), "answer_html": markdown_to_html(data["answer"])}


def ask_response(answer: Answer, related: tuple[Related, ...]) -> dict[str, Any]:
    data = answer.to_dict()
    return {
        "question": data["question"],
        "answered": data["answered"],
        "threshold": data["threshold"],
        "answers": [answer_item(h) for h in answer.hits],
        "did_you_mean": [suggestion(h) for h in answer.did_you_mean],
        "related": [related_item(r) for r in related],
    }


def pair_out(pair: Pair) -> dict[str, Any]:
    return public_pair(pair).to_dict()
