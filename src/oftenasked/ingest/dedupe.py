"""Duplicates within and across sources: the same question found twice becomes one pair.

Rules, applied by the knowledge base while ingesting (the functions here are pure):

- Only pairs whose source gave no id take part. An id a source gives is a contract (runs and
  evaluations name it), so such pairs are never merged away, whatever their text.
- Within a source, the same question twice with the same answer is kept once; different
  questions with the same substantial answer become one pair, the later questions its
  alternate phrasings; the same question with different answers is kept twice and reported.
- Across sources (this ingest and the knowledge base), a question already there with the same
  answer is kept once, in the source that had it first; with a different answer both are kept
  and the conflict is reported.

Every merge and conflict is a :class:`Dropped` note in the ingest report, with its reason.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from ..models import Dropped
from .records import RawPair, ReadResult

MIN_SHARED_ANSWER = 40
"""Characters of answer below which a shared answer ("Yes.") says nothing about the questions."""
SAME_ANSWER_RATIO = 0.9

_PREFIX = re.compile(r"^\s*(?:q|question)\s*\d*\s*[:.)]\s*|^\s*\d{1,3}[.)]\s+", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def question_key(question: str) -> str:
    """What makes two questions the same: case, punctuation, spacing and "Q:" prefixes aside."""
    text = unicodedata.normalize("NFKC", _PREFIX.sub("", question)).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def answer_key(answer: str) -> str:
    """An answer's words, without Markdown marks, link targets, case or punctuation."""
    text = unicodedata.normalize("NFKC", _LINK.sub(r"\1", answer)).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def same_answer(a: str, b: str) -> bool:
    """Two answer keys say the same thing: equal, or nearly equal in wording (90 %)."""
    if a == b:
        return True
    if not a or not b or min(len(a), len(b)) < 0.8 * max(len(a), len(b)):
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= SAME_ANSWER_RATIO


@dataclass
class Seen:
    """A pair already met: in the knowledge base or earlier in this ingest."""

    id: str
    origin: str
    text: str
    """Its answer as stored."""
    _key: str | None = None

    @property
    def answer(self) -> str:
        """Its :func:`answer_key`, computed when first compared (most pairs never are)."""
        if self._key is None:
            self._key = answer_key(self.text)
        return self._key


class QuestionIndex:
    """Questions (and alternate phrasings) already met, by :func:`question_key`."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str, str]] = ()) -> None:
        """``rows``: (id, question, alternates as a JSON list, answer, origin), e.g. from the store."""
        self._seen: dict[str, list[Seen]] = {}
        for pair_id, question, alternates, answer, origin in rows:
            phrasings = [question, *json.loads(alternates)] if alternates and alternates != "[]" else [question]
            self.add(pair_id, origin, phrasings, answer)

    def add(self, pair_id: str, origin: str, questions: Iterable[str], answer: str) -> None:
        seen = Seen(pair_id, origin, answer)
        for question in questions:
            self._seen.setdefault(question_key(question), []).append(seen)

    def others(self, question: str, origin: str) -> list[Seen]:
        """Pairs of other sources with this question."""
        return [s for s in self._seen.get(question_key(question), []) if s.origin != origin]


def within_source(pairs: list[RawPair]) -> tuple[list[RawPair], list[Dropped]]:
    """Merge the repeats of one source (see the module's rules); returns (pairs kept, notes)."""
    kept: list[RawPair] = []
    notes: list[Dropped] = []
    by_question: dict[str, RawPair] = {}
    by_answer: dict[str, RawPair] = {}
    for original in pairs:
        if original.id is not None:
            kept.append(original)
            continue
        pair = replace(original, alternates=list(original.alternates), metadata=dict(original.metadata))
        q_key, a_key = question_key(pair.question), answer_key(pair.answer)
        first = by_question.get(q_key)
        if first is not None:
            if same_answer(answer_key(first.answer), a_key):
                _absorb(first, pair, with_question=False)
                notes.append(Dropped(pair.question, f"same question and answer as line {first.line}; kept once",
                                     pair.line))
                continue
            notes.append(Dropped(pair.question, f"conflicting answers: the same question is at line {first.line};"
                                 " both kept", pair.line))
            kept.append(pair)
            continue
        twin = by_answer.get(a_key) if len(a_key) >= MIN_SHARED_ANSWER else None
        if twin is not None:
            _absorb(twin, pair, with_question=True)
            by_question[q_key] = twin
            notes.append(Dropped(pair.question, f"another phrasing of the question at line {twin.line}; kept as its"
                                 " alternate", pair.line))
            continue
        by_question[q_key] = pair
        by_answer.setdefault(a_key, pair)
        kept.append(pair)
    return kept, notes


def _absorb(into: RawPair, other: RawPair, *, with_question: bool) -> None:
    known = {question_key(q) for q in (into.question, *into.alternates)}
    for question in ([other.question] if with_question else []) + other.alternates:
        if question_key(question) not in known:
            into.alternates.append(question)
            known.add(question_key(question))
    for key, value in other.metadata.items():
        into.metadata.setdefault(key, value)


def across_sources(pairs: list[RawPair], origin: str, index: QuestionIndex) -> tuple[list[RawPair], list[Dropped]]:
    """Leave out the pairs other sources already have; report conflicting answers."""
    kept: list[RawPair] = []
    notes: list[Dropped] = []
    for pair in pairs:
        others = index.others(pair.question, origin) if pair.id is None else []
        if not others:
            kept.append(pair)
            continue
        a_key = answer_key(pair.answer)
        same = next((s for s in others if same_answer(s.answer, a_key)), None)
        if same is not None:
            notes.append(Dropped(pair.question, f"same question and answer as {same.id} in {same.origin}; kept once",
                                 pair.line))
            continue
        notes.append(Dropped(pair.question, f"conflicting answers: {others[0].id} in {others[0].origin} answers the"
                             " same question differently; both kept", pair.line))
        kept.append(pair)
    return kept, notes


def dedupe(result: ReadResult, origin: str, index: QuestionIndex) -> ReadResult:
    """A source's pairs with its repeats merged and other sources' pairs left out, notes added."""
    pairs, notes = within_source(result.pairs)
    pairs, more = across_sources(pairs, origin, index)
    return replace(result, pairs=pairs, dropped=[*result.dropped, *notes, *more])
