"""The site's index: questions by topic, on one page, or past ``INLINE_INDEX`` pages on a page per
letter of the topic's name (``topics/a.html`` ...), ``index.html`` then holding the letters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .needs import word_key
from .render import SiteConfig, listing_page
from .slugs import short_hash, slugify

INLINE_INDEX = 600
"""Up to this many pages, the index page lists every question; past it, one page per letter of topic."""


def _letter(name: str) -> str:
    first = slugify(name)[:1].upper()
    return first if first.isascii() and first.isalpha() else "#"


def _letter_path(name: str) -> str:
    mark = _letter(name)
    return f"topics/{'0' if mark == '#' else mark.lower()}.html"


@dataclass(frozen=True)
class Index:
    """Where each topic is listed, and the listing pages themselves."""

    topic_path: dict[str, str]
    """Topic (as given) → the link to its list (``index.html#t-...`` or ``topics/x.html#t-...``)."""
    topic_name: dict[str, str]
    """Topic (as given) → the spelling the index lists it under."""
    pages: dict[str, bytes]


def build_index(config: SiteConfig, topics: Sequence[str], questions: Sequence[str], paths: Sequence[str],
                inline: int = INLINE_INDEX) -> Index:
    """The index of pages ``paths`` with their ``questions``, each under its topic (``topics[i]``)."""
    # Spellings of one topic ("Canavan disease", "Canavan Disease", "Klinefelter's Syndrome") are one
    # topic, under the spelling met first.
    shown: dict[str, str] = {}
    members: dict[str, list[int]] = {}
    for i, name in enumerate(topics):
        display = shown.setdefault(word_key(name) or name, name)
        members.setdefault(display, []).append(i)
    names = sorted(members, key=str.casefold)
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        anchor = "t-" + slugify(name)
        anchors[name] = anchor if anchor not in used else f"{anchor}-{short_hash(name)}"
        used.add(anchors[name])
    split = len(paths) > inline
    listed = {name: (_letter_path(name) if split else "index.html") + "#" + anchors[name] for name in names}
    topic_name = {name: shown[word_key(name) or name] for name in set(topics)}
    topic_path = {name: listed[display] for name, display in topic_name.items()}

    def group(name: str) -> tuple[str, str, list[tuple[str, str]]]:
        return name, anchors[name], [(questions[i], paths[i]) for i in members[name]]

    summary = (f"{len(paths):,} questions on {len(names):,} {'topic' if len(names) == 1 else 'topics'}"
               + (": choose a letter, or search." if split else "."))
    pages: dict[str, bytes] = {}
    if split:
        by_letter: dict[str, list[str]] = {}
        for name in names:
            by_letter.setdefault(_letter_path(name), []).append(name)
        bar = [(_letter(ns[0]), p, sum(len(members[n]) for n in ns)) for p, ns in sorted(by_letter.items())]
        pages["index.html"] = listing_page(config, "index.html", config.title, [], letters=bar, summary=summary).encode()
        for p, ns in by_letter.items():
            pages[p] = listing_page(config, p, f"Topics: {_letter(ns[0])}", [group(n) for n in ns], letters=bar).encode()
    else:
        pages["index.html"] = listing_page(config, "index.html", config.title, [group(n) for n in names],
                                           summary=summary).encode()
    return Index(topic_path=topic_path, topic_name=topic_name, pages=pages)
