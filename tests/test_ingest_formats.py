"""Markdown, CSV/TSV (QnA Maker among them), JSON and MedQuAD XML: pairs, structure and errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from oftenasked.errors import IngestError
from oftenasked.ingest import detect_format, read_source
from oftenasked.ingest.sniff import sniff
from oftenasked.ingest.tabular import join_metadata, split_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def read(name: str):
    path = FIXTURES / name
    return read_source(path.read_bytes(), str(path))


# -- Markdown ----------------------------------------------------------------------------------
def test_markdown_headings_qa_blocks_and_bold_lines():
    result = read("help.md")
    assert result.format == "markdown"
    assert result.title == "Photo backup: frequently asked questions"
    assert [p.question for p in result.pairs] == [
        "How do I turn on backup?",
        "Which file types are supported?",
        "Why is my backup stuck at 99%?",
        "Can I back up from two phones?",
        "Does deleting a photo on my phone delete the backup?",
    ]
    answers = [p.answer for p in result.pairs]
    assert answers[0].startswith("1. Open **Settings** > **Backup**.\n2. Switch on")
    assert "```\n# where is the log?\nSettings > Backup > Show log\n```" in answers[2]  # code is not a question
    assert answers[2].startswith("Usually one large video")  # "**A:**" prefix gone
    assert answers[3].startswith("Yes. Sign in")
    assert "[snapvault.example](https://snapvault.example/photos)" in answers[4]
    text = "\n".join(answers)
    assert "Share on Facebook" not in text and "Ghent" not in text and "updated:" not in text
    assert [p.line for p in result.pairs] == [12, 18, 24, 32, 35]


def test_markdown_without_marks_reads_like_a_text_page():
    result = read_source(b"Is it free?\n\nYes, always.\n", "faq.md")
    assert [(p.question, p.answer) for p in result.pairs] == [("Is it free?", "Yes, always.")]


# -- CSV / TSV ---------------------------------------------------------------------------------
def test_qna_maker_tsv_export():
    result = read("qnamaker-export.tsv")
    assert result.format == "tsv"
    assert [p.id for p in result.pairs] == ["101", "102", "103", "104"]
    reset = result.pairs[0]
    assert reset.alternates == ["I forgot my password", "Can I change my password?"]
    assert reset.metadata == {"category": "account", "product": "portal"}
    assert reset.source == "Editorial"
    assert reset.answer.endswith("\n\n1. Enter your email address.\n2. Open the link we send you (it works for 1"
                                 " hour).\n3. Choose a new password.")
    assert result.pairs[2].metadata["Prompts"].startswith('[{"DisplayOrder":0')
    assert result.pairs[3].question == '"Quotes" in a question?'  # no CSV quoting in QnA Maker TSV
    assert result.pairs[3].answer == '"Yes", they are kept as written.'


def test_csv_with_header_mapping_and_multiline_cells():
    result = read("faq.csv")
    assert [p.question for p in result.pairs] == [
        "How long does delivery take?", "Do you deliver abroad?", "Can I return an item, and how?"
    ]
    assert [p.line for p in result.pairs] == [2, 5, 9]
    assert result.pairs[0].answer.count("\n\n") == 1
    assert result.pairs[1].answer == "Yes, to:\n- the EU\n- the UK\n- Norway and Switzerland"
    assert result.pairs[1].metadata == {"topic": "Delivery"}
    assert result.pairs[1].source == "https://shop.example/delivery#international"


def test_headerless_two_column_csv():
    result = read("headerless.csv")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("What time do you open?", "We open at 8am every day."), ("Is there parking?", "Yes, 40 free spaces behind the shop.")
    ]


def test_csv_errors_name_the_line():
    with pytest.raises(IngestError, match=r"bad.csv, line 3: expected 2 columns, found 1"):
        read_source(b"question,answer\nA?,B\nonly one cell\n", "bad.csv")
    with pytest.raises(IngestError, match=r"bad.csv, line 2, field 'answer': is empty"):
        read_source(b"question,answer\nA?,\n", "bad.csv")
    with pytest.raises(IngestError, match=r"bad.csv, line 1: no header row"):
        read_source(b"a,b,c\nd,e,f\n", "bad.csv")
    with pytest.raises(IngestError, match=r"bad.csv, line 2: malformed CSV"):
        read_source(b'question,answer\n"A?,"unterminated\n', "bad.csv")
    with pytest.raises(IngestError, match=r"bad.tsv, line 2: more cells"):
        read_source(b"Question\tAnswer\nA?\tB\tC\n", "bad.tsv")


def test_metadata_round_trips_through_its_escapes():
    metadata = {"category": "a:b", "path": "x|y", "slash": "c\\d"}
    assert split_metadata(join_metadata(metadata)) == metadata
    assert split_metadata("Category:Billing| audience : all") == {"Category": "Billing", "audience": "all"}


# -- JSON ------------------------------------------------------------------------------------------
def test_json_list_keeps_ids_alternates_and_extra_fields():
    result = read("faq-list.json")
    assert [p.id for p in result.pairs] == ["ship-1", "ship-2"]
    assert [p.line for p in result.pairs] == [2, 3]
    assert result.pairs[1].alternates == ["Where is my parcel?"]
    assert result.pairs[1].metadata == {"carrier": "DPD"}
    assert result.pairs[0].metadata == {"topic": "shipping"}


def test_qna_maker_json_export():
    result = read("qnamaker-kb.json")
    assert result.pairs[0].question == "When are you open?"
    assert result.pairs[0].alternates == ["What are your opening hours?"]
    assert result.pairs[0].metadata == {"category": "office"}
    assert result.pairs[0].id == "1"


def test_json_pairs_object_and_faqpage_jsonld():
    pairs = read_source(b'{"title": "T", "pairs": [{"question": "Q?", "answer": "A."}]}', "p.json")
    assert [(p.question, p.answer) for p in pairs.pairs] == [("Q?", "A.")]
    jsonld = (b'{"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [{"@type": "Question",'
              b' "name": "Is it &quot;safe&quot;?", "acceptedAnswer": {"@type": "Answer", "text": "<ol><li>Yes</li>'
              b'<li>Mostly</li></ol>"}}]}')
    result = read_source(jsonld, "faq.jsonld")
    assert [(p.question, p.answer) for p in result.pairs] == [('Is it "safe"?', "1. Yes\n2. Mostly")]


def test_json_errors_name_line_and_field():
    with pytest.raises(IngestError, match=r"bad.json, line 3: not valid JSON"):
        read_source(b'[\n {"question": "A?", "answer": "B"},\n {"question": }\n]', "bad.json")
    with pytest.raises(IngestError, match=r"bad.json, line 3, field 'answer': missing"):
        read_source(b'[\n {"question": "A?", "answer": "B"},\n {"question": "C?"}\n]', "bad.json")
    with pytest.raises(IngestError, match=r"bad.json, line 1: expected a list"):
        read_source(b'{"hello": 1}', "bad.json")


# -- XML -------------------------------------------------------------------------------------------
def test_medquad_xml_document():
    result = read("medquad-document.xml")
    assert result.format == "xml"
    assert [p.id for p in result.pairs] == ["GHR_0000123_Sec1", "GHR_0000123_Sec2", "GHR_0000123_Sec3"]
    first = result.pairs[0]
    assert first.source == "https://ghr.nlm.nih.gov/condition/keloid-disorder"
    assert first.metadata == {"topic": "keloid disorder", "collection": "GHR", "qtype": "information",
                              "focus_category": "Disorders", "synonyms": "keloids; keloid scars"}
    assert "earlobes & upper back" in first.answer
    assert result.pairs[2].answer.endswith("- NEDD4\n- FOXL2\n- genes on chromosomes 2, 7 and 15")
    assert [d.reason for d in result.dropped] == ["question without an answer"]


def test_xml_errors_and_entities_never_expand():
    with pytest.raises(IngestError, match=r"bad.xml, line 3: malformed XML"):
        read_source(b"<?xml version='1.0'?>\n<Document id='1'>\n<QAPairs><QAPair></QAPairs>\n</Document>", "bad.xml")
    with pytest.raises(IngestError, match=r"other.xml, line 1: not a MedQuAD-style document"):
        read_source(b"<rss><channel/></rss>", "other.xml")
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n<Document id="1" source="X"><QAPairs><QAPair pid="1">'
            b"<Question>Q?</Question><Answer>A &b; &ext; end</Answer></QAPair></QAPairs></Document>")
    result = read_source(bomb, "bomb.xml")
    assert "aaaa" not in result.pairs[0].answer and "root:" not in result.pairs[0].answer


# -- detection by content ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("<!doctype html><p>x</p>", "html"),
        ("<?xml version='1.0'?><Document/>", "xml"),
        ("<Document id='1'/>", "xml"),
        ('[{"question": "a", "answer": "b"}]', "json"),
        ('{"pairs": []}', "json"),
        ('{"question": "a", "answer": "b"}\n{"question": "c", "answer": "d"}\n', "jsonl"),
        ("Question\tAnswer\nA?\tB\n", "tsv"),
        ("question,answer\nA?,B\n", "csv"),
        ("# FAQ\n\n## Is it?\n\nYes.\n", "markdown"),
        ("**Q: Is it?**\nA: Yes.\n", "markdown"),
        ("Is it free?\n\nYes, it is, mostly.\n", "text"),
    ],
)
def test_detect_format_by_content(text, fmt):
    assert sniff(text) == fmt
    assert detect_format("stdin", text) == fmt


def test_json_aliases_html_bodies_and_nested_groups():
    doc = (b'{"site": "Help", "categories": [{"name": "Shipping", "faqs": [{"Q": "Do you ship abroad?", "A": "Yes."}]},'
           b' {"name": "Returns", "articles": [{"title": "How do I return?", "html_url": "https://help.example/1",'
           b' "body": "<p>Use the form.</p><ul><li>Print</li><li>Post</li></ul>"}]}]}')
    result = read_source(doc, "help.json")
    assert [(p.question, p.answer, p.metadata.get("topic"), p.source) for p in result.pairs] == [
        ("Do you ship abroad?", "Yes.", "Shipping", None),
        ("How do I return?", "Use the form.\n\n- Print\n- Post", "Returns", "https://help.example/1"),
    ]
    assert [(p.question, p.answer) for p in read_source(b'[{"q": "Open?", "a": "Daily."}]', "l.json").pairs] == [
        ("Open?", "Daily.")
    ]


def test_csv_headers_found_by_their_words():
    text = b"Category;FAQ Question;Answer text\nBilling;Can I pay by card?;Yes, all major cards.\n"
    result = read_source(text, "faq.csv")
    assert [(p.question, p.answer, p.metadata) for p in result.pairs] == [
        ("Can I pay by card?", "Yes, all major cards.", {"topic": "Billing"})
    ]


def test_markdown_details_blocks_and_faq_sections():
    text = (b"# Tool\n\nIntro.\n\n## FAQ\n\n### Installation\n\nRun `pip install tool`.\n\n### Upgrading\n\n"
            b"Run `pip install -U tool`.\n\n<details>\n<summary><b>Does it work on Windows?</b></summary>\n\n"
            b"Yes, on Windows 10 and later.\n\n- WSL works too\n</details>\n\n## Licence\n\nMIT\n")
    result = read_source(text, "README.md")
    assert [(p.line, p.question, p.answer) for p in result.pairs] == [
        (7, "Installation", "Run `pip install tool`."),
        (11, "Upgrading", "Run `pip install -U tool`."),
        (15, "Does it work on Windows?", "Yes, on Windows 10 and later.\n\n- WSL works too"),
    ]


def test_json_lines_in_a_json_file_are_read_as_json_lines():
    text = b'{"question": "A?", "answer": "B."}\n{"question": "C?", "answer": "D."}\n'
    result = read_source(text, "mislabelled.json")
    assert result.format == "jsonl" and [p.question for p in result.pairs] == ["A?", "C?"]


def test_qna_maker_tsv_saved_by_a_spreadsheet_with_quoted_line_breaks():
    text = b'Question\tAnswer\tSource\tMetadata\n"How do I log in?"\t"Open the app.\n\nTap Sign in."\tEditorial\tarea:app\n'
    (pair,) = read_source(text, "sheet.tsv").pairs
    assert (pair.question, pair.answer, pair.metadata) == ("How do I log in?", "Open the app.\n\nTap Sign in.",
                                                           {"area": "app"})


def test_jsonld_answers_escaped_twice_are_still_html():
    page = (b'<script type="application/ld+json">{"@type": "FAQPage", "mainEntity": [{"@type": "Question", "name": "Q?",'
            b' "acceptedAnswer": {"@type": "Answer", "text": "&lt;p&gt;One.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;Two&lt;/li&gt;'
            b'&lt;/ul&gt;"}}]}</script>')
    assert read_source(page, "x.html").pairs[0].answer == "One.\n\n- Two"


def test_csv_with_old_mac_line_ends():
    result = read_source(b"Question,Answer\rIs it open?,Yes.\rIs it free?,No.\r", "mac.csv")
    assert [(p.question, p.answer) for p in result.pairs] == [("Is it open?", "Yes."), ("Is it free?", "No.")]


def test_markdown_questions_as_bold_list_items():
    text = (b"# Shop FAQ\n\n1. **How long is delivery?**\n   Three working days.\n\n   Express is next day.\n"
            b"2. **Can I return items?**\n   Yes, within 30 days:\n   - unused\n   - with tags\n\n"
            b"- **Do you ship abroad?** Only to the EU.\n")
    result = read_source(text, "shop.md")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("How long is delivery?", "Three working days.\n\nExpress is next day."),
        ("Can I return items?", "Yes, within 30 days:\n- unused\n- with tags"),
        ("Do you ship abroad?", "Only to the EU."),
    ]


def test_q_and_a_text_files():
    text = (b"Library FAQ\n\nQ: Can I renew online?\nA: Yes, up to three times, from your account.\n\n"
            b"Q: What are the fines\nA: None for children's books.\nAdults pay 20p a day.\n")
    result = read_source(text, "faq.txt")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("Can I renew online?", "Yes, up to three times, from your account."),
        ("What are the fines", "None for children's books.\nAdults pay 20p a day."),
    ]


def test_markdown_heading_attributes_are_not_part_of_the_question():
    result = read_source(b"## Why is the sky blue? {#sky .faq}\n\nRayleigh scattering.\n", "sky.md")
    assert [(p.question, p.answer) for p in result.pairs] == [("Why is the sky blue?", "Rayleigh scattering.")]
