"""Needs: the pairs that ask the same thing, which share one page of the site.

Two pairs ask the same thing when
- their questions (or an alternate of one and the question of the other) are the same text once
  case, accents, punctuation and spacing are set aside; or
- their questions are the same words once inflection is set aside (Snowball stems, possessives,
  roman numerals read as numbers: "Parkinson's Disease" and "Parkinson disease", "Thalassemias"
  and "Thalassemia", "type IV" and "type 4"), and their question vectors agree (cosine at least
  ``SAME_WORDS_COSINE``, a guard against two words that stem alike).

Question vectors alone cannot decide it: on the starter knowledge base, "What are the symptoms of
Charcot-Marie-Tooth disease type 2B?" and "... type 2B2?" (two diseases) are at cosine 0.99, and
"spinocerebellar ataxia 28" and "31" at 0.985, while spellings of one syndrome ("Guillain-Barre",
"Guillain-Barr") are at 0.83 (bench/RESULTS.md, "Static site").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..models import Pair

SAME_WORDS_COSINE = 0.80
"""Least question cosine for two same-words questions to share a page (the lowest true match on
the starter was 0.83)."""

_NUMERALS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
             "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx")
_ROMAN = {numeral: str(value) for value, numeral in enumerate(_NUMERALS, 1)}
_ROMAN.pop("i")  # "I" is far more often the pronoun than the numeral


@dataclass(frozen=True)
class Need:
    """One page's worth of pairs: ``members`` are positions in the pair list, the first one leads."""

    members: tuple[int, ...]

    @property
    def lead(self) -> int:
        return self.members[0]


def normalise(text: str) -> str:
    """A question as compared: case, accents, punctuation and spacing set aside."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", text))


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer, already a core dependency (BM25)

    return Stemmer.Stemmer("english")


def stems(text: str, leave_out: frozenset[str] = frozenset()) -> list[str]:
    """The question's words with inflection set aside (stems, no possessive, roman numerals as numbers),
    less the words in ``leave_out``."""
    text = re.sub(r"['\u2019]s\b", "", text.casefold())
    words = [_ROMAN.get(w, w) for w in normalise(text).split() if w not in leave_out]
    return list(_stemmer().stemWords(words))


def word_key(text: str) -> str:
    """The question's words with inflection set aside, as one string to compare."""
    return " ".join(stems(text))


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the earlier pair leads: a need keeps its page when later pairs join it
            self.parent[max(ra, rb)] = min(ra, rb)


def group_needs(pairs: Sequence[Pair], vectors: np.ndarray | None = None) -> list[Need]:
    """Group pairs (in knowledge-base order) into needs, in the order of their first pair.

    ``vectors``: each pair's main question vector (L2-normalised), for the same-words guard;
    without them, same-words questions are not joined.
    """
    union = _Union(len(pairs))
    by_text: dict[str, int] = {}
    by_words: dict[str, list[int]] = {}
    for at, pair in enumerate(pairs):
        for phrasing in (pair.question, *pair.alternates):
            key = normalise(phrasing)
            if key in by_text:
                union.join(by_text[key], at)
            else:
                by_text[key] = at
        by_words.setdefault(word_key(pair.question), []).append(at)
    if vectors is not None:
        for members in by_words.values():
            for other in members[1:]:
                first = members[0]
                if union.find(first) != union.find(other) and float(vectors[first] @ vectors[other]) >= SAME_WORDS_COSINE:
                    union.join(first, other)
    groups: dict[int, list[int]] = {}
    for at in range(len(pairs)):
        groups.setdefault(union.find(at), []).append(at)
    return [Need(tuple(members)) for _, members in sorted(groups.items())]
