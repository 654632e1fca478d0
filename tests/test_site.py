"""The static "Often asked" site: pages per need, links, JSON-LD, sitemap, incremental rebuilds.

Fast tests with the bag-of-words embedder and a real SQLite knowledge base; no search index
(Pagefind runs in tests/test_site_browser.py, with the browser).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import extruct
import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner

from oftenasked import InputError, MissingExtraError
from oftenasked.cli import cli
from oftenasked.publish import build_site
from oftenasked.publish.manifest import NAME, load
from oftenasked.publish.needs import group_needs, word_key
from oftenasked.publish.slugs import assign_slugs, slugify

from .site_helpers import BASE, FIXTURES, crawl, html_files, make_kb


@pytest.fixture
def kb(tmp_path: Path):
    kb = make_kb(tmp_path / "kb.sqlite")
    yield kb
    kb.close()


def pages_by_pair(folder: Path) -> dict[str, str]:
    """Pair id → the question page that answers with it (from the manifest)."""
    manifest = load(folder)
    return {pair_id: path for path, entry in manifest.files.items() for pair_id in entry.pairs}


def test_one_page_per_need_every_link_resolves(kb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    report = build_site(kb, out, base_url=BASE, title="Help centre", search=False)
    pairs = kb.pairs()
    where = pages_by_pair(out)
    # Every pair is on exactly one page; pairs that ask the same thing share it.
    assert set(where) == {p.id for p in pairs}
    assert where["pw-reset"] == where["pw-reset-2"] == where["m-reset"] == "q/how-do-i-reset-my-password.html"
    assert where["parkinson-1"] == where["parkinson-2"]
    assert where["cmt-2b"] != where["cmt-2b2"]  # one character apart: two diseases, two pages
    assert where["m-track"] != where["m-track-parcel"]
    assert report.pages == len(set(where.values())) == len(pairs) - 3
    assert where["cafe"] == "q/ou-est-le-cafe.html"
    # Crawling from the index reaches every page, and no internal link is broken.
    reached, broken = crawl(out)
    assert broken == []
    written = {p.relative_to(out).as_posix() for p in html_files(out)}
    assert written <= reached | {"search.html"}
    assert {"site.css", "index.html"} <= reached
    # Canonical links are absolute under the base URL; sitemap lists every page but search.
    for path in written:
        text = (out / path).read_text(encoding="utf-8")
        tree = lxml.html.fromstring(text)
        assert tree.xpath("//link[@rel='canonical']/@href") == [BASE + path]
        assert str(FIXTURES.parent) not in text  # local sources by file name: no folders of this machine
    assert 'Source: faq.jsonl</p>' in (out / "q/how-do-i-delete-my-account.html").read_text(encoding="utf-8")
    sitemap = lxml.etree.fromstring((out / "sitemap.xml").read_bytes())
    locs = sitemap.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})
    assert sorted(locs) == sorted(BASE + p for p in written)
    assert f"Sitemap: {BASE}sitemap.xml" in (out / "robots.txt").read_text().splitlines()


def test_index_groups_pages_by_topic(kb, tmp_path: Path) -> None:
    kb.ingest_bytes(b'{"id": "lower", "question": "Can I rename my account?", "topic": "accounts",'
                    b' "answer": "Yes, under Settings."}\n', "lower.jsonl")  # one topic, spelt two ways
    out = tmp_path / "site"
    build_site(kb, out, search=False)
    tree = lxml.html.fromstring((out / "index.html").read_bytes())
    topics = tree.xpath("//section[@class='topic']/h2/text()")
    assert topics == ["Account", "Billing", "Café", "Health", "Orders", "Pregnancy", "Taxes"]
    account = tree.xpath("//section[h2='Account']//a/text()")
    assert "How do I reset my password?" in account and "How do I delete my account?" in account
    assert "Can I rename my account?" in account
    # Each page's breadcrumb leads back to its topic on the index.
    page = lxml.html.fromstring((out / "q/how-do-i-delete-my-account.html").read_bytes())
    assert page.xpath("//nav[@aria-label='Breadcrumb']/a/@href")[-1] == "../index.html#t-account"
    # Without a base URL: relative canonical links and no sitemap (it needs absolute URLs).
    assert page.xpath("//link[@rel='canonical']/@href") == ["how-do-i-delete-my-account.html"]
    assert not (out / "sitemap.xml").exists()
    assert "Sitemap" not in (out / "robots.txt").read_text()


def test_json_ld_parses_and_matches_the_pairs(kb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(kb, out, base_url=BASE, search=False)
    by_id = {p.id: p for p in kb.pairs()}
    by_question = {}
    for p in by_id.values():
        by_question.setdefault(p.question, []).append(p)
    manifest = load(out)
    checked = 0
    for path, entry in manifest.files.items():
        if not path.startswith("q/"):
            continue
        text = (out / path).read_text(encoding="utf-8")
        data = extruct.extract(text, base_url=BASE + path, syntaxes=["json-ld"])["json-ld"]
        assert len(data) == 1 and data[0]["@type"] == "FAQPage", path
        main, *related = data[0]["mainEntity"]
        answers = [by_id[i] for i in entry.pairs]
        assert main["name"] == answers[0].question
        assert main["acceptedAnswer"]["text"] == answers[0].answer
        assert [a["text"] for a in main.get("suggestedAnswer", [])] == [p.answer for p in answers[1:]]
        assert main["url"] == BASE + path
        # The related questions in the JSON-LD are the ones on the page, with their own answers.
        tree = lxml.html.fromstring(text)
        shown = tree.xpath("//section[@class='related']//summary/text()")
        assert [r["name"] for r in related] == shown
        for item in related:
            assert any(p.answer == item["acceptedAnswer"]["text"] for p in by_question[item["name"]])
            assert item["url"].startswith(BASE + "q/") and (out / item["url"][len(BASE):]).is_file()
        checked += 1
    assert checked == 16


def test_answers_are_escaped_and_scripts_forbidden(kb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(kb, out, search=False)
    where = pages_by_pair(out)
    page = (out / where["hostile"]).read_text(encoding="utf-8")
    body = page[page.index("<body>"):]
    assert "<script" not in body and "<img" not in body and "=\"javascript" not in body  # (text stays text)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in body
    tree = lxml.html.fromstring(page)
    assert tree.xpath("//img | //*[@onerror] | //a[starts-with(@href, 'javascript')]") == []
    # The JSON-LD keeps the text but can never close its element.
    assert "\\u003c/script\\u003e" in page
    for path in html_files(out):
        tree = lxml.html.fromstring(path.read_bytes())
        csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
        if path.name == "search.html":
            assert "script-src 'self' 'wasm-unsafe-eval'" in csp
        else:
            assert "default-src 'none'" in csp and "script-src" not in csp  # no script at all
            assert tree.xpath("//script[not(@type='application/ld+json')]") == []


def test_page_structure_is_accessible(kb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(kb, out, search=False)
    for path in html_files(out):
        tree = lxml.html.fromstring(path.read_bytes())
        assert tree.get("lang") == "en"
        assert tree.xpath("//meta[@name='viewport']")
        assert len(tree.xpath("//main[@id='main']")) == 1 and len(tree.xpath("//header")) == 1
        assert len(tree.xpath("//footer")) == 1 and len(tree.xpath("//h1")) == 1
        assert tree.xpath("//a[@class='skip']/@href") == ["#main"]
        levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4")]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)  # no skipped level
        for field in tree.xpath("//input[not(@type='hidden')]"):
            assert tree.xpath(f"//label[@for='{field.get('id')}']"), path  # every field has its label


def test_related_links_go_to_other_needs_only(kb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(kb, out, search=False, related=3)
    where = pages_by_pair(out)
    for path in {p for p in where.values()}:
        tree = lxml.html.fromstring((out / path).read_bytes())
        links = tree.xpath("//section[@class='related']//p[@class='more']/a/@href")
        assert len(links) <= 3
        targets = [Path(path).parent.joinpath(h).as_posix().replace("q/../q/", "q/") for h in links]
        assert path not in targets and len(set(targets)) == len(targets)  # never itself, never twice
    # The off-topic questions link to nothing (nothing else is about coffee or taxes).
    for pair_id in ("coffee", "tax"):
        tree = lxml.html.fromstring((out / where[pair_id]).read_bytes())
        assert tree.xpath("//section[@class='related']") == []
    reset = lxml.html.fromstring((out / where["pw-reset"]).read_bytes())
    assert "How do I delete my account?" in reset.xpath("//section[@class='related']//summary/text()")


def test_rebuild_touches_only_what_changed(kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import oftenasked.publish.site as site_module

    made: list[str] = []
    real_need_page = site_module.need_page
    monkeypatch.setattr(site_module, "need_page", lambda page, *a: made.append(page.path) or real_need_page(page, *a))
    out = tmp_path / "site"
    first = build_site(kb, out, base_url=BASE, search=False)
    assert first.changed == () and first.removed == () and len(first.added) == first.unchanged + len(first.added)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != NAME}
    made.clear()
    again = build_site(kb, out, base_url=BASE, search=False)
    assert (again.added, again.changed, again.removed) == ((), (), ())
    assert made == []  # made from the same inputs: not even rendered
    assert again.unchanged == len(first.added)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing was written again

    # Edit one answer: its page changes, and so do the pages that show it as a related question.
    where = pages_by_pair(out)
    linking = {p for p in set(where.values()) if "Invoices are under Billing" in (out / p).read_text(encoding="utf-8")}
    kb.update_pair("invoice", answer="Invoices are under Billing, then Invoices, as PDF files (new: also by e-mail).")
    made.clear()
    edited = build_site(kb, out, base_url=BASE, search=False)
    assert set(edited.changed) == linking and where["invoice"] in linking
    assert set(made) == linking
    assert edited.added == () and edited.removed == ()
    untouched = {p for p in stamps if p.relative_to(out).as_posix() not in linking}
    assert all(p.stat().st_mtime_ns == stamps[p] for p in untouched)

    # Remove a source: its own pages go, pages it shared with another source stay, links follow.
    kb.remove_source(str((FIXTURES / "more.jsonl").resolve()))
    removed = build_site(kb, out, base_url=BASE, search=False)
    assert set(removed.removed) == {"q/how-long-does-shipping-take.html", "q/how-do-i-track-my-order.html",
                                    "q/how-do-i-track-my-parcel.html"}
    assert not (out / "q/how-do-i-track-my-order.html").exists()
    assert (out / "q/how-do-i-reset-my-password.html").exists()
    assert "q/how-do-i-reset-my-password.html" in removed.changed  # one answer fewer
    _, broken = crawl(out)
    assert broken == []
    assert "Orders" not in (out / "index.html").read_text(encoding="utf-8")


def test_slugs_are_stable_and_collisions_get_a_hash(kb, tmp_path: Path) -> None:
    assert slugify("What is (are) Glaucoma ?") == "what-is-are-glaucoma"
    assert slugify("Où est le café ?") == "ou-est-le-cafe"
    assert slugify("什么是青光眼？") == "什么是青光眼"
    assert slugify("???") == "question"
    assert len(slugify("why " * 40)) <= 72
    # A new need whose question makes a slug in use gets a hash; the older page keeps its name.
    first = assign_slugs(["What is X?"], [["a"]], {})
    second = assign_slugs(["What is X!", "What is X?"], [["b"], ["a"]], {"a": first[0]})
    assert second[1] == "what-is-x" and re.fullmatch(r"what-is-x-[0-9a-f]{6}", second[0])
    # A need keeps its hashed slug on later builds too, and "search"/"index" are never page names.
    assert assign_slugs(["What is X!"], [["b"]], {"b": second[0]}) == [second[0]]
    assert assign_slugs(["Search"], [["c"]], {}, frozenset({"search"}))[0].startswith("search-")

    out = tmp_path / "site"
    build_site(kb, out, search=False)
    before = pages_by_pair(out)
    kb.ingest_bytes(b'{"id": "new", "question": "How do I reset my password!!", "answer": "Another way."}\n', "new.jsonl")
    build_site(kb, out, search=False)
    after = pages_by_pair(out)
    assert {i: after[i] for i in before} == before  # no page moved
    assert after["new"] == before["pw-reset"]  # the same question: it joins the page


def test_same_words_need_a_matching_vector() -> None:
    from oftenasked.models import Pair

    assert word_key("What is Parkinson's Disease?") == word_key("what is parkinson disease")
    assert word_key("Glycogen storage disease type IV") == word_key("glycogen storage disease type 4")
    assert word_key("type 2B") != word_key("type 2B2")
    pairs = [Pair(id=str(i), question=q, answer="a", source="s") for i, q in
             enumerate(["What is Parkinson's disease?", "What is Parkinson disease?"])]
    import numpy as np

    apart = np.eye(2, dtype=np.float32)  # same words, unlike vectors: two needs
    assert len(group_needs(pairs, apart)) == 2
    assert len(group_needs(pairs, np.ones((2, 2), dtype=np.float32) / np.sqrt(2))) == 1


def test_demand_from_the_query_log_breaks_near_ties(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    kb.ingest_bytes(
        b'{"id": "pay", "question": "How do I pay my bill online?", "answer": "On the Billing page."}\n'
        b'{"id": "card", "question": "How do I pay my bill by card?", "answer": "Any major card works."}\n'
        b'{"id": "transfer", "question": "How do I pay my bill by transfer?", "answer": "Use the IBAN on the bill."}\n',
        "pay.jsonl",
    )
    out = tmp_path / "site"
    build_site(kb, out, search=False, related=1)
    where = pages_by_pair(out)

    def first_related() -> str:
        tree = lxml.html.fromstring((out / where["pay"]).read_bytes())
        return tree.xpath("//section[@class='related']//summary/text()")[0]

    before = first_related()
    assert before in ("How do I pay my bill by card?", "How do I pay my bill by transfer?")  # equally related
    other = "How do I pay my bill by transfer?" if before.endswith("card?") else "How do I pay my bill by card?"
    for _ in range(40):  # people keep asking the other one
        kb.ask(other)  # (logged by ask)
    build_site(kb, out, search=False, related=1)
    assert first_related() == other
    kb.close()


def test_cli_site_reports_and_refuses_a_foreign_folder(kb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    runner = CliRunner()
    args = ["site", str(out), "--kb", kb.path, "--base-url", BASE, "--title", "Help", "--no-search"]
    first = runner.invoke(cli, [*args, "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert data["pages"] == 16 and data["removed"] == [] and data["changed"] == []
    second = runner.invoke(cli, args)
    assert second.exit_code == 0 and "0 files added, 0 changed, 0 removed" in second.output
    assert "<title>Help</title>" in (out / "index.html").read_text(encoding="utf-8")

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    refused = runner.invoke(cli, ["site", str(foreign), "--kb", kb.path, "--no-search"])
    assert refused.exit_code == 1 and "not made by 'oftenasked site'" in refused.output
    assert (foreign / "notes.txt").read_text() == "keep me" and len(list(foreign.iterdir())) == 1
    bad = runner.invoke(cli, ["site", str(tmp_path / "x"), "--kb", kb.path, "--base-url", "ftp://x", "--no-search"])
    assert bad.exit_code == 1 and "--base-url must be an http(s) URL" in bad.output


def test_search_without_pagefind_says_what_to_install(kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from oftenasked import KnowledgeBase
    from oftenasked.retrieve.embed import HashEmbedder
    from oftenasked.store import Store

    with KnowledgeBase(Store(tmp_path / "empty.sqlite"), embedder=HashEmbedder()) as empty, \
            pytest.raises(InputError, match="the knowledge base is empty"):
        build_site(empty, tmp_path / "empty", search=False)
    import sys

    monkeypatch.setitem(sys.modules, "pagefind_bin", None)  # as if the [site] extra were not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'oftenasked\[site\]'"):
        build_site(kb, tmp_path / "site")
    assert not (tmp_path / "site").exists()  # refused before writing anything
    with pytest.raises(InputError, match="related must be between"):
        build_site(kb, tmp_path / "site", related=99, search=False)


def test_template_siblings_are_not_linked(tmp_path: Path) -> None:
    """Questions cast in one template look alike to vectors; a link needs the page's subject."""
    from oftenasked.publish.links import Subjects

    names = ["Keutel", "Kleefstra", "Fryns", "Dravet", "Alagille", "Bartter", "Cockayne", "Dubowitz", "Ehlers",
             "Fraser", "Gitelman", "Hunter", "Jacobsen"]
    records = [{"id": f"s-{n}", "question": f"What are the symptoms of {n} syndrome?", "answer": f"Signs of {n}."}
               for n in names]
    records.append({"id": "what-keutel", "question": "What is Keutel syndrome?", "answer": "A rare disorder."})
    kb = make_kb(tmp_path / "kb.sqlite")
    kb.ingest_bytes("\n".join(json.dumps(r) for r in records).encode(), "syndromes.jsonl")
    out = tmp_path / "site"
    build_site(kb, out, search=False)
    where = pages_by_pair(out)
    page = lxml.html.fromstring((out / where["s-Keutel"]).read_bytes())
    assert page.xpath("//section[@class='related']//summary/text()") == ["What is Keutel syndrome?"]
    kb.close()
    subjects = Subjects(["What are the symptoms of Keutel syndrome?", "What are the symptoms of Fryns syndrome?",
                         "How do I reset my password?", "What are the password rules?"], ["", "", "Account", "Account"])
    assert subjects.shared(2, 3) and subjects.shared(3, 2)


def test_a_large_site_gets_a_page_per_letter(kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import oftenasked.publish.site as site_module

    monkeypatch.setattr(site_module, "INLINE_INDEX", 5)  # as if it had thousands of pages
    out = tmp_path / "site"
    build_site(kb, out, base_url=BASE, search=False)
    index = lxml.html.fromstring((out / "index.html").read_bytes())
    assert index.xpath("//nav[@class='letters']//a/@href") == [
        "topics/a.html", "topics/b.html", "topics/c.html", "topics/h.html", "topics/o.html", "topics/p.html",
        "topics/t.html"]
    assert index.xpath("//p[@class='summary']/text()") == ["16 questions on 7 topics: choose a letter, or search."]
    reached, broken = crawl(out)
    assert broken == []
    assert {p.relative_to(out).as_posix() for p in html_files(out)} <= reached
    page = lxml.html.fromstring((out / "q/how-do-i-delete-my-account.html").read_bytes())
    assert page.xpath("//nav[@aria-label='Breadcrumb']/a/@href")[-1] == "../topics/a.html#t-account"


def test_a_site_follows_edits_made_through_live_segments(tmp_path: Path) -> None:
    # With live segments an edited pair keeps its rowid at a new place (the old one masked): the build
    # must read every pair at its newest place, not refuse the index as changed midway.
    from oftenasked import KnowledgeBase, Settings
    from oftenasked.retrieve.embed import HashEmbedder
    from oftenasked.retrieve.segments import SegmentedIndex
    from oftenasked.store import Store

    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(), settings=Settings(live_index=True))
    kb.ingest([FIXTURES / "faq.jsonl", FIXTURES / "more.jsonl"], all_or_nothing=True)
    out = tmp_path / "site"
    build_site(kb, out, base_url=BASE, search=False)
    kb.update_pair("invoice", answer="Invoices are under Billing, then Invoices, as PDF files (new: also by e-mail).")
    kb.delete_pair("refund")
    assert isinstance(kb.index, SegmentedIndex) and kb.index.delta_size == 1
    again = build_site(kb, out, base_url=BASE, search=False)
    where = pages_by_pair(out)
    assert "refund" not in where and "also by e-mail" in (out / where["invoice"]).read_text(encoding="utf-8")
    assert where["invoice"] in again.changed
    kb.close()
