"""Properties of reading: no word of an answer is lost, and its lists stay lists, whatever the markup."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from oftenasked.errors import IngestError
from oftenasked.ingest import READERS, read_source
from oftenasked.ingest.clean import clutter_reason
from oftenasked.ingest.html import read_html
from oftenasked.ingest.markdown import read_markdown

_word = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=3, max_size=8)
_inline = st.sampled_from(["{}", "<b>{}</b>", "<em>{}</em>", "<a href='https://example.org/x'>{}</a>", "<code>{}</code>",
                           "<span>{}</span>"])


@st.composite
def _sentence(draw) -> tuple[list[str], str]:  # noqa: ANN001
    words = draw(st.lists(_word, min_size=1, max_size=8))
    assume(clutter_reason(" ".join(words)) is None)
    marks = draw(st.lists(_inline, min_size=len(words), max_size=len(words)))
    return words, " ".join(m.format(w) for m, w in zip(marks, words))


@st.composite
def _block(draw) -> tuple[str, list[str], str]:  # noqa: ANN001
    kind = draw(st.sampled_from(["p", "ul", "ol", "div", "br"]))
    if kind in ("ul", "ol"):
        items = draw(st.lists(_sentence(), min_size=1, max_size=4))
        html = f"<{kind}>" + "".join(f"<li>{markup}</li>" for _, markup in items) + f"</{kind}>"
        return kind, [w for words, _ in items for w in words], html
    first, second = draw(_sentence()), draw(_sentence())
    if kind == "br":
        return "p", first[0] + second[0], f"<p>{first[1]}<br>{second[1]}</p>"
    return kind, first[0], f"<{kind}>{first[1]}</{kind}>"


def _words(markdown: str) -> list[str]:
    text = re.sub(r"\]\([^)]*\)", "]", markdown)  # link targets are not answer words
    return re.findall(r"[a-z]+", text)


@settings(max_examples=150, deadline=None)
@given(blocks=st.lists(_block(), min_size=1, max_size=5))
def test_html_answers_keep_every_word_in_order_and_lists_stay_lists(blocks):
    page = "<html><body><h2>What is the question?</h2>" + "".join(html for _, _, html in blocks) + "</body></html>"
    (pair,) = read_html(page, "p.html").pairs
    assert _words(pair.answer) == [w for _, words, _ in blocks for w in words]
    if any(kind == "ol" for kind, _, _ in blocks):
        assert re.search(r"^1\. ", pair.answer, re.MULTILINE)
    if any(kind == "ul" for kind, _, _ in blocks):
        assert re.search(r"^- ", pair.answer, re.MULTILINE)


@settings(max_examples=100, deadline=None)
@given(paragraphs=st.lists(st.lists(_word, min_size=1, max_size=10).map(" ".join), min_size=1, max_size=4))
def test_markdown_answers_are_kept_as_written(paragraphs):
    assume(all(clutter_reason(p) is None for p in paragraphs))
    answer = "\n\n".join(paragraphs)
    (pair,) = read_markdown(f"## Is it kept?\n\n{answer}\n", "a.md").pairs
    assert pair.answer == answer


_FRAGMENTS = st.sampled_from([
    "<html>", "<body>", "<h2>", "</h2>", "<p>", "</p>", "<ul>", "<li>", "</ul>", "<details>", "<summary>", "</summary>",
    "</details>", "<dl>", "<dt>", "<dd>", "<table>", "<tr>", "<td>", "<br>", "<b>", "</b>", "<a href='x'>", "</a>",
    "<script type='application/ld+json'>", "</script>", '{"@type":"FAQPage","mainEntity":[{"@type":"Question",'
    '"name":"Q?","acceptedAnswer":{"text":"<p>A"}}]}', "Q?", "answer text", "\n", "\r", "\n\n", "# ", "## Q?",
    "**Q:** ", "A: ", "?", ",", ";", "\t", '"', "<Document id='1'>", "<QAPair pid='1'>", "<Question>", "</Question>",
    "<Answer>", "</Answer>", "</Document>", "[", "]", "{", "}", '"question"', ":", '"answer"', "Question,Answer",
    "Question\tAnswer\tQnaId\tMetadata", "\\n", "|", "<!--", "-->", "<![CDATA[", "&amp;", "&#0;", "\ufeff",
    "<div class='accordion-item'>", "<button aria-controls='x' aria-expanded='false'>", "<div id='x'>", "</div>",
    "<label for='y'>", "<nav>", "</nav>", "<footer>", "<form>", "</form>", "<?xml version='1.0'?>",
    "<!DOCTYPE x [<!ENTITY a 'b'>]>", "&a;", "<dl class='faq'>", "<button class='accordion'>", "<div class='panel'>",
])


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.one_of(_FRAGMENTS, st.text(max_size=5)), max_size=30).map("".join),
       fmt=st.sampled_from(sorted(READERS)))
def test_no_input_breaks_a_reader_other_than_with_a_clear_error(text, fmt):
    try:
        result = read_source(text.encode("utf-8", "surrogatepass"), f"fuzz.{fmt}", fmt)
    except IngestError as exc:
        assert exc.source == f"fuzz.{fmt}"
    else:
        assert all(p.question.strip() and p.answer.strip() for p in result.pairs)
