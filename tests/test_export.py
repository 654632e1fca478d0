"""Export round-trips: export, import into an empty knowledge base, export again: identical, for each format."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oftenasked import KnowledgeBase
from oftenasked.cli import cli
from oftenasked.export import SUFFIXES, export_lines, faq_page
from oftenasked.ingest.clean import clean_markdown, normalize
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
FORMATS = ("jsonl", "tsv", "csv", "jsonld")

# Text people write: any printable character, with the ones that formats escape made likely.
_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
_tricky = st.sampled_from(["\t", "|", ":", "\\", '"', "'", "<b>", "&amp;", "*", "_", "#", "1.", "- ", "[x](y)", "\\n",
                          "=", "+", "-", "@", "'=", "''+", "=HYPERLINK(\"http://x\")", "@SUM(A1)", ","])
_words = st.lists(st.one_of(st.text(_chars, min_size=1, max_size=12), _tricky), min_size=1, max_size=8).map("".join)
_line = _words.filter(lambda s: normalize(s).strip() != "")
_answer = st.lists(st.one_of(_words, st.sampled_from(["", "- item", "1. step", "  - nested"])), min_size=1, max_size=6)
_ids = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-_.:"), min_size=1,
               max_size=10)
_meta_key = _line.map(lambda s: normalize(s).strip()).filter(
    lambda k: k and k not in ("SuggestedQuestions", "IsContextOnly", "Prompts")
)
_meta_value = st.text(_chars, max_size=12).map(lambda s: " ".join(s.split()))


@st.composite
def _pairs(draw):  # noqa: ANN202 - a Hypothesis strategy
    count = draw(st.integers(1, 4))
    ids = draw(st.lists(_ids, min_size=count, max_size=count, unique=True))
    records = []
    for pair_id in ids:
        question = draw(_line)
        answer = "\n".join(draw(_answer))
        if not clean_markdown(answer):
            answer = "an answer"
        norm = " ".join(normalize(question).split())
        alternates = [a for a in draw(st.lists(_line, max_size=2)) if " ".join(normalize(a).split()) != norm]
        alternates = list({" ".join(normalize(a).split()): a for a in alternates}.values())
        record = {"id": pair_id, "question": question, "answer": answer, "alternates": alternates,
                  "metadata": draw(st.dictionaries(_meta_key, _meta_value, max_size=3))}
        source = draw(st.one_of(st.none(), _ids.map(lambda s: f"https://example.org/{s}")))
        if source:
            record["source"] = source
        records.append(record)
    return records


def _kb(folder: Path, name: str) -> KnowledgeBase:
    return KnowledgeBase(Store(folder / f"{name}.sqlite"), embedder=HashEmbedder())


def _export(kb: KnowledgeBase, fmt: str) -> str:
    return "\n".join(export_lines(kb.pairs(), fmt)) + "\n"


def _round_trip(records: list[dict], fmt: str) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = folder / "start.jsonl"
        start.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
        with _kb(folder, "one") as one:
            report = one.ingest([start])
            assert not report.errors, report.errors
            first = _export(one, fmt)
        exported = folder / f"exported{SUFFIXES[fmt]}"
        exported.write_text(first, encoding="utf-8")
        with _kb(folder, "two") as two:
            report = two.ingest([exported])
            assert not report.errors, report.errors
            second = _export(two, fmt)
    return first, second


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=_pairs())
def test_export_import_export_is_identical(fmt, records):
    first, second = _round_trip(records, fmt)
    assert first == second


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_real_fixtures_keeps_everything(fmt, tmp_path):
    with _kb(tmp_path, "one") as one:
        one.ingest([FIXTURES / "qnamaker-export.tsv", FIXTURES / "wordpress-yoast.html", FIXTURES / "help.md",
                    FIXTURES / "medquad-document.xml"])
        before = one.pairs()
        first = _export(one, fmt)
    exported = tmp_path / f"all{SUFFIXES[fmt]}"
    exported.write_text(first, encoding="utf-8")
    with _kb(tmp_path, "two") as two:
        two.ingest([exported])
        after = two.pairs()
        assert _export(two, fmt) == first
    strip = [(p.id, p.question, p.answer, p.source, p.alternates, p.metadata) for p in before]
    assert strip == [(p.id, p.question, p.answer, p.source, p.alternates, p.metadata) for p in after]


def test_tsv_is_qna_maker_shaped(tmp_path):
    with _kb(tmp_path, "kb") as kb:
        kb.ingest([FIXTURES / "qnamaker-export.tsv"])
        lines = list(export_lines(kb.pairs(), "tsv"))
    assert lines[0] == "Question\tAnswer\tSource\tMetadata\tSuggestedQuestions\tIsContextOnly\tPrompts\tQnaId"
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(r) == 8 for r in rows)
    assert [r[0] for r in rows[:3]] == ["How do I reset my password?", "I forgot my password",
                                        "Can I change my password?"]
    assert {r[7] for r in rows[:3]} == {"101"}
    assert rows[0][1].startswith("Go to **Sign in** and choose *Forgot password*.\\n\\n1. Enter")
    assert rows[0][3] == "category:account|product:portal"


def test_jsonld_is_a_faq_page(tmp_path):
    with _kb(tmp_path, "kb") as kb:
        kb.ingest([FIXTURES / "faq-list.json"])
        page = faq_page(kb.pairs())
    assert page["@type"] == "FAQPage"
    question = page["mainEntity"][1]
    assert question["name"] == "Can I track my parcel?"
    assert question["alternateName"] == ["Where is my parcel?"]
    assert question["acceptedAnswer"]["text"] == "Yes:\n\n1. Open the email we send.\n2. Select **Track**."


def test_cli_export_formats(tmp_path):
    kb_path = tmp_path / "kb.sqlite"
    with KnowledgeBase(Store(kb_path), embedder=HashEmbedder()) as kb:
        kb.ingest([FIXTURES / "faq-list.json"])
    runner = CliRunner()
    for fmt, check in (("jsonl", '"id": "ship-1"'), ("tsv", "QnaId"), ("jsonld", '"@type": "FAQPage"')):
        result = runner.invoke(cli, ["export", "--kb", str(kb_path), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert check in result.output


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_cleaning_is_idempotent(text):
    assert clean_markdown(clean_markdown(text)) == clean_markdown(text)
    assert normalize(normalize(text)) == normalize(text)


@pytest.mark.parametrize("fmt", ["tsv", "csv"])
def test_formula_cells_are_neutralised_and_round_trip(fmt, tmp_path):
    """OWASP's CSV injection advice: no cell starts with = + - @ (or a tab) in a spreadsheet export."""
    records = [
        {"id": "=1+1", "question": "=HYPERLINK(\"http://evil.example\", \"Click\")?",
         "answer": "@SUM(A1:A9)\n\n- a list item", "topic": "+cmd|' /C calc'!A0"},
        {"id": "q2", "question": "'Tis the season: what are the opening hours?", "answer": "-5 degrees outside",
         "source": "https://example.org/faq"},
        {"id": "q3", "question": "Where is the \t tab?", "answer": "\tIndented answer"},
    ]
    start = tmp_path / "start.jsonl"
    start.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with _kb(tmp_path, "one") as one:
        one.ingest([start])
        exported = _export(one, fmt)
        pairs = {p.id: p for p in one.pairs()}
    import csv
    import io

    rows = list(csv.reader(io.StringIO(exported), delimiter="\t" if fmt == "tsv" else ",",
                           quoting=csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL))
    for row in rows[1:]:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (fmt, cell)
    assert "'Tis the season" in exported  # not formula-like: left as it is
    path = tmp_path / f"exported.{fmt}"
    path.write_text(exported, encoding="utf-8")
    with _kb(tmp_path, "two") as two:
        two.ingest([path])
        again = {p.id: p for p in two.pairs()}
        assert _export(two, fmt) == exported
    assert {i: (p.question, p.answer, p.metadata) for i, p in again.items()} == {
        i: (p.question, p.answer, p.metadata) for i, p in pairs.items()
    }
