"""Layouts of the wild web (issue 15): a corpus of our own pages, written in the spirit of real sites.

Each page is one family of layouts that went wrong: bold questions run into the previous answer,
structured data that disagrees with the page, <details> and toggles that are not questions,
clutter glued onto answers, questions without "?", link spacing, and pages with no questions.
"""

from __future__ import annotations

from pathlib import Path

from oftenasked.ingest import read_source
from oftenasked.ingest.html import read_html
from oftenasked.ingest.records import QUESTION_FROM

WILD = Path(__file__).parent / "fixtures" / "ingest" / "wild"


def read(name: str, origin: str | None = None):
    path = WILD / name
    return read_source(path.read_bytes(), origin or str(path))


def reasons(result) -> dict[str, str]:
    return {d.text: d.reason for d in result.dropped}


def test_bold_questions_run_into_the_previous_answer():
    result = read("gov-run-in.html")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("Who has to pay council tax?",
         "Usually the person who lives in the home, if they are 18 or over. Owners pay for empty homes."),
        ("How is my bill worked out?",
         "Your bill depends on the valuation band of your home and on the discounts you get.\n\n"
         "Bands run from A to H; the band table lists this year's charges."),
        ("Can I pay in instalments?",
         "Yes, in 10 or 12 monthly payments. Choose the date of your payment when you set up a Direct Debit."),
        ("What if I disagree with my band?",
         "You can challenge it with the Valuation Office Agency within six months of moving in.\n\n"
         "Is the band reviewed every year? No, bands only change when a home is altered."),
    ]


def test_one_bold_phrase_with_a_question_mark_is_not_a_layout():
    page = ("<h2>Can I freeze bread?</h2><p>Yes. Ask yourself: <strong>will I eat it this week?</strong> If not,"
            " freeze it sliced.</p>")
    assert [p.answer for p in read_html(page, "bread.html").pairs] == [
        "Yes. Ask yourself: **will I eat it this week?** If not, freeze it sliced."
    ]


def test_the_page_is_followed_when_its_json_ld_disagrees_and_product_toggles_are_dropped():
    result = read("shop-broken-jsonld.html")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("Is the cream vegan?", "Yes, it contains no animal products."),
        ("Does it stain clothes?", "No, it absorbs within a minute."),
        ("How long does a tube last?", "About two months of daily use."),
        ("Can children use it?", "Yes, from three years old."),
    ]
    disagreements = [d for d in result.dropped if d.reason.startswith("structured data disagrees with the page")]
    assert len(disagreements) == 1 and "holds 3 other questions" in disagreements[0].reason
    assert reasons(result)["Ingredients"] == "product panel, not a question"
    assert reasons(result)["Shipping & returns"] == "product panel, not a question"


def test_json_ld_with_fewer_items_than_the_page_is_reported_and_the_page_kept():
    page = """<script type="application/ld+json">{"@type": "FAQPage", "mainEntity": [
      {"@type": "Question", "name": "Is it open on Sundays?", "acceptedAnswer": {"text": "Yes, 10 to 4."}}]}</script>
      <div class="accordion"><button class="accordion-button">Is it open on Sundays?</button>
      <div class="accordion-collapse"><p>Yes, from 10 to 4.</p></div>
      <button class="accordion-button">Can I bring my dog?</button><div class="accordion-collapse"><p>On a lead.</p></div>
      <button class="accordion-button">Is there a café?</button><div class="accordion-collapse"><p>By the lake.</p></div>
      </div>"""
    result = read_html(page, "park.html")
    assert [p.question for p in result.pairs] == ["Is it open on Sundays?", "Can I bring my dog?", "Is there a café?"]
    (line,) = [d for d in result.dropped if d.reason.startswith("structured data disagrees")]
    assert "the page shows 2 questions the structured data lacks" in line.reason
    # When they agree, nothing is reported.
    agreeing = page.replace('"mainEntity": [', '"mainEntity": [{"@type": "Question", "name": "Can I bring my dog?",'
                            ' "acceptedAnswer": {"text": "On a lead."}}, {"@type": "Question", "name": "Is there a café?",'
                            ' "acceptedAnswer": {"text": "By the lake."}},')
    assert not [d for d in read_html(agreeing, "park.html").dropped if d.reason.startswith("structured data")]


def test_details_that_are_not_questions_and_clutter_glued_onto_answers():
    result = read("health-details.html")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("What causes shin splints?", "Doing too much too soon: a sudden rise in mileage, hills or hard surfaces.\n\n"
                                      "Flat feet and worn shoes add to the strain."),
        ("How long do shin splints last?", "Usually two to four weeks with rest."),
        ("Can I keep running with shin splints?", "Only if the pain is mild and fades as you warm up."),
    ]
    why = reasons(result)
    assert why["Expert reviewed"] == "badge, not a question"
    assert why["Choose your age group"] == "picker, not a question"
    assert why["References"] == "references, not a question"
    assert why["“Most runners recover in two to four weeks.”"] == "pull quote"
    assert why["Book a free consultation"] == "call to action"
    assert why["Sign up for our newsletter"] == "call to action"
    assert why["About the author"] == "author box"
    assert why["Written by Mark Hollis. Mark has coached runners for 15 years."] == "author box"
    assert "disclaimer" in [d.reason for d in result.dropped if d.text.startswith("Disclaimer:")]


def test_questions_without_a_question_mark_where_the_layout_marks_them():
    interview = read("interview.html")
    assert [(p.question, p.answer) for p in interview.pairs] == [
        ("Tell us about your first ultra.", "It was a 50 km trail race in the rain. I walked the last ten."),
        ("How do you train in winter?", "Mostly on a treadmill, with one long run outside on Sundays."),
        ("Your advice for beginners", "Start slower than you think you should, and eat before you are hungry."),
        ("What is next for you", "The Spine Race in January."),
    ]
    museum = read("faq-section-mixed.html", "https://museum.example/visit")
    assert [p.question for p in museum.pairs] == ["Opening hours", "Is there parking?", "Tickets and prices"]
    # Inline spacing is kept exactly, inside and around links and emphasis.
    answers = [p.answer for p in museum.pairs]
    assert answers[0] == "Tuesday to Sunday, *10:00 to 17:00*; closed on Mondays."
    assert answers[1] == "Yes: read about the [car park](https://museum.example/visit/parking) and its prices."
    assert answers[2] == ("Entry is free. Special exhibitions cost **€8**, [booked online](https://museum.example/shop)"
                          " or at the desk.")
    assert "Getting here" not in [p.question for p in museum.pairs]  # a heading after the FAQ section


def test_accordion_titles_without_a_question_mark_stay_questions_but_page_panels_do_not():
    page = """<h2>FAQ</h2><div class="faq"><details><summary>Opening hours</summary><p>9 to 5.</p></details>
      <details><summary>Prices</summary><p>Free.</p></details></div>"""
    assert [p.question for p in read_html(page, "faq.html").pairs] == ["Opening hours", "Prices"]
    services = """<h1>Our services</h1><div class="elementor-accordion">
      <div class="elementor-accordion-item"><div class="elementor-tab-title">Delivery times</div>
      <div class="elementor-tab-content">Two days, or next day for 5 euros.</div></div>
      <div class="elementor-accordion-item"><div class="elementor-tab-title">Table of contents</div>
      <div class="elementor-tab-content">1. Delivery 2. Returns</div></div></div>"""
    result = read_html(services, "services.html")
    assert [(p.question, p.answer) for p in result.pairs] == [("Delivery times", "Two days, or next day for 5 euros.")]
    assert reasons(result)["Table of contents"] == "page panel, not a question"


def test_a_help_article_without_questions_becomes_passages_split_at_its_headings():
    result = read("help-article.html")
    assert [(p.question, p.metadata[QUESTION_FROM]) for p in result.pairs] == [
        ("Exporting your invoices", "title"), ("Export as CSV", "heading"), ("Export as PDF", "heading"),
    ]
    assert result.pairs[1].answer.startswith("1. Open **Invoices**.\n2. Choose **Export**, then **CSV**.")
    assert not [d for d in result.dropped if d.reason.startswith(("heading outside", "text outside"))]


def test_records_and_markdown_without_questions_use_their_title():
    record = b'{"title": "Resetting your router", "answer": "Hold the reset button for ten seconds."}\n'
    (pair,) = read_source(record, "articles.jsonl").pairs
    assert (pair.question, pair.metadata) == ("Resetting your router", {QUESTION_FROM: "title"})
    table = b"title,body\nResetting your router,Hold the reset button for ten seconds.\n"
    (pair,) = read_source(table, "articles.csv").pairs
    assert pair.question == "Resetting your router"
    markdown = b"# Router guide\n\nThe basics of your router.\n\n## Resetting\n\nHold the reset button for ten seconds.\n"
    assert [(p.question, p.metadata[QUESTION_FROM]) for p in read_source(markdown, "router.md").pairs] == [
        ("Router guide", "title"), ("Resetting", "heading")
    ]


def test_q_lines_broken_by_br_and_headings_in_a_faq_block():
    qa = ("<article><p><strong>Q: How do I reset my password?</strong><br>A: Use the link on the sign-in page.</p>"
          "<p><strong>Q: Can I change my email</strong><br>A: Yes, in Settings.</p></article>")
    assert [(p.question, p.answer) for p in read_html(qa, "qa.html").pairs] == [
        ("How do I reset my password?", "Use the link on the sign-in page."), ("Can I change my email", "Yes, in Settings."),
    ]
    box = ("<h1>Help</h1><div class='faq'><h3 class='faq-title'>Shipping</h3><p>We ship worldwide in 3 days.</p>"
           "<h3 class='faq-title'>Returns</h3><p>Within 30 days.</p></div>")
    assert [p.question for p in read_html(box, "box.html").pairs] == ["Shipping", "Returns"]
    categories = ("<div class='faq'><h2>Billing</h2><p><strong>When am I billed?</strong> On the 1st.</p>"
                  "<h2>Account</h2><p><strong>Can I close it?</strong> Any time.</p></div>")
    assert [p.question for p in read_html(categories, "cat.html").pairs] == ["When am I billed?", "Can I close it?"]
