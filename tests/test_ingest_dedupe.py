"""Duplicates: the same question twice is one pair; phrasings become alternates; conflicts are said, both kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from oftenasked.ingest.dedupe import QuestionIndex, across_sources, question_key, same_answer, within_source
from oftenasked.ingest.records import RawPair

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
LONG = "Open Settings, choose Account, then Reset password and follow the link we email you."


def test_keys_ignore_case_punctuation_and_prefixes():
    assert question_key("Q: How do I reset my PASSWORD?") == question_key("how do i reset my password")
    assert question_key("1. Is it free?") == question_key("Is it free")
    assert same_answer("yes it is free for everyone", "yes it is free for everyone")
    assert same_answer("open settings then choose reset password now", "open settings then choose reset passwords now")
    assert not same_answer("yes", "no")


def test_within_a_source():
    pairs = [
        RawPair("How do I reset my password?", LONG, line=1),
        RawPair("I forgot my password", LONG, line=5),  # phrased twice: same substantial answer
        RawPair("how do I reset my password", LONG, line=9),  # the same question again
        RawPair("Is it free?", "Yes.", line=12),
        RawPair("Is it open?", "Yes.", line=14),  # a short shared answer proves nothing
        RawPair("Is it free?", "No, 5 euros.", line=16),  # conflict
        RawPair("Is it free?", "Also no.", id="given-id", line=18),  # ids from the source are never merged
    ]
    kept, notes = within_source(pairs)
    assert [(p.question, p.alternates) for p in kept] == [
        ("How do I reset my password?", ["I forgot my password"]),
        ("Is it free?", []),
        ("Is it open?", []),
        ("Is it free?", []),
        ("Is it free?", []),
    ]
    assert [(n.line, n.reason.split(":")[0].split(";")[0]) for n in notes] == [
        (5, "another phrasing of the question at line 1"),
        (9, "same question and answer as line 1"),
        (16, "conflicting answers"),
    ]
    assert pairs[0].alternates == []  # the reader's pairs are not changed


def test_across_sources():
    index = QuestionIndex([("a-1", "Is it free?", json.dumps(["Does it cost anything?"]), "Yes, always.", "a.html")])
    incoming = [
        RawPair("Does it cost anything?", "Yes, always!"),
        RawPair("Is it free?", "No, 5 euros."),
        RawPair("Is it open?", "Daily."),
    ]
    kept, notes = across_sources(incoming, "b.html", index)
    assert [p.question for p in kept] == ["Is it free?", "Is it open?"]
    assert notes[0].reason == "same question and answer as a-1 in a.html; kept once"
    assert notes[1].reason.startswith("conflicting answers: a-1 in a.html answers the same question differently")
    assert across_sources(incoming, "a.html", index)[0] == incoming  # a source never duplicates itself


def test_same_faq_on_two_pages_is_kept_once_and_conflicts_are_reported(hash_kb, tmp_path):
    first = tmp_path / "flu.html"
    shutil.copy(FIXTURES / "health-jsonld.html", first)
    second = tmp_path / "flu-copy.html"
    page = (FIXTURES / "health-jsonld.html").read_text(encoding="utf-8")
    second.write_text(page.replace("Your arm may feel sore for a day or two.", "It is safe for almost everyone,"
                                   " and serious side effects are rare.").replace(
        "<h2>Should I stay off work with flu?</h2>", "<h2>Can I go to work with flu?</h2>"), encoding="utf-8")
    report = hash_kb.ingest([first, second])
    one, two = report.sources
    assert one.kept == 5
    assert two.kept == 2  # the changed answer (kept, reported) and the new question
    reasons = [d.reason for d in two.dropped if "kept once" in d.reason or "conflicting" in d.reason]
    assert sum("kept once" in r for r in reasons) == 3 and sum("conflicting" in r for r in reasons) == 1
    assert len(hash_kb) == 7
    again = hash_kb.ingest([first, second])  # re-ingest: nothing changes, nothing is duplicated
    assert [s.unchanged for s in again.sources] == [5, 2] and again.added == 0 and again.removed == 0


def test_phrased_twice_becomes_a_searchable_alternate(hash_kb, tmp_path):
    page = tmp_path / "faq.md"
    page.write_text(f"## How do I reset my password?\n\n{LONG}\n\n## What if I forgot my password?\n\n{LONG}\n\n"
                    "## Is there an app?\n\nYes, for iOS and Android.\n", encoding="utf-8")
    report = hash_kb.ingest([page])
    assert report.sources[0].kept == 2
    pair = hash_kb.pairs()[0]
    assert pair.alternates == ("What if I forgot my password?",)
    hit = hash_kb.ask("forgot my password", threshold=0.0).best
    assert hit is not None and hit.pair.id == pair.id and hit.matched_question == "What if I forgot my password?"


def test_pairs_with_ids_are_never_merged(hash_kb, tmp_path):
    records = [{"id": f"T1_A{i}", "question": "Strikethrough in Markdown?", "answer": f"Answer {i} " + LONG}
               for i in range(3)]
    source = tmp_path / "threads.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    copy = tmp_path / "copy.jsonl"
    copy.write_text(json.dumps({"id": "other", "question": "Strikethrough in Markdown?", "answer": "Answer 0 " + LONG}))
    report = hash_kb.ingest([source, copy])
    assert [s.kept for s in report.sources] == [3, 1]
    assert not any(s.dropped for s in report.sources)
