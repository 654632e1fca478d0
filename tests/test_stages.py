"""The pure functions of each stage, tested directly: fusion, confidence, related selection,
chunking, and BM25 against bm25s itself and against the formula by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from oftenasked.answer import confidence
from oftenasked.answer.background import SAMPLED, Background
from oftenasked.answer.related import DUPLICATE, select_related
from oftenasked.retrieve.chunk import chunks, passages
from oftenasked.retrieve.fusion import Weights, convex, rrf, scale_by_max
from oftenasked.retrieve.lexical import LexicalIndex


# -- fusion -----------------------------------------------------------------------------------
def test_scale_by_max_spans_zero_to_one() -> None:
    assert np.allclose(scale_by_max(np.array([2.0, 1.0, 0.0])), [1.0, 0.5, 0.0])
    assert np.array_equal(scale_by_max(np.zeros(3)), np.zeros(3))  # no match: all zero, not NaN
    assert len(scale_by_max(np.zeros(0))) == 0


def test_convex_is_the_weighted_sum() -> None:
    rng = np.random.default_rng(0)
    signals = {name: rng.random(5) for name in ("question", "answer", "lexical_question", "lexical_answer")}
    w = Weights(question=0.2, answer=0.3, lexical_question=0.1, lexical_answer=0.4)
    expected = sum(getattr(w, name) * values for name, values in signals.items())
    assert np.allclose(convex(signals, w), expected)


def test_rrf_rewards_agreeing_rankings() -> None:
    fused = rrf([np.array([2, 0, 1]), np.array([2, 1, 0])], n=4)
    assert fused.argmax() == 2 and fused[3] == 0.0 and fused[0] == fused[1]


# -- confidence -------------------------------------------------------------------------------
def _signals(q: list[float], a: list[float]) -> dict[str, np.ndarray]:
    zeros = np.zeros(len(q))
    return {"question": np.array(q), "answer": np.array(a), "lexical_question": zeros, "lexical_answer": zeros}


def test_the_margin_is_over_the_best_hit_asking_something_else() -> None:
    fused = np.array([0.9, 0.85, 0.5])
    x = confidence.features(_signals([0.9, 0.9, 0.5], [0.9, 0.8, 0.5]), fused, ["Q one?", "q ONE?", "other"])
    margin = x[:, confidence.Calibration.FEATURES.index("margin")]
    assert np.allclose(margin, [0.4, 0.35, 0.5 - 0.9])  # the same question (case, spaces) is no rival


def test_confidence_is_a_probability_that_never_rises_down_the_ranking() -> None:
    fused = np.array([0.95, 0.3, 0.6, 0.2])  # out of order on purpose
    p = confidence.DEFAULT.probability(_signals([0.95, 0.3, 0.6, 0.2], [0.95, 0.3, 0.6, 0.2]), fused, list("abcd"))
    assert np.all((p >= 0) & (p <= 1)) and np.all(np.diff(p) <= 0)
    # Read against a knowledge base whose wrong first hits score 0.4-0.7 (questions it cannot answer):
    wrong = tuple(np.linspace(0.4, 0.7, 101).tolist())
    margins = tuple(np.linspace(0.0, 0.1, 101).tolist())
    dense = Background(samples={"fused": wrong, "question": wrong, "answer": wrong, "margin": margins})
    strong = confidence.DEFAULT.probability(_signals([0.95, 0.2], [0.95, 0.2]), np.array([0.95, 0.2]), ["a", "b"], dense)
    weak = confidence.DEFAULT.probability(_signals([0.5, 0.45], [0.5, 0.45]), np.array([0.5, 0.45]), ["a", "b"], dense)
    assert strong[0] > 0.85 > 0.5 > weak[0]
    # The same weak hit in a knowledge base where nothing wrong scores above 0.3 stands out.
    low = tuple(np.linspace(0.0, 0.3, 101).tolist())
    sparse = Background(samples={"fused": low, "question": low, "answer": low, "margin": margins})
    alone = confidence.DEFAULT.probability(_signals([0.5, 0.45], [0.5, 0.45]), np.array([0.5, 0.45]), ["a", "b"], sparse)
    assert alone[0] > 0.5 > weak[0]


def test_a_background_places_a_hit_among_the_wrong_answers_and_round_trips() -> None:
    sample = tuple(np.linspace(0.2, 0.8, 300).tolist())
    bg = Background(fused=0.5, question=0.5, answer=0.5, questions_asked=300, samples={n: sample for n in SAMPLED})
    assert np.allclose(bg.percentile("fused", np.array([0.1, 0.5, 0.9])), [0.1 * 30 / 330, (150 + 15) / 330, (300 + 27) / 330])
    # A background of four questions barely moves a percentile off the signal itself.
    few = Background(samples={n: (0.2, 0.4, 0.6, 0.8) for n in SAMPLED})
    assert np.allclose(few.percentile("answer", np.array([0.9])), [(4 + 0.9 * 30) / 34])
    assert Background.from_dict(json.loads(json.dumps(bg.to_dict()))) == bg
    # No background measured (a knowledge base of one pair): the signal itself stands in.
    assert Background().percentile("question", np.array([-0.2, 0.3, 1.4])).tolist() == [0.0, 0.3, 1.0]
    # A cached background from before the samples is not taken for one with them.
    with pytest.raises(ValueError):
        Background.from_dict({"fused": 0.5, "question": 0.5, "answer": 0.5, "questions_asked": 4})


# -- related selection ------------------------------------------------------------------------
def _unit(*rows: list[float]) -> np.ndarray:
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_related_skips_rephrasings_and_the_answer_shown_and_picks_apart() -> None:
    vectors = _unit(
        [1, 0, 0, 0],  # 0: the question asked, again (a rephrasing)
        [0.6, 0.8, 0, 0],  # 1: related
        [0.6, 0.79, 0.05, 0],  # 2: almost the same as 1
        [0.6, 0, 0.8, 0],  # 3: related, another need
        [0.7, 0, 0, 0.71],  # 4: the answer shown
    )
    query = vectors[0]
    assert vectors[0] @ query >= DUPLICATE
    picked = select_related(np.arange(5), vectors @ query, vectors, query, shown=[4], top=3)
    ids = [i for i, _ in picked]
    assert 0 not in ids and 4 not in ids
    assert ids[:2] in ([1, 3], [3, 1]) or ids[:2] in ([2, 3], [3, 2])  # one of the near twins, then the other need
    assert len({1, 2} & set(ids[:2])) == 1
    assert select_related(np.arange(5), vectors @ query, vectors, query, shown=[], top=0) == []


# -- chunking ---------------------------------------------------------------------------------
def test_chunks_cut_at_sentence_ends_within_the_word_budget() -> None:
    text = "One two three. Four five six seven. Eight nine.\nTen eleven twelve thirteen fourteen."
    assert chunks(text, words=7, limit=3) == ["One two three. Four five six seven.",
                                               "Eight nine. Ten eleven twelve thirteen fourteen."]
    assert chunks(text, words=5, limit=3) == ["One two three.", "Four five six seven.", "Eight nine."]
    assert chunks(text, words=7, limit=1) == ["One two three. Four five six seven."]
    assert chunks("   ", words=7) == []


def test_passages_carry_their_question_in_front() -> None:
    assert passages("Why?", "Because. It is so.") == ["Why?\nBecause. It is so."]
    assert passages("Why?", "") == ["Why?\n"]  # an empty answer still has a passage to embed


# -- BM25 -------------------------------------------------------------------------------------
CORPUS = ["cat dog cat", "dog bird", "fish", "cat cat cat bird fish fish"]


def test_bm25_is_the_lucene_formula() -> None:
    k1, b = 1.5, 0.75  # bm25s' defaults (method "lucene")
    docs = [d.split() for d in CORPUS]
    avgdl = sum(map(len, docs)) / len(docs)

    def by_hand(query: str) -> list[float]:
        out = []
        for doc in docs:
            score = 0.0
            for word in query.split():
                df = sum(word in d for d in docs)
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                tf = doc.count(word)
                # (Lucene since 8.0, and so bm25s, leave out the constant factor k1 + 1.)
                score += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl)) if tf else 0.0
            out.append(score)
        return out

    index = LexicalIndex(CORPUS)
    for query in ("cat", "bird fish", "dog dog", "unknown"):
        assert np.allclose(index.scores(query), by_hand(query), atol=1e-5), query
        assert np.allclose(index.scores(query, fast=True), by_hand(query), atol=1e-5), query


def test_bm25_matches_bm25s_on_real_text() -> None:
    bm25s = pytest.importorskip("bm25s")
    import json

    import Stemmer

    from .conftest import DATA

    texts = [json.loads(line)["answer"] for line in (DATA / "stackfaq" / "corpus.jsonl").read_text().splitlines()]
    ours = LexicalIndex(texts)
    stemmer = Stemmer.Stemmer("english")
    reference = bm25s.BM25()
    reference.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    for query in ("how do I delete my facebook account", "gmail filters for labels", "export contacts to csv"):
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False)
        vocab = {i: w for w, i in tokens.vocab.items()}
        words = [vocab[i] for i in tokens.ids[0]]
        expected = reference.get_scores(words)
        assert np.allclose(ours.scores(query, fast=True), expected, atol=1e-4), query
