"""HTML pages: every FAQ layout gives exactly the pairs on the page, no clutter, no lost answer text."""

from __future__ import annotations

from pathlib import Path

import pytest

from oftenasked.errors import IngestError
from oftenasked.ingest import detect_format, read_source
from oftenasked.ingest.html import read_html

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def read(name: str):
    path = FIXTURES / name
    return read_html(path.read_text(encoding="utf-8"), str(path))


def everything(result) -> str:
    return "\n".join(f"{p.question}\n{p.answer}" for p in result.pairs)


def assert_no_clutter(result, *clutter: str) -> None:
    text = everything(result)
    for bit in clutter:
        assert bit not in text, f"clutter {bit!r} kept"


def assert_kept(result, *snippets: str) -> None:
    text = everything(result)
    for bit in snippets:
        assert bit in text, f"answer text {bit!r} lost"


def reasons(result) -> set[str]:
    return {d.reason for d in result.dropped}


def test_wordpress_page_with_yoast_faq_and_all_the_clutter():
    result = read("wordpress-yoast.html")
    assert [p.question for p in result.pairs] == [
        "Why does my lower back hurt when I run?",
        "Should I keep running if my back hurts?",
        "Which stretches help a runner's lower back?",
        "Can worn-out shoes cause back pain?",
        "How long should I rest a sore back?",
    ]
    assert result.title == "Running With Back Pain: Your Questions Answered"
    stretches = result.pairs[2].answer
    assert "1. Knee-to-chest stretch, 30 seconds each side.\n2. Cat–cow" in stretches
    assert "[stretching guide](https://stridewell.example/stretching-guide/)" in stretches
    assert_no_clutter(
        result, "cookies", "Facebook", "Pinterest", "Is running bad for your knees", "shin splints", "Leave a Reply",
        "Marcus", "Recent Posts", "CloudRunner", "Proudly powered", "Skip to content", "Hill repeats", "Menu",
    )
    assert {"cookie notice", "navigation", "share button", "cross-link to another page", "comment form",
            "advertisement"} <= reasons(result)
    assert all(p.line for p in result.pairs)


def test_jsonld_is_preferred_and_visible_copies_are_not_counted_twice():
    result = read("health-jsonld.html")
    questions = [p.question for p in result.pairs]
    assert questions == [
        "Who should get the flu vaccine?",
        "Can the flu vaccine give me flu?",
        "When is the best time to get vaccinated?",
        "How do I know if I have flu or a cold?",
        "Should I stay off work with flu?",  # on the page, not in the JSON-LD: still found
    ]
    first = result.pairs[0].answer
    assert first == (
        "The vaccine is offered free to:\n\n- adults aged 65 and over\n- people with long-term conditions such as"
        " diabetes or asthma\n- pregnant women\n- children aged 2 to 11\n\nAsk your pharmacist if you are not sure."
    )
    timing = result.pairs[2].answer
    assert "**before flu starts spreading**" in timing and "*two weeks*" in timing
    assert "[our vaccine team](mailto:vaccines@riversidehealth.example)" in timing
    assert "/flu/clinics" not in timing  # a relative link with no page address keeps its text only
    assert result.pairs[3].answer.count("\n\n") == 1  # plain-text paragraphs stay paragraphs
    assert_no_clutter(result, "cookies", "Health A to Z", "Share on", "Accessibility", "Was this page useful")


def test_help_centre_details_summary():
    result = read("help-centre-details.html")
    assert [p.question for p in result.pairs] == [
        "How do I change the card I pay with?",
        "When will I be charged?",
        "Can I get a refund for an unused label?",
        "Do you charge VAT?",
    ]
    card = result.pairs[0].answer
    assert card.startswith("1. Go to [Account > Billing]") is False  # relative link: no page address, text kept
    assert "1. Go to Account > Billing.\n2. Select **Payment methods**." in card
    assert "   - Visa, Mastercard and American Express are accepted.\n   - Prepaid cards are not." in card
    assert card.endswith("The new card is used from your next invoice.")
    assert result.pairs[1].answer.startswith("On the first working day")  # text directly inside <details>
    assert "javascript" not in result.pairs[3].answer
    assert_no_clutter(result, "Was this article helpful", "Sign in", "Search", "Still need help", "registered in")
    assert "feedback widget" in reasons(result)


def test_bootstrap_accordions_version_4_and_5():
    result = read("bootstrap-accordion.html")
    assert [p.question for p in result.pairs] == [
        "Do I need to book a swim?", "What should I bring?", "Can I freeze my membership?", "How do I cancel?"
    ]
    assert result.pairs[1].answer == "- A swimming costume (no cotton shorts)\n- A towel\n- A £1 coin for the lockers"
    assert result.pairs[2].answer.count("\n\n") == 1
    assert_no_clutter(result, "Timetable", "Greenfield Pool")


def test_elementor_accordion_and_toggle():
    result = read("elementor-accordion.html")
    assert [p.question for p in result.pairs] == [
        "What vaccinations does my dog need?", "Is there a trial day?", "What are your opening hours"
    ]
    assert result.pairs[2].answer == "Monday to Friday, 7:30am to 6:30pm.\nClosed on bank holidays."
    assert_no_clutter(result, "Facebook", "Prices", "Mill Lane")


def test_microdata():
    result = read("microdata.html")
    assert [p.question for p in result.pairs] == [
        "Who can join the library?", "How many books can I borrow?", "What if I lose my card?"
    ]
    assert result.pairs[1].answer == "Up to **15 items** at a time:\n\n- 12 books\n- 3 DVDs or audiobooks"
    assert_no_clutter(result, "Catalogue", "Council")


def test_definition_list_faq_and_glossary_left_alone():
    result = read("dl-faq.html")
    assert [p.question for p in result.pairs] == [
        "How long is the waiting list?", "Can I share a plot?", "What can't I grow?"
    ]
    assert result.pairs[1].answer.endswith("\n\nOnly the named tenant can vote at the annual meeting.")
    assert_no_clutter(result, "01632", "Phone")


def test_headings_bold_lines_and_qa_prefixes():
    result = read("headings-faq.html")
    assert [p.question for p in result.pairs] == [
        "What can I put in my compost bin?",
        "Where should the bin go?",
        "Why does my compost smell?",
        "How long does compost take?",
        "Can I compost dog poo?",
    ]
    answers = [p.answer for p in result.pairs]
    assert "- Greens: vegetable peelings, grass cuttings, coffee grounds\n  - Avoid cooked food" in answers[0]
    assert "[guide to browns and greens](https://greenbin.example/guides/browns-and-greens.html)" in answers[0]
    assert "**On a patio**\n\nAdd a spade of soil" in answers[1]  # a sub-heading stays in its answer
    assert answers[3] == "Six months to two years. Turning it every few weeks speeds it up."
    assert answers[4].startswith("Not in a normal bin.")  # "A:" prefix gone
    assert_no_clutter(result, "ad blocker", "worm farms", "Pin it", "Share on Facebook", "volunteers", "Still stuck")
    assert {"ad-blocker notice", "cross-link to another page", "share button"} <= reasons(result)


def test_several_jsonld_blocks_graph_and_malformed_block():
    page = """<html><head>
    <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},
      {"@type":"FAQPage","mainEntity":[{"@type":"Question","name":"One?","acceptedAnswer":{"@type":"Answer",
      "text":"First &amp; only."}}]}]}</script>
    <script type="application/ld+json">{"@type": "FAQPage", "mainEntity": {"@type": "Question", "name": "Two?",
      "acceptedAnswer": {"@type": "Answer", "text": "<p>Second.</p><script>alert(1)<\\/script>"}}}</script>
    <script type="application/ld+json">{"@type": "FAQPage", "mainEntity": [ broken </script>
    </head><body><p>Nothing visible.</p></body></html>"""
    result = read_html(page, "two.html")
    assert [(p.question, p.answer) for p in result.pairs] == [("One?", "First & only."), ("Two?", "Second.")]
    assert "malformed JSON-LD" in reasons(result)


def test_plain_paragraph_questions_when_nothing_else_marks_them():
    page = "<html><body><p>How old is the castle?</p><p>About 900 years.</p><p>Is it open?</p><p>Daily.</p></body></html>"
    result = read_html(page, "p.html")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("How old is the castle?", "About 900 years."), ("Is it open?", "Daily.")
    ]


def test_markdown_looking_text_stays_text():
    page = ("<html><body><h2>What is a heading?</h2><p># not a heading</p><p>1. not a list</p>"
            "<p><a href='#toc'>Return to Table of Contents</a></p></body></html>")
    answer = read_html(page, "x.html").pairs[0].answer
    assert answer == "\\# not a heading\n\n1\\. not a list"


def test_empty_page_and_page_without_questions_are_clear_errors():
    with pytest.raises(IngestError, match="empty.html: empty page"):
        read_html("   \n", "empty.html")
    with pytest.raises(IngestError, match="about.html: no question-and-answer pairs found"):
        read_source(b"<html><body><h1>About us</h1><p>We sell bikes.</p></body></html>", "about.html")


def test_html_detected_by_content():
    assert detect_format("page", "<!DOCTYPE html><html><body></body></html>") == "html"
    assert detect_format("saved.txt", "  <html lang='en'><body>") == "html"
    assert detect_format("faq.htm", "whatever") == "html"


def test_ingest_saved_page_into_a_knowledge_base(hash_kb):
    report = hash_kb.ingest([FIXTURES / "wordpress-yoast.html"])
    (source,) = report.sources
    assert source.error is None and source.format == "html" and source.kept == 5
    assert any(d.reason == "comment form" for d in source.dropped)
    best = hash_kb.ask("how long to rest a sore back", threshold=0.0).best
    assert best is not None and best.pair.question == "How long should I rest a sore back?"
    assert best.pair.source == "https://stridewell.example/running-back-pain/#faq-question-1680423320005"


def test_squarespace_accordion_block():
    result = read("squarespace-accordion.html")
    assert [p.question for p in result.pairs] == [
        "Do I need any experience for the beginner wheel class?", "When can I collect my pots?", "Gift vouchers"
    ]
    assert result.pairs[1].answer.endswith("\n\nWe email you when they are ready.")
    assert_no_clutter(result, "mailing list", "Instagram", "Kiln Yard", "Classes")
    assert not any(d.reason == "text outside the questions" for d in result.dropped)  # nothing counted twice


def test_shopify_collapsible_rows():
    result = read("shopify-collapsible.html")
    assert [p.question for p in result.pairs] == ["How fresh is the coffee?", "Can I return opened coffee?"]
    assert "[email us](mailto:help@northwind.example)" in result.pairs[1].answer
    assert_no_clutter(result, "Subscribe", "Free shipping", "Northwind Coffee")


def test_zendesk_help_centre_article():
    result = read("zendesk-article.html")
    assert [p.question for p in result.pairs] == [
        "How do I turn on two-factor authentication?", "What happens if I lose my phone?",
        "Do you ever ask for my password?",
    ]
    assert result.pairs[0].answer.startswith("1. Open **Settings > Security**.\n2. Select **Enable 2FA**")
    assert_kept(result, "No backup codes? Contact support from the email address", "**Never.** We will not ask")
    assert_no_clutter(result, "Articles in this section", "export my data", "Was this article helpful",
                      "Related articles", "Recently viewed", "logged out", "Comments", "Submit a request", "Facebook")


def test_tables_rdfa_aria_disclosures_and_q_a_paragraphs():
    result = read("misc-layouts.html")
    assert sorted(p.question for p in result.pairs) == sorted([
        "Who gets a single person discount?",  # RDFa
        "When is council tax due?", "Can I pay in 12 instalments?",  # a two-column table
        "I'm moving house. What do I do?", "Are students exempt?",  # aria-controls disclosures
        "What if I cannot pay?",  # "**Q.** ... / **A.** ..." paragraphs
    ])
    answers = {p.question: p.answer for p in result.pairs}
    assert answers["What if I cannot pay?"] == "Call us as soon as possible on 01632 960999 to agree a payment plan."
    assert answers["Are students exempt?"].startswith("Full-time students are exempt.")


def test_large_pages_are_read_in_reasonable_time():
    import time

    page = "<html><body>" + "".join(
        f"<div class='accordion-item'><h2 class='accordion-header'><button data-bs-target='#c{i}'>Question {i}?"
        f"</button></h2><div id='c{i}' class='accordion-collapse collapse'><div class='accordion-body'><p>Answer {i}."
        "</p></div></div></div>" for i in range(1000)
    ) + "</body></html>"
    start = time.perf_counter()
    result = read_html(page, "big.html")
    assert len(result.pairs) == 1000
    assert time.perf_counter() - start < 5


def test_the_seed_page_saved_as_html_gives_the_same_twelve_pairs_as_its_text():
    from oftenasked.ingest.plaintext import read_plaintext

    from .conftest import SEED

    html = read("seed-page.html")
    text = read_plaintext(SEED.read_text(encoding="utf-8"), str(SEED))
    assert [p.question for p in html.pairs] == [p.question for p in text.pairs]
    assert [p.answer.replace("**", "") for p in html.pairs] == [p.answer for p in text.pairs]
    assert_no_clutter(html, "Share on Pinterest", "You might be interested", "Coffee when pregnant", "tax deadline",
                      "Leave a Reply", "Adblock", "Recent Posts", "Filed Under")
    assert all(d.line for d in html.dropped)


def test_faq_sections_qa_lists_q_lines_and_other_scripts():
    result = read("more-layouts.html")
    answers = {p.question: p.answer for p in result.pairs}
    assert list(answers) == [
        "Can I bring a friend to a class?",  # JSON-LD; its visible copy under "Bring a friend" is not counted again
        "Parking", "Showers and lockers",  # headings under "Frequently asked questions"
        "How often should I practise?", "Is yoga a workout?", "What should I eat before class?",  # a list of Q&A
        "Do you offer gift cards",  # "Q:" / "A:" paragraphs
        "営業時間は？",
    ]
    assert answers["Parking"] == "There are 12 free spaces behind the studio.\n\nStreet parking is free after 6pm."
    assert answers["Showers and lockers"].endswith("[or buy one](https://studio.example/locks).")  # no sr-only text
    assert answers["Is yoga a workout?"] == "It can be: power classes raise your heart rate as much as a jog."
    assert_no_clutter(result, "price list", "opens in a new tab")


def test_hand_made_toggles_and_panels():
    page = """<html><body><h1>FAQ</h1>
    <button class="accordion">Opening hours</button>
    <div class="panel"><p>9 to 5.</p></div>
    <button class="accordion">How do I pay?</button>
    <div class="panel"><p>By card.</p><p>Or cash.</p></div>
    <details class="collapse collapse-plus"><summary class="collapse-title">Is there parking?</summary>
      <div class="collapse-content"><p>Yes, 20 spaces.</p></div></details>
    <div class="faq-item"><button class="faq-question">Refunds?</button><div class="faq-answer">Within 30 days.</div></div>
    </body></html>"""
    result = read_html(page, "hand.html")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("Opening hours", "9 to 5."), ("How do I pay?", "By card.\n\nOr cash."), ("Is there parking?", "Yes, 20 spaces."),
        ("Refunds?", "Within 30 days."),
    ]


def test_reingesting_an_edited_page_applies_exactly_the_edits(hash_kb, tmp_path):
    page = tmp_path / "faq.html"
    original = (FIXTURES / "help-centre-details.html").read_text(encoding="utf-8")
    page.write_text(original, encoding="utf-8")
    first = hash_kb.ingest([page]).sources[0]
    assert len(first.added) == 4
    edited = (original.replace("Prices on the website include VAT at 20%.", "Prices include VAT at 21%.")
              .replace("When will I be charged?", "When do you charge me?"))
    page.write_text(edited, encoding="utf-8")
    second = hash_kb.ingest([page]).sources[0]
    questions = {p.id: p.question for p in hash_kb.pairs()}
    assert [questions[i] for i in second.added] == ["When do you charge me?"]
    assert [questions[i] for i in second.changed] == ["Do you charge VAT?"]
    assert len(second.removed) == 1 and second.unchanged == 2
    assert len(hash_kb) == 4
    assert hash_kb.remove_source(str(page)) == 4 and len(hash_kb) == 0


def test_whole_page_forms_big_footers_and_css_only_accordions():
    footer = "<footer><ul>" + "".join(f"<li><a href='/l{i}'>Footer link {i}</a></li>" for i in range(80)) + "</ul></footer>"
    aspnet = ("<html><body><form id='aspnetForm' action='default.aspx'><input type='hidden' name='__VIEWSTATE'>"
              "<div class='main'><h2>How do I join?</h2><p>Online.</p><h2>Is it free?</h2><p>Yes.</p></div>"
              "</form><form class='search' action='/search'><input name='q'><button>Search</button></form>"
              f"{footer}</body></html>")
    result = read_html(aspnet, "aspnet.html")
    assert [(p.question, p.answer) for p in result.pairs] == [("How do I join?", "Online."), ("Is it free?", "Yes.")]
    assert_no_clutter(result, "Footer link", "Search")
    css = ("<html><body><h1>FAQ</h1><div class='tab'><input type='checkbox' id='c1'><label for='c1'>Delivery times"
           "</label><div class='tab-content'>Three days.</div></div><div class='tab'><input type='checkbox' id='c2'>"
           "<label for='c2'>Cancelling</label><div class='content'>Any time.</div></div></body></html>")
    assert [(p.question, p.answer) for p in read_html(css, "css.html").pairs] == [
        ("Delivery times", "Three days."), ("Cancelling", "Any time.")
    ]


def test_content_whose_class_mentions_sharing_is_kept():
    page = ("<html><body><div class='entry-content has-share-buttons'><h2>How do I join?</h2><p>Online.</p>"
            "<h2>Is it free?</h2><p>Yes.</p></div><div class='share-buttons'><a>Share on Facebook</a></div>"
            "<div class='comments-area'><p>Does it work in winter?</p></div></body></html>")
    result = read_html(page, "share.html")
    assert [(p.question, p.answer) for p in result.pairs] == [("How do I join?", "Online."), ("Is it free?", "Yes.")]


def test_old_school_table_layout_with_font_tags_and_a_link_bar():
    page = b"""<HTML><HEAD><TITLE>Club FAQ</TITLE></HEAD><BODY BGCOLOR=white>
<TABLE WIDTH=600><TR><TD><FONT FACE=Arial><B>When do you meet?</B><BR>Every Tuesday at 7pm in the village hall.<P>
<B>How much does it cost?</B><BR>&pound;3 a night, first night free.<P>
<B>Do I need my own board?</B><BR>No, we have plenty.</FONT></TD></TR>
<TR><TD><A HREF="index.html">Home</A> | <A HREF="contact.html">Contact</A></TD></TR></TABLE></BODY></HTML>"""
    result = read_html(page.decode(), "club.html")
    assert [(p.question, p.answer) for p in result.pairs] == [
        ("When do you meet?", "Every Tuesday at 7pm in the village hall."),
        ("How much does it cost?", "£3 a night, first night free."),
        ("Do I need my own board?", "No, we have plenty."),
    ]
    assert ("Home | Contact", "navigation") in [(d.text, d.reason) for d in result.dropped]


def test_pairs_keep_page_order_across_strategies():
    page = ("<html><body>\n<h2>First?</h2>\n<p>One.</p>\n<details><summary>Second?</summary>\n<p>Two.</p></details>\n"
            "<h2>Third?</h2>\n<p>Three.</p>\n</body></html>")
    assert [p.question for p in read_html(page, "order.html").pairs] == ["First?", "Second?", "Third?"]


def test_docs_sites_permalinks_and_confluence_expands():
    page = """<html><body><div class="md-content"><h1>FAQ</h1>
<h2 id="install">How do I install it?<a class="headerlink" href="#install" title="Permanent link">¶</a></h2><p>Run pip.</p>
<h2 id="up">Can I upgrade?<a href="#up" class="hash-link" aria-label="Direct link">&#8203;</a></h2><p>Yes.</p>
<div class="expand-container"><div class="expand-control"><span class="expand-control-text">Licence terms</span></div>
<div class="expand-content"><p>MIT.</p></div></div></div></body></html>"""
    assert [(p.question, p.answer) for p in read_html(page, "docs.html").pairs] == [
        ("How do I install it?", "Run pip."), ("Can I upgrade?", "Yes."), ("Licence terms", "MIT.")
    ]


def test_contact_prompts_are_not_questions():
    page = ("<html><body><h2>Is it open?</h2><p>Daily.</p><h2>Still have questions?</h2>"
            "<p>Email us at help@example.org.</p></body></html>")
    result = read_html(page, "prompt.html")
    assert [(p.question, p.answer) for p in result.pairs] == [("Is it open?", "Daily.")]
    assert ("Still have questions?", "contact prompt") in [(d.text, d.reason) for d in result.dropped]


def test_hand_written_jsonld_with_line_breaks_and_trailing_commas():
    page = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
  {"@type": "Question", "name": "Is parking free?", "acceptedAnswer": {"@type": "Answer", "text": "Yes,
for three hours."},},
]}
</script></head><body></body></html>"""
    assert [(p.question, p.answer) for p in read_html(page, "lenient.html").pairs] == [
        ("Is parking free?", "Yes,\nfor three hours.")
    ]
