"""Cross-links between pages: the related questions of every need, chosen as ``related`` chooses them.

``KnowledgeBase.related`` ranks candidates by relatedness to the question asked and to the answer
given, then picks by maximal marginal relevance (``answer/related.py``: on the same need, never a
rephrasing, no two alike). On a page, the question asked is the need's own question and the answer
given is its own pair, so relatedness is the cosine to that question's vector; here it is computed
for every page at once, a block of pages per matrix product, instead of one search per page, and the
same ``select_related`` makes the choice.

Two additions for a published site, where a link must never lead off the subject:
- a floor, ``MIN_RELATED``: a candidate less related than that is never linked, even when the page
  would otherwise show fewer related questions;
- real demand: once the query log holds answers given, questions asked more often win near-ties
  (at most ``DEMAND_WEIGHT`` is added to a relatedness in [0, 1]).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..answer.related import select_related
from .needs import Need

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
BLOCK_CELLS = 1 << 24
"""Similarities computed at once (64 MB of float32)."""


def demand_boost(asked: np.ndarray) -> np.ndarray:
    """Per pair, what demand adds to its relatedness: 0 for never asked, ``DEMAND_WEIGHT`` for the most asked."""
    asked = np.asarray(asked, dtype=np.float64)
    top = float(asked.max()) if len(asked) else 0.0
    if top <= 0:
        return np.zeros(len(asked), dtype=np.float32)
    return (DEMAND_WEIGHT * np.log1p(asked) / np.log1p(top)).astype(np.float32)


def related_needs(
    vectors: np.ndarray,
    needs: Sequence[Need],
    top: int,
    boost: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
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
