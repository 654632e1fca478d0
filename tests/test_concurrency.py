"""One KnowledgeBase used from many threads at once, with no lock held by the callers and no HTTP.

Readers ask while writers edit, delete, re-ingest and add pairs. Every hit must carry the scores of
its own pair: its question similarity is recomputed from the pair it shows (the test embedder is
deterministic), and the phrasing it says it matched must be one of that pair's. A score shown
beside another pair (rows dropped, then matched by position) fails this at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from oftenasked import KnowledgeBase, NotFoundError, Settings
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store

from .conftest import DATA

QUERIES = [json.loads(line)["text"] for line in (DATA / "stackfaq" / "queries.jsonl").read_text().splitlines()[:60]]


def _kb(path: Path) -> KnowledgeBase:
    kb = KnowledgeBase(Store(path), embedder=HashEmbedder(), settings=Settings(query_log=True))
    kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
    return kb


def _check(kb: KnowledgeBase, question: str, problems: list[str]) -> int:
    embedder = kb.embedder
    query = embedder.embed([question])[0]
    hits = kb.search(question, k=10)
    for hit in hits:
        phrasings = [hit.pair.question, *hit.pair.alternates]
        if hit.matched_question not in phrasings:
            problems.append(f"{hit.pair.id}: matched {hit.matched_question!r}, not one of its phrasings")
        expected = float(np.max(embedder.embed(phrasings) @ query))
        if abs(max(expected, 0.0) - hit.signals["question"]) > 0.01:  # (vectors are stored as float16)
            problems.append(f"{hit.pair.id}: question score {hit.signals['question']:.3f}, its own is {expected:.3f}")
    return len(hits)


def test_many_threads_ask_while_others_write(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb.sqlite")
    ids = [p.id for p in kb.pairs()]
    problems: list[str] = []
    checked: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader(n: int) -> None:
        try:
            i = n
            while not stop.is_set():
                checked.append(_check(kb, QUERIES[i % len(QUERIES)], problems))
                kb.record_query(kb.ask(QUERIES[i % len(QUERIES)]))
                i += 7
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def writer(n: int) -> None:
        try:
            for round_ in range(12):
                target = ids[(n * 31 + round_ * 17) % len(ids)]
                try:
                    if round_ % 3 == 0:
                        kb.update_pair(target, question=f"How do I change setting {n}-{round_} of my account?")
                    elif round_ % 3 == 1:
                        kb.delete_pair(target)
                    else:
                        kb.ingest_bytes(
                            json.dumps({"id": f"new-{n}-{round_}", "question": f"Where is my parcel {round_}?",
                                        "answer": "Use the tracking link."}).encode(),
                            f"batch-{n}-{round_}.jsonl",
                        )
                except NotFoundError:  # deleted by the other writer meanwhile
                    pass
                stop.wait(0.3)  # readers rebuild the index, then read, between writes
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    readers = [threading.Thread(target=reader, args=(n,)) for n in range(6)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(timeout=300)
    stop.set()
    for t in readers:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert not problems, problems[:5]
    assert len(checked) >= 30 and sum(checked) >= 300  # the readers really read while the writes went on
    # Afterwards the answers are those of a fresh knowledge base over the same file.
    generation = kb.generation()
    asked = [[h.pair.id for h in kb.search(q, k=5)] for q in QUERIES[:10]]
    kb.close()
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()) as fresh:
        assert fresh.generation() == generation
        assert [[h.pair.id for h in fresh.search(q, k=5)] for q in QUERIES[:10]] == asked
        assert fresh.stats()["questions_asked"] > 0  # the query log was written by its own thread


def test_an_edit_made_with_plain_sqlite3_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    kb = _kb(path)
    question = "How do I delete my facebook account"
    best = kb.ask(question).hits[0]
    second = kb.search(question, k=2)[1]
    shell = sqlite3.connect(path)  # as the sqlite3 shell would
    with shell:
        shell.execute("UPDATE pairs SET answer = answer || ' Edited by hand.' WHERE id = ?", (best.pair.id,))
    shown = {h.pair.id: h.pair for h in kb.search(question, k=10)}  # no reopening, no call to tell it
    assert shown[best.pair.id].answer.endswith(" Edited by hand.")
    with shell:
        shell.execute("DELETE FROM pairs WHERE id = ?", (best.pair.id,))
    after = [h.pair.id for h in kb.search(question, k=10)]
    assert best.pair.id not in after and after[0] == second.pair.id
    shell.close()
    kb.close()


def test_answering_only_from_a_ready_index_never_rebuilds_it(tmp_path: Path) -> None:
    from oftenasked.errors import IndexNotReady
    from oftenasked.settings import Settings

    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(), settings=Settings(live_index=False))
    kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
    kb.ask("how do I delete my facebook account")
    assert kb.index_ready()
    with kb.retrieval.ready_only():
        assert kb.ask("how do I delete my facebook account").answered  # ready: answered here
    kb.delete_pair(kb.pairs()[0].id)
    assert not kb.index_ready()
    with kb.retrieval.ready_only(), pytest.raises(IndexNotReady):
        kb.ask("how do I delete my facebook account")  # stale: not rebuilt here
    assert kb.ask("how do I delete my facebook account").answered  # rebuilt where that is allowed
    kb.close()


def test_live_segments_catch_up_where_only_a_ready_index_may_answer(tmp_path: Path) -> None:
    from oftenasked.errors import IndexNotReady
    from oftenasked.retrieve import segments

    kb = _kb(tmp_path / "kb.sqlite")  # (live segments: the default)
    question = "how do I delete my facebook account"
    best = kb.ask(question).best.pair
    main = kb.index.main  # type: ignore[attr-defined]
    kb.update_pair(best.id, answer=f"{best.answer} Edited.")
    assert kb.index_ready()  # (live: a catch-up from the change log, milliseconds)
    with kb.retrieval.ready_only():
        assert [h.pair.answer for h in kb.ask(question, top=10).hits if h.pair.id == best.id] == [
            f"{best.answer} Edited."]
    assert kb.index.main is main  # type: ignore[attr-defined]  # (no full build)
    kb.ingest_bytes("".join(f'{{"id": "n{i}", "question": "New question {i}?", "answer": "New answer {i}."}}\n'
                            for i in range(segments.EVENT_LOOP_DELTA + 1)).encode(), "many.jsonl", "jsonl")
    with kb.retrieval.ready_only(), pytest.raises(IndexNotReady):
        kb.ask(question)  # a big delta: left to a worker thread
    assert kb.ask("New question 7?").best.pair.id == "n7"
    kb.store.db.execute("DROP TRIGGER pairs_delete_change")
    kb.delete_pair("n7")  # (not logged: only a full build can take it in)
    with kb.retrieval.ready_only(), pytest.raises(IndexNotReady):
        kb.ask(question)
    assert "n7" not in [h.pair.id for h in kb.search("New question 7?", k=10)]
    kb.close()


def test_asking_inside_a_write_sees_it_and_shares_nothing_of_it(tmp_path: Path) -> None:
    kb = _kb(tmp_path / "kb.sqlite")
    question = "How do I delete my facebook account"
    best = kb.search(question, k=1)[0].pair.id
    with pytest.raises(RuntimeError), kb.store.transaction():
        kb.store.delete_pairs([best])
        assert best not in [h.pair.id for h in kb.search(question, k=10)]  # its own write, seen
        raise RuntimeError("rolled back")
    assert kb.search(question, k=1)[0].pair.id == best  # the index of the rolled-back write was never shared
    kb.close()


def test_where_only_a_ready_index_may_answer_nothing_waits_behind_a_build(tmp_path: Path) -> None:
    from oftenasked.errors import IndexNotReady

    kb = _kb(tmp_path / "kb.sqlite")
    question = "how do I delete my facebook account"
    best = kb.ask(question).best.pair
    kb.update_pair(best.id, answer=f"{best.answer} Edited.")
    # (another thread's build under way)
    with kb.retrieval._building, kb.retrieval.ready_only(), pytest.raises(IndexNotReady):
        kb.ask(question)
    with kb.retrieval.ready_only():
        assert any(h.pair.answer.endswith("Edited.") for h in kb.ask(question, top=10).hits)
    kb.close()
