"""What visitors see of where a pair came from: URLs as they are, local files by name only.

A pair ingested from a file on the server cites that file (``/home/ops/faq/billing.md``): its
folder tells visitors how the server is laid out and who runs it. Every pair that leaves the
HTTP API or the web page passes through here, so a local path shows as ``billing.md``, while a
URL, an upload's name and a citation the file itself gives (its ``source`` field) stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..models import Answer, Hit, Page, Pair, Related

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[a-z]:[\\/]|\\\\)", re.IGNORECASE)


def public_source(source: str) -> str:
    """``source`` with a local file path reduced to the file's name."""
    if source.lower().startswith("file:"):
        source = re.sub(r"^file:/*", "/", source, flags=re.IGNORECASE)
    elif _URL.match(source) or source.startswith(("upload:", "api:")):
        return source
    path_like = (
        source.startswith(("/", "~", "./", "../", ".\\", "..\\"))
        or _WINDOWS_ABSOLUTE.match(source) is not None
        or (("/" in source or "\\" in source) and not any(c.isspace() for c in source))
    )
    if not path_like:
        return source  # a citation in words ("NIH MedlinePlus"), kept
    name = re.split(r"[\\/]", source.rstrip("\\/"))[-1]
    return name or source


def public_pair(pair: Pair) -> Pair:
    source, origin = public_source(pair.source), public_source(pair.origin)
    if source == pair.source and origin == pair.origin:
        return pair
    return replace(pair, source=source, origin=origin)


def public_hit(hit: Hit) -> Hit:
    return replace(hit, pair=public_pair(hit.pair))


def public_related(item: Related) -> Related:
    return replace(item, pair=public_pair(item.pair))


def public_answer(answer: Answer) -> Answer:
    return replace(
        answer, hits=tuple(map(public_hit, answer.hits)), did_you_mean=tuple(map(public_hit, answer.did_you_mean))
    )


def public_page(page: Page) -> Page:
    return replace(page, answer=public_answer(page.answer), related=tuple(map(public_related, page.related)))
