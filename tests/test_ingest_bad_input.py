"""Bad input: a clear error naming the file and line or element; the other files still go in; never half-written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from oftenasked import ingest
from oftenasked.cli import cli
from oftenasked.errors import IngestError
from oftenasked.ingest import read_source

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def snapshot(kb):
    return [(p.id, p.question, p.answer, p.source, p.alternates, p.metadata) for p in kb.pairs()]


def errors(report) -> dict[str, str]:
    return {Path(s.origin).name: s.error for s in report.sources if s.error}


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    """A folder of good files and every kind of bad one."""
    folder = tmp_path / "faqs"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(FIXTURES / "help-centre-details.html", folder / "good.html")
    shutil.copy(FIXTURES / "faq.csv", folder / "nested" / "good.csv")
    (folder / "broken.csv").write_text("question,answer\nA?,B\nC?\n", encoding="utf-8")
    (folder / "broken.json").write_text('[{"question": "A?", "answer": "B"},\n{"question": "C?" "answer": "D"}]')
    (folder / "broken.xml").write_text("<Document id='1'>\n<QAPairs>\n<QAPair>\n</Document>\n", encoding="utf-8")
    (folder / "empty.md").write_bytes(b"")
    (folder / "about.html").write_text("<html><body><h1>About</h1><p>We make bread.</p></body></html>")
    (folder / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    return folder


def test_each_bad_file_is_named_with_its_line_and_the_good_ones_go_in(hash_kb, bad_folder):
    report = hash_kb.ingest([bad_folder])
    kept = {Path(s.origin).name: s.kept for s in report.sources if not s.error}
    assert kept == {"good.html": 4, "good.csv": 3}
    problems = errors(report)
    assert problems["broken.csv"].endswith("broken.csv, line 3: expected 2 columns, found 1")
    assert "broken.json, line 2: not valid JSON" in problems["broken.json"]
    assert "broken.xml, line 4: malformed XML" in problems["broken.xml"]
    assert problems["empty.md"].endswith("empty.md: empty file, or it cannot be read")
    assert problems["about.html"].endswith("about.html: no question-and-answer pairs found")
    assert problems["binary.html"].endswith("binary.html: binary data, not a text file")
    assert len(hash_kb) == 7


def test_all_or_nothing_writes_nothing(hash_kb, bad_folder):
    hash_kb.ingest([FIXTURES / "dl-faq.html"])
    before = snapshot(hash_kb)
    with pytest.raises(IngestError, match=r"faqs/\w+\.\w+"):
        hash_kb.ingest([bad_folder], all_or_nothing=True)
    assert snapshot(hash_kb) == before


def test_a_failing_source_leaves_its_old_pairs_untouched(hash_kb, tmp_path):
    source = tmp_path / "faq.csv"
    shutil.copy(FIXTURES / "faq.csv", source)
    hash_kb.ingest([source])
    before = snapshot(hash_kb)
    source.write_text(source.read_text() + 'Extra,"Broken row?\n', encoding="utf-8")  # unterminated quote
    report = hash_kb.ingest([source])
    assert "faq.csv, line 10: malformed CSV" in report.errors[0].error
    assert snapshot(hash_kb) == before


def test_missing_paths_are_reported_beside_the_rest(hash_kb, tmp_path):
    report = hash_kb.ingest([tmp_path / "nope.html", FIXTURES / "dl-faq.html"])
    assert errors(report) == {"nope.html": f"{tmp_path / 'nope.html'}: no such file"}
    assert len(hash_kb) == 3


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_unreadable_file(hash_kb, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(FIXTURES / "dl-faq.html", folder / "good.html")
    locked = folder / "locked.txt"
    if os.geteuid() == 0:  # root reads any file: use one that no one can read
        locked.symlink_to("/proc/self/mem")
    else:
        locked.write_text("Q?\n\nA.\n")
        locked.chmod(0)
    report = hash_kb.ingest([folder])
    assert "cannot be read" in errors(report)["locked.txt"]
    assert len(hash_kb) == 3


def test_legacy_encodings_and_byte_order_marks():
    latin1 = "<h2>Où est la gare ?</h2><p>À gauche, après le café.</p>".encode("latin-1")
    assert read_source(latin1, "gare.html").pairs[0].answer == "À gauche, après le café."
    cp1252 = "Is it “smart” quoted?\n\nYes – with dashes.\n".encode("cp1252")
    assert read_source(cp1252, "q.txt").pairs[0].question == "Is it “smart” quoted?"
    bom_csv = "\ufeffQuestion,Answer\nÇa va ?,Oui.\n".encode()
    assert [(p.question, p.answer) for p in read_source(bom_csv, "b.csv").pairs] == [("Ça va ?", "Oui.")]
    utf16 = "## Est-ce gratuit ?\n\nOui.\n".encode("utf-16")
    assert read_source(utf16, "u.md").pairs[0].question == "Est-ce gratuit ?"


def test_malformed_html_is_still_read_and_an_empty_page_is_an_error():
    broken = b"<div><h2>Is it open?<p>Yes, daily.<h2>Is it free?</div><p>No: 5 euros.<li>Children free</ul>"
    pairs = read_source(broken, "broken.html").pairs
    assert [(p.question, p.answer) for p in pairs] == [
        ("Is it open?", "Yes, daily."), ("Is it free?", "No: 5 euros.\n\n- Children free")
    ]
    stray = b"<h2>What are the threats?</h2><li>Ransomware.</li><li> Malware. </li>\n<li>Phishing.</li>"
    assert read_source(stray, "stray.html").pairs[0].answer == "- Ransomware.\n- Malware.\n- Phishing."
    with pytest.raises(IngestError, match=r"blank.html: empty page"):
        read_source(b"  \n\t ", "blank.html")


def test_huge_files_are_refused_before_they_are_read(hash_kb, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 1024 * 1024)
    huge = tmp_path / "huge.csv"
    huge.write_text("question,answer\n" + "Why?,Because.\n" * 100_000, encoding="utf-8")
    report = hash_kb.ingest([huge, FIXTURES / "dl-faq.html"])
    assert errors(report)["huge.csv"].endswith("huge.csv: too large (1400016 bytes; the limit is 1048576)")
    assert len(hash_kb) == 3
    with pytest.raises(IngestError, match="too large"):
        read_source(huge.read_bytes(), str(huge))


def test_a_very_long_answer_cell_is_read_whole():
    answer = "word " * 60_000
    result = read_source(f'question,answer\nLong?,"{answer}"\n'.encode(), "long.csv")
    assert result.pairs[0].answer == answer.strip()


@pytest.mark.slow
def test_cli_all_or_nothing(tmp_path, bad_folder):
    kb_path = tmp_path / "kb.sqlite"
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(bad_folder), "--kb", str(kb_path), "--all-or-nothing"])
    assert result.exit_code != 0
    assert "about.html: no question-and-answer pairs found" in result.output
    listed = runner.invoke(cli, ["export", "--kb", str(kb_path)])
    assert listed.output.strip() == ""
    result = runner.invoke(cli, ["ingest", str(bad_folder), "--kb", str(kb_path)])
    assert result.exit_code == 1
    assert "line 3: expected 2 columns" in result.output
    assert "7 pairs in" in result.output


def test_folders_pick_faq_formats_and_honour_include_and_exclude(hash_kb, tmp_path):
    folder = tmp_path / "site"
    (folder / "drafts").mkdir(parents=True)
    (folder / ".git").mkdir()
    shutil.copy(FIXTURES / "dl-faq.html", folder / "allotments.html")
    shutil.copy(FIXTURES / "help.md", folder / "drafts" / "backup.md")
    shutil.copy(FIXTURES / "faq.csv", folder / "shop.csv")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / ".git" / "config").write_text("[core]\n")
    report = hash_kb.ingest([folder])
    assert sorted(Path(s.origin).name for s in report.sources) == ["allotments.html", "backup.md", "shop.csv"]
    assert not report.errors
    report = hash_kb.ingest([folder], exclude=["drafts/*", "*.csv"])
    assert [Path(s.origin).name for s in report.sources] == ["allotments.html"]
    report = hash_kb.ingest([folder], include=["*.md"])
    assert [Path(s.origin).name for s in report.sources] == ["backup.md"]


@pytest.mark.slow
def test_cli_report_lists_every_pair_kept_and_every_block_dropped(tmp_path):
    kb_path = tmp_path / "kb.sqlite"
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(FIXTURES / "wordpress-yoast.html", folder / "blog.html")
    shutil.copy(FIXTURES / "faq.csv", folder / "shop.csv")
    runner = CliRunner()
    args = ["ingest", str(folder), "--kb", str(kb_path), "--include", "*.html", "--report"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "blog.html: 5 pairs (5 added" in first.output and "shop.csv" not in first.output
    assert "  kept   #0 Why does my lower back hurt when I run? (added)" in first.output
    assert "(comment form)" in first.output and "(cookie notice)" in first.output
    again = runner.invoke(cli, args)
    assert "  kept   #4 How long should I rest a sore back? (unchanged)" in again.output


def test_declared_encodings_and_gzip_bounds(monkeypatch):
    import gzip

    page = '<meta charset="shift_jis"><h2>営業時間は？</h2><p>毎日。</p>'.encode("shift_jis")
    assert read_source(page, "jp.html").pairs[0].question == "営業時間は？"
    packed = gzip.compress(b'{"question": "A?", "answer": "B."}\n')
    assert read_source(packed, "faq.jsonl.gz").pairs[0].answer == "B."
    with pytest.raises(IngestError, match="faq.jsonl.gz: damaged gzip data"):
        read_source(packed[:-12], "faq.jsonl.gz")
    monkeypatch.setattr(ingest, "MAX_BYTES", 1024 * 1024)
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))
    assert len(bomb) < 20_000
    with pytest.raises(IngestError, match="bomb.jsonl.gz: too large once unpacked"):
        read_source(bomb, "bomb.jsonl.gz")


@pytest.mark.slow
def test_cli_json_report_lists_pairs_and_dropped_blocks(tmp_path):
    import json

    kb_path = tmp_path / "kb.sqlite"
    result = CliRunner().invoke(cli, ["ingest", str(FIXTURES / "zendesk-article.html"), "--kb", str(kb_path), "--json",
                                      "--report"])
    assert result.exit_code == 0, result.output
    (source,) = json.loads(result.output)["sources"]
    assert [(p["position"], p["status"]) for p in source["pairs"]] == [(0, "added"), (1, "added"), (2, "added")]
    assert source["pairs"][1]["question"] == "What happens if I lose my phone?"
    assert {"text": "Related articles Is my payment information stored?", "reason": "cross-link to another page",
            "line": 30} in source["dropped"]


@pytest.mark.slow
def test_cli_format_option_reads_standard_input_as_told(tmp_path):
    kb_path = tmp_path / "kb.sqlite"
    data = (FIXTURES / "headerless.csv").read_bytes()
    runner = CliRunner()
    guessed = runner.invoke(cli, ["ingest", "-", "--kb", str(kb_path)], input=data)
    assert guessed.exit_code != 0  # two comma-separated lines without a header look like text with no questions
    told = runner.invoke(cli, ["ingest", "-", "--kb", str(kb_path), "--format", "csv"], input=data)
    assert told.exit_code == 0, told.output
    assert "<stdin>: 2 pairs (2 added" in told.output
    named = runner.invoke(cli, ["ingest", "-", "--kb", str(kb_path), "--name", "help.md"],
                          input=(FIXTURES / "help.md").read_bytes())
    assert "help.md: 5 pairs (5 added" in named.output and "7 pairs in" in named.output  # <stdin>'s pairs stay
