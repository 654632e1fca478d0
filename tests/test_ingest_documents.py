"""PDF, Word and Excel FAQ documents, built here with the libraries people make them with."""

from __future__ import annotations

import io
import zipfile

import pytest

from oftenasked.errors import IngestError
from oftenasked.ingest import read_source
from oftenasked.ingest.records import QUESTION_FROM

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")
fpdf = pytest.importorskip("fpdf")


def _docx(build) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _bold(document, text: str) -> None:
    document.add_paragraph().add_run(text).bold = True


def test_word_faq_with_bold_numbered_and_q_a_questions_lists_and_tables():
    def build(d):
        d.add_heading("Gym membership: frequently asked questions", 0)
        _bold(d, "How do I freeze my membership?")
        d.add_paragraph("You can freeze it for up to three months a year:")
        d.add_paragraph("Open the app.", style="List Number")
        d.add_paragraph("Choose Membership, then Freeze.", style="List Number")
        _bold(d, "Can I bring a friend?")
        p = d.add_paragraph("Yes, on weekends. See the ")
        p.add_run("guest rules").italic = True
        p.add_run(" at the desk.")
        table = d.add_table(rows=2, cols=2)
        for (r, c), text in {(0, 0): "Plan", (0, 1): "Guests", (1, 0): "Basic", (1, 1): "1 a month"}.items():
            table.cell(r, c).text = text
        d.add_paragraph("Q: Opening hours")
        d.add_paragraph("A: 6am to 11pm, every day.")
        d.add_paragraph("What should I bring to my first class?", style="List Number")
        d.add_paragraph("A towel and a bottle of water.")
        d.add_paragraph("Share on Facebook")

    result = read_source(_docx(build), "gym.docx")
    assert result.format == "docx" and result.title == "Gym membership: frequently asked questions"
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("How do I freeze my membership?",
         "You can freeze it for up to three months a year:\n\n1. Open the app.\n2. Choose Membership, then Freeze."),
        ("Can I bring a friend?",
         "Yes, on weekends. See the *guest rules* at the desk.\n\n| Plan | Guests |\n| --- | --- |\n| Basic | 1 a month |"),
        ("Opening hours", "6am to 11pm, every day."),  # no "?": the Q: prefix marks it
        ("What should I bring to my first class?", "A towel and a bottle of water."),
    ]
    assert [p.line for p in result.pairs] == [2, 6, 9, 11]  # paragraph numbers in the document (a table is one)
    assert ("Share on Facebook", "share button", 13) in [(d.text, d.reason, d.line) for d in result.dropped]


def test_word_manual_headings_become_questions_marked_as_such():
    def build(d):
        d.add_heading("Dishwasher DW-400 manual", 0)
        d.add_heading("Installing", 1)
        d.add_paragraph("Place the machine on a level floor.")
        d.add_heading("Water supply", 2)
        d.add_paragraph("Connect the hose to a cold tap.")
        d.add_paragraph("Open the tap fully.", style="List Bullet")
        d.add_paragraph("Check for leaks.", style="List Bullet")
        d.add_heading("Cleaning the filter", 1)
        d.add_paragraph("Twist the filter anticlockwise and rinse it.")

    result = read_source(_docx(build), "manual.docx")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("Installing", "Place the machine on a level floor."),
        ("Water supply", "Connect the hose to a cold tap.\n\n- Open the tap fully.\n- Check for leaks."),
        ("Cleaning the filter", "Twist the filter anticlockwise and rinse it."),
    ]
    assert all(p.metadata == {QUESTION_FROM: "heading"} for p in result.pairs)


def test_excel_sheets_are_read_like_csv_files():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Read me"
    sheet.append(["This workbook holds our FAQ. Edit the other sheets."])
    billing = book.create_sheet("Billing")
    billing.append(["Question", "Answer", "Category"])
    billing.append(["When am I billed?", "On the 1st of each month.", "billing"])
    billing.append(["Do you refund?", None, "billing"])  # an empty answer: skipped and reported
    billing.append(["Can I pay by card?", "Yes:\n- Visa\n- Mastercard", "billing"])
    billing.append(["How much is it?", "=2*5", "billing"])  # a formula without a cached value
    delivery = book.create_sheet("Delivery")
    delivery.append(["Do you ship abroad?", "To the EU only."])
    delivery.append(["How long does it take?", 2])
    out = io.BytesIO()
    book.save(out)
    result = read_source(out.getvalue(), "faq.xlsx")
    assert result.format == "xlsx"
    assert [(p.question, p.answer, p.line, p.metadata.get("sheet")) for p in result.pairs] == [
        ("When am I billed?", "On the 1st of each month.", 2, "Billing"),
        ("Can I pay by card?", "Yes:\n- Visa\n- Mastercard", 4, "Billing"),
        ("Do you ship abroad?", "To the EU only.", 1, "Delivery"),
        ("How long does it take?", "2", 2, "Delivery"),
    ]
    assert result.pairs[0].metadata["topic"] == "billing"
    reasons = {(d.line, d.text, d.reason) for d in result.dropped}
    assert (3, "Do you refund?", "record skipped, field 'answer': is empty") in reasons
    assert (5, "How much is it?", "record skipped, field 'answer': is empty") in reasons  # no value computed
    assert any(d.reason == "sheet without question and answer columns" for d in result.dropped)
    with pytest.raises(IngestError, match=r"faq.xlsx \(sheet 'Billing'\), line 3, field 'answer': is empty"):
        read_source(out.getvalue(), "faq.xlsx", strict=True)


def _pdf(pages) -> bytes:
    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    for number, draw in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(10, 285)
        pdf.cell(0, 5, f"Acme Help Centre - returns FAQ - page {number}")
        pdf.set_xy(10, 15)
        draw(pdf)
    return bytes(pdf.output())


def _text(pdf, text: str, style: str = "", size: int = 11) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def test_pdf_faq_bold_and_run_in_questions_lists_headers_dropped():
    long = ("Pack it in its box and print the label from your account page. We refund within five days of"
            " receiving it, to the card you paid with.")

    def first(pdf):
        _text(pdf, "Returns FAQ", size=22)
        _text(pdf, "How do I return an item?", "B")
        _text(pdf, long)
        _text(pdf, "- Keep the receipt.")
        _text(pdf, "- Use any post office.")
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 11)
        pdf.write(6, "Is return postage free?")
        pdf.set_font("Helvetica", "", 11)
        pdf.write(6, " Yes, within the EU.")
        pdf.ln(10)

    def second(pdf):
        _text(pdf, "1. Can I exchange a gift?", "B")
        _text(pdf, "Yes, with the gift receipt.")

    def third(pdf):
        _text(pdf, "Q: Damaged parcels")
        _text(pdf, "A: Photograph the box and write to us within 48 hours.")

    result = read_source(_pdf([first, second, third]), "returns.pdf")
    assert result.format == "pdf" and result.title == "Returns FAQ"
    assert [(p.question, p.answer, p.line) for p in result.pairs] == [
        ("How do I return an item?", long + "\n\n- Keep the receipt.\n- Use any post office.", 1),
        ("Is return postage free?", "Yes, within the EU.", 1),
        ("Can I exchange a gift?", "Yes, with the gift receipt.", 2),
        ("Damaged parcels", "Photograph the box and write to us within 48 hours.", 3),
    ]
    footers = [d for d in result.dropped if d.reason == "page header or footer"]
    assert [d.line for d in footers] == [1, 2, 3] and footers[0].text == "Acme Help Centre - returns FAQ - page 1"


def test_pdf_manual_headings_are_the_questions():
    def page(pdf):
        _text(pdf, "Kettle K2 user guide", size=22)
        _text(pdf, "Descaling", size=15)
        _text(pdf, "Boil a mix of water and vinegar, leave it for an hour, then rinse twice.")
        _text(pdf, "Safety", size=15)
        _text(pdf, "Never immerse the base in water.")

    result = read_source(_pdf([page]), "kettle.pdf")
    assert [(p.question, p.answer, p.metadata) for p in result.pairs] == [
        ("Descaling", "Boil a mix of water and vinegar, leave it for an hour, then rinse twice.",
         {QUESTION_FROM: "heading"}),
        ("Safety", "Never immerse the base in water.", {QUESTION_FROM: "heading"}),
    ]


def test_damaged_documents_and_zip_bombs_are_clear_errors(monkeypatch):
    with pytest.raises(IngestError, match=r"broken.pdf: not a readable PDF"):
        read_source(b"%PDF-1.7\nnot really", "broken.pdf")
    with pytest.raises(IngestError, match=r"broken.docx: not a readable Word"):
        read_source(b"PK\x03\x04 nothing", "broken.docx")
    from oftenasked.ingest import documents

    monkeypatch.setattr(documents, "MAX_UNPACKED", 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b" " * (4 * 1024 * 1024))
    with pytest.raises(IngestError, match="bomb.docx: too large once unpacked"):
        read_source(bomb.getvalue(), "bomb.docx")
    # Named by their content when their name does not say.
    assert read_source(_pdf([lambda pdf: _text(pdf, "Is it free?\n\nYes.")]), "download").format == "pdf"


def test_pdf_tables_are_kept_as_markdown_tables():
    def page(pdf):
        _text(pdf, "What does each plan cost?", "B")
        _text(pdf, "Prices per month:")
        with pdf.table() as table:
            for cells in (("Plan", "Price"), ("Basic", "5 EUR"), ("Family", "12 EUR")):
                row = table.row()
                for cell in cells:
                    row.cell(cell)
        pdf.ln(4)
        _text(pdf, "Can I switch plans?", "B")
        _text(pdf, "Yes, at any time.")

    result = read_source(_pdf([page]), "plans.pdf")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("What does each plan cost?",
         "Prices per month:\n\n| Plan | Price |\n| --- | --- |\n| Basic | 5 EUR |\n| Family | 12 EUR |"),
        ("Can I switch plans?", "Yes, at any time."),
    ]


def test_word_faq_typed_without_styles_with_categories_and_a_question_table():
    def build(d):
        d.add_heading("Library FAQ", 1)
        d.add_heading("Borrowing", 2)
        d.add_paragraph("How many books can I borrow?")
        d.add_paragraph("Up to 15 at a time.")
        d.add_paragraph("Can I renew online?")
        d.add_paragraph("Yes, twice, from your account.")
        d.add_heading("Membership", 2)
        d.add_paragraph("Who can join?")
        d.add_paragraph("Anyone who lives or works in the city.")
        line = d.add_paragraph("Q: Is it free")
        line.add_run().add_break()  # Shift+Enter: the answer on the next line of the same paragraph
        line.add_run("A: Yes, for residents.")
        table = d.add_table(rows=3, cols=2)
        cells = {(0, 0): "Question", (0, 1): "Answer", (1, 0): "Wi-Fi", (1, 1): "Free, in every branch.",
                 (2, 0): "Can I print?", (2, 1): "10 cents a page."}
        for (r, c), text in cells.items():
            table.cell(r, c).text = text

    result = read_source(_docx(build), "library.docx")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("How many books can I borrow?", "Up to 15 at a time."),
        ("Can I renew online?", "Yes, twice, from your account."),
        ("Who can join?", "Anyone who lives or works in the city."),
        ("Is it free", "Yes, for residents."),
        ("Wi-Fi", "Free, in every branch."),  # the table's header says its first column holds the questions
        ("Can I print?", "10 cents a page."),
    ]
    assert {(d.text, d.reason) for d in result.dropped} == {("Borrowing", "heading outside the questions"),
                                                            ("Membership", "heading outside the questions")}


def test_pdf_faq_typed_without_bold_questions():
    def page(pdf):
        _text(pdf, "Library FAQ", size=20)
        _text(pdf, "Borrowing", size=15)
        _text(pdf, "How many books can I borrow?")
        _text(pdf, "Up to 15 at a time, for three weeks. You can renew them twice online or at the desk unless"
                   " someone else has reserved them.")
        _text(pdf, "Can I renew online?")
        _text(pdf, "Yes.")

    result = read_source(_pdf([page]), "library.pdf")
    assert [p.question for p in result.pairs] == ["How many books can I borrow?", "Can I renew online?"]
    assert result.pairs[0].answer.endswith("unless someone else has reserved them.")


def test_documents_in_a_folder_go_in_and_a_missing_extra_names_what_to_install(hash_kb, tmp_path, monkeypatch):
    import importlib.util

    (tmp_path / "gym.docx").write_bytes(_docx(lambda d: (_bold(d, "Is there a pool?"), d.add_paragraph("Yes, 25 m."))))
    book = openpyxl.Workbook()
    book.active.append(["Question", "Answer"])
    book.active.append(["Is there parking?", "Yes, free."])
    book.save(tmp_path / "gym.xlsx")
    report = hash_kb.ingest([tmp_path])
    assert sorted(p.question for p in hash_kb.pairs()) == ["Is there a pool?", "Is there parking?"]
    assert {s.format for s in report.sources} == {"docx", "xlsx"}
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a))
    with pytest.raises(IngestError, match=r"gym.xlsx: Reading Excel workbooks needs an optional dependency: "
                                          r"pip install 'oftenasked\[documents\]'"):
        read_source((tmp_path / "gym.xlsx").read_bytes(), "gym.xlsx")
