"""Answer passages: what of an answer is embedded, with its pair's question in front of it.

The question in front says what the passage is about (StackFAQ test MRR@10 0.9768 -> 0.9831 in
bench/RESULTS.md). Only the answer's opening passage is embedded: an answer says what it is about
first, and passages deeper in long answers matched generic questions more than they helped. With one
passage of 90 words instead of up to four, MRR@10 went 0.9570 -> 0.9648 on MEDIQA and 0.9187 -> 0.9313
on the starter questions (StackFAQ 0.9808 -> 0.9806), and ingest embeds 2 texts per MedQuAD pair, not 3.4.
BM25 still reads every answer whole.
"""

from __future__ import annotations

import re

CHUNK_WORDS = 75
"""About 100 word pieces, with the question about 115: inside the 128 all-MiniLM-L6-v2 was trained on.
(Against 90 words: MRR@10 StackFAQ 0.9806 -> 0.9808, MEDIQA 0.9648 -> 0.9609, starter 0.9313 -> 0.9437,
and ingest about 12 % faster.)"""
MAX_CHUNKS = 1
"""Passages embedded per answer (see the module doc for why one)."""

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def chunks(answer: str, words: int = CHUNK_WORDS, limit: int = MAX_CHUNKS) -> list[str]:
    """Consecutive passages of about ``words`` words, cut at sentence or line ends."""
    out: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in (s.strip() for s in _SENTENCE.split(answer)):
        if not sentence:
            continue
        n = len(sentence.split())
        if current and count + n > words:
            out.append(" ".join(current))
            current, count = [], 0
            if len(out) == limit:
                return out
        current.append(sentence)
        count += n
    if current and len(out) < limit:
        out.append(" ".join(current))
    return out


def passages(question: str, answer: str) -> list[str]:
    """The texts embedded for an answer: each chunk, with the question it answers in front."""
    return [f"{question}\n{chunk}" for chunk in chunks(answer) or [answer]]
