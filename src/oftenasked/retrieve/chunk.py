"""Answer passages: long answers are embedded in passages, and scored by their best passage.

Each passage is embedded with its pair's question in front of it, so that a passage deep in a long
answer still says what it is about (StackFAQ test MRR@10 0.9768 -> 0.9831 in bench/RESULTS.md).
"""

from __future__ import annotations

import re

CHUNK_WORDS = 90
"""About 128 word pieces: the length all-MiniLM-L6-v2 was trained on."""
MAX_CHUNKS = 4
"""Answers rarely say what they are about after their first few hundred words."""

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
