"""The bundled starter knowledge base: built on first use from shipped data, nothing embedded."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from oftenasked import KnowledgeBase
from oftenasked.cli import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def starter():
    kb = KnowledgeBase.open()
    yield kb
    kb.close()


def test_starter_holds_the_seed_page_and_medquad(starter):
    origins = {s["origin"]: s["pairs"] for s in starter.sources()}
    assert origins == {"starter:often-asked-lower-back-running.txt": 12, "starter:medquad.jsonl.gz": 16407}
    assert "starter-" in starter.path


def test_every_starter_text_has_a_shipped_vector(starter):
    missing = starter.store.db.execute(
        "SELECT count(*) FROM texts t LEFT JOIN vectors v ON v.text_hash = t.text_hash AND v.model = ?"
        " WHERE v.text_hash IS NULL",
        (starter.embedder.name,),
    ).fetchone()[0]
    assert missing == 0


def test_the_demo_question_is_answered_from_the_seed_page(starter):
    best = starter.ask("Why does my lower back hurt when I run?").best
    assert best is not None and best.pair.question == "Why is my back sore from running?"
    assert best.pair.origin == "starter:often-asked-lower-back-running.txt"


def test_health_questions_are_answered_from_medquad_with_their_url(starter):
    best = starter.ask("What are the symptoms of diabetes?").best
    assert best is not None and "diabetes" in best.pair.question.lower()
    assert best.pair.source.startswith("http")


def test_cli_without_kb_uses_the_starter():
    result = CliRunner().invoke(cli, ["ask", "Should I run if my lower back hurts?", "--json"])
    assert json.loads(result.output)["answers"][0]["question"] == "Should I run if my lower back hurts?"


def test_user_file_takes_over_once_written(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    faq = tmp_path / "mine.jsonl"
    faq.write_text(json.dumps({"id": "m1", "question": "Where is the office?", "answer": "Main Street 1."}))
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(faq)]).exit_code == 0
    result = runner.invoke(cli, ["ask", "where is your office", "--json", "--threshold", "0"])
    assert json.loads(result.output)["answers"][0]["id"] == "m1"
