"""The CLI's mechanics on the fast deterministic embedder, chosen by a setting (OFTENASKED_EMBEDDER=hash):
the same commands as tests/test_cli.py, in a fraction of the time, for `pytest -m "not slow"`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from oftenasked.cli import cli

from .conftest import DATA, SEED

ENV = {"OFTENASKED_EMBEDDER": "hash", "OFTENASKED_QUERY_LOG": "0"}


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=ENV)


@pytest.fixture
def kb_file(tmp_path):
    path = tmp_path / "kb.sqlite"
    result = run("ingest", str(SEED), str(DATA / "stackfaq" / "corpus.jsonl"), "--kb", str(path))
    assert result.exit_code == 0, result.output
    assert "12 pairs (12 added" in result.output and "719 pairs (719 added" in result.output
    return path


def test_ask_json_and_text(kb_file) -> None:
    data = json.loads(run("ask", "Should I run if my lower back hurts?", "--kb", str(kb_file), "--json", "--top", "2").output)
    assert data["answers"][0]["question"] == "Should I run if my lower back hurts?" and len(data["answers"]) <= 2
    text = run("ask", "Should I run if my lower back hurts?", "--kb", str(kb_file)).output
    assert text.startswith("Should I run if my lower back hurts?")


def test_top_limits_are_those_of_the_api(kb_file) -> None:
    assert run("ask", "back pain", "--kb", str(kb_file), "--top", "50").exit_code == 0
    refused = run("ask", "back pain", "--kb", str(kb_file), "--top", "51")
    assert refused.exit_code == 2 and "51" in refused.output


def test_related_page_sources_export_remove(kb_file) -> None:
    related = json.loads(run("related", "Why does my lower back hurt when I run?", "--kb", str(kb_file), "--json").output)
    assert len(related) == 5 and all(r["answer"] for r in related)
    page = json.loads(run("page", "Why does my lower back hurt when I run?", "--kb", str(kb_file), "--format", "json").output)
    assert page["question"] == "Why does my lower back hurt when I run?" and page["related"]
    sources = json.loads(run("sources", "--kb", str(kb_file), "--json").output)
    assert [s["pairs"] for s in sources] == [12, 719]
    assert len(run("export", "--kb", str(kb_file)).output.splitlines()) == 731
    assert run("remove", str(SEED), "--kb", str(kb_file)).output.startswith("removed")
    assert len(run("export", "--kb", str(kb_file)).output.splitlines()) == 719


def test_an_unknown_embedder_is_a_clear_error(kb_file) -> None:
    result = CliRunner().invoke(cli, ["ask", "x", "--kb", str(kb_file)], env={"OFTENASKED_EMBEDDER": "bert"})
    assert result.exit_code == 1 and "unknown embedder 'bert'" in result.output


def test_eval_reads_judgements_as_datasets_write_them(kb_file, tmp_path) -> None:
    """``doc_id`` or ``pair_id`` in the header, or TREC qrels: the same judgements, the same scores."""
    queries = tmp_path / "queries.jsonl"
    queries.write_text("\n".join((DATA / "stackfaq" / "queries.jsonl").read_text().splitlines()[:40]))
    rows = [line.split("\t") for line in (DATA / "stackfaq" / "qrels.tsv").read_text().splitlines()[1:]]
    pair_id, trec = tmp_path / "pair_id.tsv", tmp_path / "qrels.trec"
    pair_id.write_text("query_id\tpair_id\tgrade\n" + "\n".join("\t".join(r) for r in rows))
    trec.write_text("\n".join(f"{q} 0 {d} {g}" for q, d, g in rows))

    def metrics(qrels) -> dict:  # type: ignore[no-untyped-def]
        result = run("eval", str(queries), str(qrels), "--kb", str(kb_file), "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["metrics"]

    expected = metrics(DATA / "stackfaq" / "qrels.tsv")
    assert expected["MRR@10"] > 0 and metrics(pair_id) == expected and metrics(trec) == expected
    wrong = tmp_path / "wrong.tsv"
    wrong.write_text("question\tanswer\tscore\nq1\tp1\t1\n")
    result = run("eval", str(queries), str(wrong), "--kb", str(kb_file))
    assert result.exit_code != 0 and "wrong.tsv, line 1" in result.output and "pair_id" in result.output
    wrong.write_text("query_id\tpair_id\tgrade\nq1\tp1\n")
    assert "wrong.tsv, line 2" in run("eval", str(queries), str(wrong), "--kb", str(kb_file)).output
