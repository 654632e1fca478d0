"""One serialised form per result type: ``to_dict`` is what --json prints and what /ask, /page and
/related are made of; QnA Maker's generateAnswer shape is a thin adapter over it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from oftenasked.api import shapes
from oftenasked.cli import cli

from .conftest_server import make_kb


def test_generate_answer_is_an_adapter_over_to_dict(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    answer = kb.ask("How do I reset my password?", top=3)
    related = kb.related("How do I reset my password?", top=2)
    body = shapes.ask_response(answer, related)
    plain = answer.to_dict()
    assert {k: body[k] for k in ("question", "answered", "threshold")} == {
        k: plain[k] for k in ("question", "answered", "threshold")
    }
    for item, hit in zip(body["answers"], plain["answers"], strict=True):
        assert item["questions"] == [hit["question"], *hit["alternates"]]
        assert {k: item[k] for k in ("id", "answer", "score", "source", "matched_question")} == {
            k: hit[k] for k in ("id", "answer", "score", "source", "matched_question")
        }
        assert {m["name"]: m["value"] for m in item["metadata"]} == hit["metadata"]
        assert item["answer_html"].startswith("<")
    for item, r in zip(body["related"], related, strict=True):
        assert {k: v for k, v in item.items() if k != "answer_html"} == r.to_dict()
    nothing = kb.ask("zzzz qqqq", threshold=1.0)
    assert shapes.ask_response(nothing, ())["did_you_mean"] == [
        {"id": h["id"], "question": h["question"], "score": h["score"]} for h in nothing.to_dict()["did_you_mean"]
    ]
    kb.close()


def test_cli_json_is_to_dict(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    expected = kb.ask("How do I reset my password?", top=2).to_dict()
    page = kb.page("How do I reset my password?", related=2).to_dict()
    kb.close()
    env = {"OFTENASKED_EMBEDDER": "hash", "OFTENASKED_QUERY_LOG": "0", "OFTENASKED_THRESHOLD": "0.3"}
    out = CliRunner().invoke(cli, ["ask", "How do I reset my password?", "--kb", str(tmp_path / "kb.sqlite"),
                                   "--json", "--top", "2"], env=env).output
    assert json.loads(out) == expected
    out = CliRunner().invoke(cli, ["page", "How do I reset my password?", "--kb", str(tmp_path / "kb.sqlite"),
                                   "--format", "json", "--top", "2"], env=env).output
    assert json.loads(out) == page
