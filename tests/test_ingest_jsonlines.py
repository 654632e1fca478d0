"""JSON Lines: ids kept, extra fields kept as metadata, gzip accepted, errors name the line and field."""

from __future__ import annotations

import gzip
import json

import pytest

from oftenasked import IngestError
from oftenasked.ingest import read_source


def lines(*records: object) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


def test_ids_and_metadata_are_kept():
    data = lines({"id": "A1", "question": "Q one?", "answer": "One.", "source": "https://x.org/1", "topic": "t",
                  "rank": 2})
    pair = read_source(data, "faq.jsonl").pairs[0]
    assert (pair.id, pair.source, pair.metadata) == ("A1", "https://x.org/1", {"topic": "t", "rank": "2"})


def test_gzip_is_accepted():
    data = gzip.compress(lines({"question": "Q?", "answer": "A."}))
    assert read_source(data, "faq.jsonl.gz").pairs[0].answer == "A."


def test_malformed_line_is_named():
    data = lines({"question": "Q?", "answer": "A."}) + b"\n{not json\n"
    with pytest.raises(IngestError) as error:
        read_source(data, "faq.jsonl")
    assert error.value.line == 2 and "faq.jsonl, line 2" in str(error.value)


@pytest.mark.parametrize(
    ("record", "field"),
    [({"answer": "A."}, "question"), ({"question": "Q?", "answer": 3}, "answer"), ({"question": " ", "answer": "A"}, "question")],
)
def test_bad_fields_are_named(record, field):
    with pytest.raises(IngestError) as error:
        read_source(lines(record), "faq.jsonl")
    assert error.value.field == field and error.value.line == 1


def test_bom_and_windows_1252_decode():
    assert read_source(b"\xef\xbb\xbf" + lines({"question": "Q?", "answer": "A."}), "a.jsonl").pairs
    latin = '{"question": "Caf\xe9?", "answer": "Oui."}'.encode("cp1252")
    assert read_source(latin, "b.jsonl").pairs[0].question == "Café?"


def test_questions_are_one_line_and_stable():
    data = lines({"question": "Why  does\nit hurt?", "answer": "A.", "alternates": ["Does it\n hurt?"]})
    pair = read_source(data, "a.jsonl").pairs[0]
    assert (pair.question, pair.alternates) == ("Why does it hurt?", ["Does it hurt?"])
    again = read_source(lines({"question": pair.question, "answer": "A."}), "a.jsonl").pairs[0]
    assert again.question == pair.question
