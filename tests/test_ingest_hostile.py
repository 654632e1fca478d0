"""Hostile and unlucky files (issue 16, point 3) and slow servers (point 7): no silent loss, no unbounded read."""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from oftenasked import ingest
from oftenasked.cli import cli
from oftenasked.errors import IngestError
from oftenasked.ingest import checks, read_source
from oftenasked.ingest.fetch import fetch
from oftenasked.ingest.sources import read_file, read_stream

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def errors(report) -> dict[str, str]:
    return {Path(s.origin).name: s.error for s in report.sources if s.error}


def test_every_member_of_a_concatenated_gzip_is_read():
    first = gzip.compress(jsonl({"question": "Is it open?", "answer": "Yes."}))
    second = gzip.compress(jsonl({"question": "Is it free?", "answer": "No."}))
    pairs = read_source(first + second, "both.jsonl.gz").pairs  # what `cat a.gz b.gz` makes
    assert [p.question for p in pairs] == ["Is it open?", "Is it free?"]
    with pytest.raises(IngestError, match="both.jsonl.gz: damaged gzip data"):
        read_source(first + second[:-12], "both.jsonl.gz")
    with pytest.raises(IngestError, match="bytes after the last member"):
        read_source(first + b"trailing junk", "both.jsonl.gz")


def test_a_gzip_of_many_small_members_is_bounded_in_total(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 1024 * 1024)
    member = gzip.compress(b" " * (512 * 1024))
    with pytest.raises(IngestError, match="too large once unpacked"):
        read_source(member * 3, "many.jsonl.gz")


def test_symlink_to_dev_zero_fifo_and_endless_stdin_are_refused_quickly(hash_kb, tmp_path):
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)  # nobody writes to it: opening it would wait for ever
    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl({"question": "Is it open?", "answer": "Yes."}))
    started = time.monotonic()
    report = hash_kb.ingest([zero, fifo, good])
    assert time.monotonic() - started < 10
    assert "not a regular file (a character device)" in errors(report)["zero.jsonl"]
    assert "not a regular file (a FIFO (named pipe))" in errors(report)["pipe.jsonl"]
    assert len(hash_kb) == 1
    with pytest.raises(IngestError, match="not a regular file"):
        read_file(Path("/dev/zero"))

    class Endless:
        def read(self, n: int) -> bytes:
            return b"x" * n

    with pytest.raises(IngestError, match=r"<stdin>: too large \(over 1000 bytes"):
        read_stream(Endless(), "<stdin>", limit=1000)  # type: ignore[arg-type]


def test_cli_refuses_an_endless_standard_input(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 64 * 1024)
    result = CliRunner().invoke(cli, ["ingest", "-", "--kb", str(tmp_path / "kb.sqlite")], input=b"y\n" * 100_000)
    assert result.exit_code == 1 and "<stdin>: too large" in result.output


@pytest.mark.parametrize(("name", "data"), [
    ("deep.json", b"[" * 100_000 + b"]" * 100_000),
    ("deep.txt", b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b'\n{"b": 2}\n'),  # sniffed as JSON Lines
    ("deep", b"<div>" * 100_000 + b"<h2>Q?</h2><p>A.</p>" + b"</div>" * 100_000),
    ("deep.xml", b"<Document>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</Document>"),
    ("deep.md", b"> " * 100_000 + b"## Q?\n\nA.\n"),
])
def test_a_file_nested_100k_deep_is_a_clear_error_naming_it(name, data):
    try:
        result = read_source(data, name)
    except IngestError as exc:
        assert exc.source == name
    else:
        assert all(p.question and p.answer for p in result.pairs)


def test_a_deep_file_does_not_stop_the_others(hash_kb, tmp_path):
    (tmp_path / "deep.txt").write_bytes(b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b'\n{"b": 2}\n')
    (tmp_path / "good.jsonl").write_bytes(jsonl({"question": "Is it open?", "answer": "Yes."}))
    report = hash_kb.ingest([tmp_path / "deep.txt", tmp_path / "good.jsonl"])
    assert "deep.txt" in errors(report) and len(hash_kb) == 1


def test_invalid_utf8_is_reported_with_its_line_not_stored_as_mojibake():
    data = "question,answer\nOù est-ce ?,À gauche.\nEt ça ?,".encode() + b"Tout droit \xff ici.\n"
    with pytest.raises(IngestError) as error:
        read_source(data, "bad.csv")
    assert error.value.line == 3 and "invalid UTF-8" in str(error.value) and "bad.csv, line 3" in str(error.value)
    declared = b'<meta charset="utf-8"><h2>Is it \xe9 open?</h2><p>Yes.</p>'
    with pytest.raises(IngestError, match="invalid UTF-8"):
        read_source(declared, "declared.html")
    # A file with no UTF-8 in it at all is a legacy file, read as Windows-1252, as before.
    assert read_source("Où est la gare ?\n\nÀ gauche.\n".encode("cp1252"), "q.txt").pairs[0].answer == "À gauche."


def test_utf32_with_a_bom_is_read():
    for codec in ("utf-32", "utf-32-be"):
        data = ("\ufeff" if codec.endswith("be") else "") + "## Est-ce gratuit ?\n\nOui.\n"
        pairs = read_source(data.encode(codec), "u32.md").pairs
        assert [(p.question, p.answer) for p in pairs] == [("Est-ce gratuit ?", "Oui.")]


@pytest.mark.parametrize(("record", "field"), [
    ({"question": "Is it\u0000 open?", "answer": "Yes."}, "question"),
    ({"question": "Is it open?", "answer": "Yes.\u001b[31m"}, "answer"),
    ({"question": "Is it open?", "answer": "Yes.", "alternates": ["Open\u0007?"]}, "alternates[0]"),
    ({"question": "Is it open?", "answer": "Yes.", "topic": "x\u0000"}, "metadata.topic"),
    ({"question": "Is it open?", "answer": "Yes.", "id": "a\u0085b"}, "id"),
    ({"question": "Is it open?", "answer": "Yes.", "source": "https://x\u0000.org"}, "source"),
])
def test_control_characters_are_refused_in_every_field(record, field):
    with pytest.raises(IngestError) as error:
        read_source(jsonl(record), "ctl.jsonl")
    assert error.value.field == field and error.value.line == 1 and "control character" in error.value.problem


def test_control_characters_are_refused_on_every_path(hash_kb):
    tsv = b"Question\tAnswer\nIs it open?\tYes\x01.\n"
    html = b"<h2>Is it open?</h2><p>Yes&#1;.</p>"  # lxml keeps some, drops others: either way none is stored
    md = b"## Is it open?\n\nYes\x0b.\n"
    for data, name in ((tsv, "c.tsv"), (md, "c.md")):
        with pytest.raises(IngestError, match="control character"):
            read_source(data, name)
    try:
        pairs = read_source(html, "c.html").pairs
    except IngestError as exc:
        assert "control character" in exc.problem
    else:
        assert not checks.control_character(pairs[0].answer)
    with pytest.raises(IngestError, match="control character"):
        hash_kb.ingest_bytes(jsonl({"question": "Q\u0000?", "answer": "A."}), "upload.jsonl")
    assert len(hash_kb) == 0


def test_alternates_and_metadata_have_the_limits_of_questions():
    long = "x" * (checks.MAX_QUESTION_CHARS + 1)
    for record, field in (({"question": long, "answer": "A."}, "question"),
                          ({"question": "Q?", "answer": "A.", "alternates": [long]}, "alternates[0]"),
                          ({"question": "Q?", "answer": "A.", "note": long}, "metadata.note")):
        with pytest.raises(IngestError, match="too long") as error:
            read_source(jsonl(record), "long.jsonl")
        assert error.value.field == field
    many = {"question": "Q?", "answer": "A.", "alternates": [f"Q{i}?" for i in range(checks.MAX_ALTERNATES + 1)]}
    with pytest.raises(IngestError, match="alternate questions; the limit is"):
        read_source(jsonl(many), "many.jsonl")


def test_a_huge_answer_is_cut_with_a_report_line_and_costs_little(monkeypatch):
    monkeypatch.setattr(checks, "MAX_ANSWER_CHARS", 100_000)
    paragraph = "All work and no play makes a dull answer. " * 20
    huge = "\n\n".join([paragraph] * 24_000)  # about 20 MB
    started = time.monotonic()
    result = read_source(jsonl({"question": "Why so long?", "answer": huge}, {"question": "Q?", "answer": "A."}),
                         "huge.jsonl")
    assert time.monotonic() - started < 20
    cut = result.pairs[0].answer
    assert len(cut) <= 100_000 and cut.endswith("answer.")  # cut at a paragraph break
    assert result.pairs[1].answer == "A."
    (line,) = [d for d in result.dropped if d.reason.startswith("answer too long")]
    assert line.text == "Why so long?" and line.line == 1


# -- URL fetches are bounded in total time (point 7) ---------------------------------------------
@pytest.fixture
def trickle_server():
    """A server that sends its response one byte every 0.2 s: each read is quick, the whole never ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                body = b"<h2>Is it slow?</h2><p>" + b"y" * 1000 + b"</p>"
                response = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)
                data = response + body
                for at in range(len(data)):
                    if stop.is_set():
                        return
                    try:
                        conn.sendall(data[at : at + 1])
                    except OSError:
                        break
                    time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    listener.close()


def test_a_server_sending_a_byte_at_a_time_is_cut_off_at_the_total_limit(trickle_server):
    started = time.monotonic()
    with pytest.raises(IngestError, match=r"timed out: not fetched in 1.5 s in all"):
        fetch(trickle_server + "/faq", timeout=5, total_timeout=1.5)  # stalls in the headers
    assert time.monotonic() - started < 4
