"""Cross-links between pages: the related questions of every need, chosen as ``related`` chooses them.

``KnowledgeBase.related`` ranks candidates by relatedness to the question asked and to the answer
given, then picks by maximal marginal relevance (``answer/related.py``: on the same need, never a
rephrasing, no two alike). On a page, the question asked is the need's own question and the answer
given is its own pair, so relatedness is the cosine to that question's vector; here it is computed
for every page at once, a block of pages per matrix product, instead of one search per page, and the
same ``select_related`` makes the choice.

Additions for a published site, where a link must never lead off the subject:
- a floor, ``MIN_RELATED``: a candidate less related than that is never linked, even when the page
  would otherwise show fewer related questions;
- the same subject (:class:`Subjects`): question vectors are much alike for questions cast in one
  template ("What are the symptoms of Keutel syndrome?" and "... of Kleefstra syndrome?"), so a
  candidate must have the page's topic, or share one of the page question's distinctive words;
- real demand: once the query log holds answers given, questions asked more often win near-ties
  (at most ``DEMAND_WEIGHT`` is added to a relatedness in [0, 1]).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from ..answer.related import select_related
from .needs import Need, stems, word_key

CANDIDATES = 50
"""Candidates per page, as many as ``KnowledgeBase.related`` considers."""
MIN_RELATED = 0.40
"""Least question cosine of a linked question to the page's question. Measured on the starter
(bench/site.py): 5 in 1,000 of ``related``'s own picks fall under it, and 85 % of random pairs of
questions on different topics (MedQuAD's questions share templates, "What are the symptoms of ...?",
which lifts their cosine; the seed page's questions are at most 0.25 to "Coffee when pregnant?" and
"When is the tax return deadline?")."""
DEMAND_WEIGHT = 0.05
"""Most that demand adds to relatedness: enough to break near-ties, never to bring in another subject."""
SUBJECT_SHARE = 0.02
SUBJECT_MIN = 10
"""A question's words (less common English words) in at most this share of all questions, or in
at most ``SUBJECT_MIN`` questions, are distinctive of its subject; its rarest word always is."""
BLOCK_CELLS = 1 << 24
"""Similarities computed at once (64 MB of float32)."""


def demand_boost(asked: np.ndarray) -> np.ndarray:
    """Per pair, what demand adds to its relatedness: 0 for never asked, ``DEMAND_WEIGHT`` for the most asked."""
    asked = np.asarray(asked, dtype=np.float64)
    top = float(asked.max()) if len(asked) else 0.0
    if top <= 0:
        return np.zeros(len(asked), dtype=np.float32)
    return (DEMAND_WEIGHT * np.log1p(asked) / np.log1p(top)).astype(np.float32)


class Subjects:
    """What each question is about: its topic (metadata), and its distinctive words.

    Words are compared with inflection set aside (``needs.stems``), common English words left out. A
    word is distinctive when few questions have it: on the starter, "keutel", "glaucoma", "back" are;
    "symptoms", "syndrome", "treatments" are not.
    """

    def __init__(self, questions: Sequence[str], topics: Sequence[str]) -> None:
        from bm25s.stopwords import STOPWORDS_EN_PLUS  # (bm25s: a core dependency)

        common = frozenset(STOPWORDS_EN_PLUS)
        self.words = [frozenset(stems(q, common)) for q in questions]
        counts = Counter(w for words in self.words for w in words)
        limit = max(SUBJECT_SHARE * len(questions), SUBJECT_MIN)
        self.topics = [word_key(t) if t else "" for t in topics]
        self.subject: list[frozenset[str]] = []
        for words in self.words:
            rare = {w for w in words if counts[w] <= limit}
            if words:
                rare.add(min(words, key=lambda w: (counts[w], w)))
            self.subject.append(frozenset(rare))

    def shared(self, page: int, candidate: int) -> bool:
        """Whether ``candidate`` is on the subject of the question at ``page``."""
        if self.topics[page] and self.topics[page] == self.topics[candidate]:
            return True
        return not self.subject[page].isdisjoint(self.words[candidate])


def related_needs(
    vectors: np.ndarray,
    needs: Sequence[Need],
    top: int,
    boost: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    subjects: Subjects | None = None,
) -> list[list[int]]:
    """For each need, the pairs (positions) its page links to as related questions, best first.

    ``vectors``: each pair's main question vector, L2-normalised, in pair order. At most one pair of
    any other need is linked (a need has one page).
    """
    n = len(vectors)
    need_of = np.empty(n, dtype=np.int64)
    for at, need in enumerate(needs):
        need_of[list(need.members)] = at
    leads = np.asarray([need.lead for need in needs], dtype=np.int64)
    block = max(1, BLOCK_CELLS // max(n, 1))
    out: list[list[int]] = []
    for start in range(0, len(leads), block):
        rows = leads[start : start + block]
        sims = vectors[rows] @ vectors.T
        for row, lead in enumerate(rows):
            need = needs[start + row]
            shown = list(need.members)
            scores = sims[row]
            scores[shown] = -np.inf  # the page's own pairs are its answer, never a related question
            k = min(CANDIDATES, n - len(shown))
            if top <= 0 or k <= 0:
                out.append([])
                continue
            pool = np.argpartition(-scores, k - 1)[:k]
            pool = pool[scores[pool] >= MIN_RELATED]
            if subjects is not None:
                pool = pool[[subjects.shared(int(lead), int(at)) for at in pool]] if len(pool) else pool
            relevance = scores[pool] if boost is None else scores[pool] + boost[pool]
            picked = select_related(pool, relevance, vectors, vectors[lead], shown, top + 2)
            chosen: list[int] = []
            seen = {start + row}
            for at, _ in picked:
                if int(need_of[at]) not in seen and len(chosen) < top:
                    seen.add(int(need_of[at]))
                    chosen.append(at)
            out.append(chosen)
        if progress is not None:
            progress(min(start + block, len(leads)), len(leads))
    return out
