"""The seed page: its twelve real pairs, lists kept as lists, every piece of clutter dropped and said."""

from __future__ import annotations

import re

from oftenasked.ingest import read_source
from oftenasked.ingest.plaintext import read_plaintext

from .conftest import SEED

CLUTTER = ("Share on Pinterest", "You might be interested", "Coffee when pregnant", "tax deadline",
           "Leave a Reply", "Your email address", "Adblock", "detector")


def seed():
    return read_plaintext(SEED.read_text(encoding="utf-8"), str(SEED))


def test_seed_gives_its_twelve_pairs_in_order():
    result = seed()
    questions = [p.question for p in result.pairs]
    assert len(questions) == 12
    assert questions[0] == "How do I prevent lower back pain when running?"
    assert questions[-1] == "Why is my back sore from running?"
    assert result.title == "Why does my lower back hurt when i run?"


def test_numbered_lists_stay_lists():
    pairs = {p.question: p.answer for p in seed().pairs}
    remedies = pairs["What is the fastest home remedy for back pain?"]
    assert remedies.startswith("7 Ways to Relieve Back Pain Naturally\n\n1. Enjoy an anti-inflammatory drink")
    assert remedies.count("\n") == 8 and "\n7. Keep a self-activating heat patch handy." in remedies
    exercises = pairs["How do I stop my lower back from hurting when I exercise?"]
    assert "\n1. Bridges.\n2. Knee-to-chest stretches.\n" in exercises


def test_no_clutter_survives_and_each_drop_has_a_reason():
    result = seed()
    text = "\n".join(p.question + "\n" + p.answer for p in result.pairs)
    for clutter in CLUTTER:
        assert clutter not in text
    reasons = {d.reason for d in result.dropped}
    assert reasons == {"share button", "cross-link to another page", "comment form", "ad-blocker notice"}
    assert all(d.line for d in result.dropped)


def test_no_answer_text_is_lost():
    """Every content line of the page, less its clutter, is in some answer."""
    result = seed()
    answers = "\n".join(p.answer for p in result.pairs)
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = " ".join(line.replace("Share on Pinterest.", "").split())
        if not line or line.endswith("?") or any(c in line for c in CLUTTER) or line.startswith("Often asked"):
            continue
        body = re.sub(r"^\d+\.\s+", "", line)
        assert body in answers, body


def test_pairs_keep_their_line_numbers():
    first = seed().pairs[0]
    assert first.line == 3


def test_detected_as_text_by_content_and_name():
    result = read_source(SEED.read_bytes(), "page.txt")
    assert result.format == "text" and len(result.pairs) == 12
