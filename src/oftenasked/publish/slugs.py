"""Stable page names: a slug made from the question, with a short hash when two needs collide.

A slug, once given, is kept: the previous build's manifest says which pairs each page held, and a
need that still holds one of those pairs keeps that page's slug while its question still makes the
same slug. So rebuilding never moves a page, and a new question that happens to make a slug already
in use gets the hash, not the older page.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence

MAX_SLUG = 72
"""Characters of the question kept in the slug (URLs stay readable; the rest adds nothing)."""


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens; accents dropped, other scripts kept; never empty."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    slug = re.sub(r"[\W_]+", "-", text).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut[: cut.rfind("-")] if "-" in cut else cut
    return slug or "question"


def short_hash(text: str, length: int = 6) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _made_from(slug: str, base: str) -> bool:
    """Whether ``slug`` is ``base``, or ``base`` with a collision hash."""
    return slug == base or re.fullmatch(re.escape(base) + r"-[0-9a-f]{6,}", slug) is not None


def assign_slugs(
    questions: Sequence[str],
    members: Sequence[Sequence[str]],
    previous: Mapping[str, str],
    reserved: frozenset[str] = frozenset(),
) -> list[str]:
    """A slug per need: ``questions[i]`` is need i's question, ``members[i]`` its pair ids.

    ``previous`` maps pair ids to the slug of the page that held them in the last build;
    ``reserved`` are names the site uses itself.
    """
    bases = [slugify(q) for q in questions]
    slugs: list[str | None] = [None] * len(questions)
    taken = set(reserved)
    # First the needs that keep an earlier page (in order, so two claimants resolve the same way).
    for at, ids in enumerate(members):
        for pair_id in ids:
            old = previous.get(pair_id)
            if old is not None and old not in taken and _made_from(old, bases[at]):
                slugs[at] = old
                taken.add(old)
                break
    for at, ids in enumerate(members):
        if slugs[at] is not None:
            continue
        slug = bases[at]
        length = 6
        while slug in taken:  # a collision: the hash of the need's first pair id tells them apart
            slug = f"{bases[at]}-{short_hash(ids[0] if ids else questions[at], length)}"
            length += 2
        slugs[at] = slug
        taken.add(slug)
    return [s for s in slugs if s is not None]
