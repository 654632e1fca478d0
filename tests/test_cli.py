"""The CLI contract of PRODUCT.md, run as a user would (fast embedder through OFTENASKED_* is not
possible from the CLI, so these use the real model on small data and are marked slow)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from oftenasked.cli import cli

from .conftest import DATA, SEED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "kb.sqlite"
    result = CliRunner().invoke(cli, ["ingest", str(SEED), "--kb", str(path)])
    assert result.exit_code == 0, result.output
    assert "12 pairs (12 added" in result.output
    return path


def run(*args, **kwargs):
    result = CliRunner().invoke(cli, list(args), **kwargs)
    return result


def test_ask_answers_from_the_seed_page(kb_file):
    result = run("ask", "Why does my lower back hurt when I run?", "--kb", str(kb_file))
    assert result.exit_code == 0
    assert result.output.startswith("Why is my back sore from running?")
    assert "often-asked-lower-back-running.txt" in result.output


def test_ask_json(kb_file):
    data = json.loads(run("ask", "Should I run if my lower back hurts?", "--kb", str(kb_file), "--json", "--top", "2").output)
    assert data["answered"] and data["answers"][0]["question"] == "Should I run if my lower back hurts?"
    assert len(data["answers"]) <= 2


def test_ask_says_no_good_answer(kb_file):
    result = run("ask", "How do I renew my passport?", "--kb", str(kb_file))
    assert result.exit_code == 0 and result.output.startswith("No good answer")


def test_kb_from_environment(kb_file):
    result = run("ask", "Are squats bad for my back?", "--json", env={"OFTENASKED_KB": str(kb_file)})
    assert json.loads(result.output)["answers"][0]["question"] == "Are squats bad for your back?"


def test_related_and_page(kb_file):
    related = json.loads(run("related", "Why does my lower back hurt when I run?", "--kb", str(kb_file), "--json").output)
    assert len(related) == 5 and all(r["answer"] for r in related)
    page = run("page", "Why does my lower back hurt when I run?", "--kb", str(kb_file)).output
    assert page.startswith("# Often asked: Why does my lower back hurt when I run?")
    assert "Share on Pinterest" not in page and "## Sources" in page
    html = run("page", "Why does my lower back hurt when I run?", "--kb", str(kb_file), "--format", "html").output
    assert '"@type": "FAQPage"' in html
    assert json.loads(run("page", "Why?", "--kb", str(kb_file), "--format", "json").output)["title"]


def test_export_and_sources(kb_file):
    lines = run("export", "--kb", str(kb_file)).output.splitlines()
    assert len(lines) == 12 and json.loads(lines[0])["question"] == "How do I prevent lower back pain when running?"
    assert str(SEED) in run("sources", "--kb", str(kb_file)).output


def test_run_and_eval_keep_source_ids(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    rows = [json.loads(line) for line in (DATA / "stackfaq" / "corpus.jsonl").read_text().splitlines()]
    corpus.write_text("\n".join(json.dumps(r) for r in rows if r["topic"] in {"T001", "T002", "T003"}))
    queries = tmp_path / "queries.jsonl"
    query_rows = [json.loads(line) for line in (DATA / "stackfaq" / "queries.jsonl").read_text().splitlines()]
    queries.write_text("\n".join(json.dumps(q) for q in query_rows if q["thread"] in {"T001", "T002", "T003"}))
    # Questions of threads that are not in the knowledge base: it cannot answer them.
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(json.dumps(q) for q in query_rows if q["thread"] in {"T001", "T002", "T003", "T050", "T051"}))
    kb = tmp_path / "kb.sqlite"
    assert run("ingest", str(corpus), "--kb", str(kb)).exit_code == 0
    lines = run("run", str(queries), "--kb", str(kb), "--top", "3").output.splitlines()
    first = lines[0].split()
    assert first[0] == "T001_Q01" and first[1] == "Q0" and first[2].startswith("T001_A") and first[3] == "1"
    assert first[5] == "oftenasked"
    scores = [float(line.split()[4]) for line in lines[:3]]
    assert scores == sorted(scores, reverse=True)
    result = run("eval", str(queries), str(DATA / "stackfaq" / "qrels.tsv"), "--kb", str(kb), "--json")
    metrics = json.loads(result.output)["metrics"]
    assert metrics["MRR@10"] > 0.9 and set(metrics) >= {"nDCG@10", "P@1", "Recall@10", "ECE"}
    report = json.loads(run("eval", str(mixed), str(DATA / "stackfaq" / "qrels.tsv"), "--kb", str(kb), "--json").output)
    assert report["unanswerable"] > 0 and report["answerable"] == len(lines) // 3
    assert report["no_good_answer_when_unanswerable"] >= 0.5 and 0 <= report["metrics"]["ECE"] <= 1
    text = run("eval", str(mixed), str(DATA / "stackfaq" / "qrels.tsv"), "--kb", str(kb)).output
    assert "without a relevant pair" in text and "ECE" in text


def test_broken_file_is_named_and_changes_nothing(kb_file, tmp_path):
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"question": "Q?", "answer": "A."}\n{"question": "oops"\n', encoding="utf-8")
    before = run("export", "--kb", str(kb_file)).output
    result = run("ingest", str(bad), "--kb", str(kb_file))
    assert result.exit_code == 1 and "broken.jsonl, line 2" in result.output
    assert run("export", "--kb", str(kb_file)).output == before


def test_missing_file_is_a_clear_error(tmp_path):
    result = run("ingest", str(tmp_path / "nope.txt"), "--kb", str(tmp_path / "kb.sqlite"))
    assert result.exit_code == 1 and "nope.txt: no such file" in result.output
