"""Asking: hits with confidences, abstention, filters, and input checks (fast embedder)."""

from __future__ import annotations

import json

import pytest

from oftenasked import Answer, InputError


def faq(tmp_path, records):
    path = tmp_path / "faq.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    return path


RECORDS = [
    {"id": "pw", "question": "How do I reset my password?", "answer": "Use the reset link.", "topic": "account"},
    {"id": "del", "question": "How do I delete my account?", "answer": "Open settings, then delete.", "topic": "account"},
    {"id": "ship", "question": "How long does shipping take?", "answer": "Three to five days.", "topic": "orders"},
    {"id": "ret", "question": "Can I return an item?", "answer": "Within thirty days.", "topic": "orders",
     "alternates": ["What is the return policy?"]},
]


def test_best_hit_and_its_signals(hash_kb, tmp_path):
    hash_kb.ingest([faq(tmp_path, RECORDS)])
    answer = hash_kb.ask("how do I reset my password", threshold=0.0)
    assert isinstance(answer, Answer) and answer.answered
    best = answer.best
    assert best.pair.id == "pw" and 0.0 <= best.score <= 1.0
    assert set(best.signals) >= {"question", "answer", "lexical_question", "lexical_answer", "fused"}


def test_alternate_questions_are_searched_and_shown(hash_kb, tmp_path):
    hash_kb.ingest([faq(tmp_path, RECORDS)])
    best = hash_kb.ask("what is your return policy", threshold=0.0).best
    assert best.pair.id == "ret" and best.matched_question == "What is the return policy?"


def test_below_threshold_says_no_and_offers_did_you_mean(hash_kb, tmp_path):
    hash_kb.ingest([faq(tmp_path, RECORDS)])
    answer = hash_kb.ask("how do I reset my password", threshold=1.0)
    assert not answer.answered and answer.best is None
    assert answer.did_you_mean and answer.did_you_mean[0].pair.id == "pw"
    assert answer.to_dict()["answered"] is False


def test_filters_and_or(hash_kb, tmp_path):
    hash_kb.ingest([faq(tmp_path, RECORDS)])
    hits = hash_kb.ask("how do I reset my password", top=5, threshold=0.0, filters={"topic": "orders"}).hits
    assert {h.pair.id for h in hits} == {"ship", "ret"}
    hits = hash_kb.ask("anything", top=5, threshold=0.0, filters={"topic": "orders", "id": "x"}, mode="or").hits
    assert {h.pair.id for h in hits} == {"ship", "ret"}
    assert hash_kb.ask("anything", threshold=0.0, filters={"topic": "nope"}).hits == ()


def test_empty_knowledge_base_answers_nothing(hash_kb):
    answer = hash_kb.ask("anything at all?")
    assert not answer.answered and answer.did_you_mean == ()
    assert hash_kb.related("anything at all?") == ()


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_bad_questions_are_refused(hash_kb, question):
    with pytest.raises(InputError):
        hash_kb.ask(question)


def test_bad_top_and_threshold_are_refused(hash_kb):
    with pytest.raises(InputError):
        hash_kb.ask("q?", top=0)
    with pytest.raises(InputError):
        hash_kb.ask("q?", threshold=1.5)


def test_operators_in_questions_are_just_words(hash_kb, tmp_path):
    hash_kb.ingest([faq(tmp_path, RECORDS)])
    assert hash_kb.ask('password NOT "reset" OR (delete*', threshold=0.0).answered


def test_related_excludes_the_answer_and_rephrasings(hash_kb, tmp_path):
    records = RECORDS + [{"id": "pw2", "question": "How do I reset my password?", "answer": "Same question."}]
    hash_kb.ingest([faq(tmp_path, records)])
    related = hash_kb.related("How do I reset my password?", top=3)
    ids = [r.pair.id for r in related]
    assert "pw" not in ids and "pw2" not in ids and len(ids) == 3
    assert all(0.0 <= r.score <= 1.0 for r in related)


def test_page_has_answer_related_and_sources(hash_kb, tmp_path):
    hash_kb.settings = type(hash_kb.settings)(threshold=0.0)
    hash_kb.ingest([faq(tmp_path, RECORDS)])
    page = hash_kb.page("How do I reset my password?")
    markdown = page.to_markdown()
    assert markdown.startswith("# Often asked: How do I reset my password?")
    assert "Use the reset link." in markdown and "## People also ask" in markdown
    assert str(tmp_path / "faq.jsonl") in page.sources
    data = json.loads(page.to_json())
    assert data["answer"]["id"] == "pw" and data["related"]


def test_answer_and_related_share_one_search(hash_kb, tmp_path):
    hash_kb.ingest([faq(tmp_path, RECORDS)])
    calls = []
    search = hash_kb.index.search
    hash_kb.index.background(hash_kb.weights)  # the knowledge base's own searches, once per index

    def counting(*args, **kwargs):
        calls.append(args[0])
        return search(*args, **kwargs)

    hash_kb.index.search = counting
    first = hash_kb.ask("how do I reset my password", threshold=0.0)
    related = hash_kb.related("how do I reset my password", top=2)
    assert len(calls) == 1 and first.best.pair.id == "pw" and "pw" not in {r.pair.id for r in related}
    hash_kb.ask("how do I reset my password", threshold=0.0, filters={"topic": "account"})
    assert len(calls) == 2  # filtered searches are not shared
