"""Live index updates: a delta segment and a removal mask beside the main index, merged in the background."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from oftenasked import KnowledgeBase
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.retrieve.fusion import Weights
from oftenasked.retrieve.index import SearchIndex
from oftenasked.retrieve.segments import SegmentedIndex
from oftenasked.store import Store

from .conftest import SEED

TOPICS = ("knee", "back", "shoulder", "ankle", "hip", "neck", "wrist", "foot")
WORDS = ("stretch", "ice", "warm", "cool", "shoes", "pace", "hill", "core", "glute", "physio", "sleep", "water")


def faq(path: Path, part: str, n: int) -> Path:
    lines = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        words = " ".join(WORDS[(i * 5 + j * j) % len(WORDS)] for j in range(6 + i % 30))
        lines.append({"id": f"{part}-{i}", "question": f"What helps {topic} pain case{i} in {part}?",
                      "answer": f"For {topic} pain case{i} in {part}: {words}."})
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    kb.ingest([SEED, faq(tmp_path / "main.jsonl", "main", 300)])
    yield kb
    kb.close()


def ranked(index: SearchIndex | SegmentedIndex, kb: KnowledgeBase, question: str, k: int = 10) -> list[tuple]:
    found = index.search(question, kb.embedder.embed([question])[0], k, kb.weights)
    return [(int(index.rowids[p]), float(f), *(float(found.signals[s][i]) for s in sorted(found.signals)))
            for i, (p, f) in enumerate(zip(found.order, found.fused))]


def untied(found: list[tuple]) -> list[set[int]]:
    """The pairs of a ranking grouped by fused score, the last group left out: pairs that tie
    exactly come in position order, which differs between layouts, and which of a tie at the
    cut-off made the list is arbitrary."""
    groups: list[tuple[float, set[int]]] = []
    for rowid, fused, *_ in found:
        if groups and abs(groups[-1][0] - fused) < 1e-6:
            groups[-1][1].add(rowid)
        else:
            groups.append((fused, {rowid}))
    return [members for _, members in groups[:-1]]


def edit(kb: KnowledgeBase, tmp_path: Path) -> list[str]:
    """An answer edited, a pair deleted, a source of new pairs added; the questions to ask about them."""
    kb.update_pair("main-7", answer="For shoulder pain: rest it, then see a physiotherapist about rotator cuff work.")
    kb.delete_pair("main-8")
    kb.ingest([faq(tmp_path / "new.jsonl", "new", 12)])
    return [kb.pair("main-7").question, "What helps wrist pain case8 in main?", "What helps knee pain case0 in new?",
            "rotator cuff physiotherapist", "Why does my lower back hurt when I run?", "ankle pain ice"]


def test_changes_are_searched_at_once_and_removed_pairs_never_come_back(kb: KnowledgeBase, tmp_path: Path) -> None:
    live = SegmentedIndex(kb.store, kb.embedder)
    assert live.delta_size == 0 and live.size == len(kb)
    questions = edit(kb, tmp_path)
    assert live.refresh()
    assert live.delta_size == 13 and int(live.removed.sum()) == 2  # main-7 changed (masked, in the delta), main-8 gone
    assert not live.refresh()  # nothing new since
    rebuilt = SearchIndex(kb.store, kb.embedder, use_cache=False)
    deleted = kb.store.db.execute("SELECT max(rowid) FROM pairs").fetchone()[0] + 1  # (any rowid not in the store)
    for question in questions:
        got, want = ranked(live, kb, question), ranked(rebuilt, kb, question)
        assert deleted not in {r for r, *_ in got}
        assert kb.store.rowid_of("main-8") is None
        # Before any merge: the same answers in the same order, and every signal and fused score a full
        # rebuild's (BM25 too: each segment is scored with the word statistics of all live pairs).
        assert np.allclose([t[1:] for t in got], [t[1:] for t in want], atol=1e-5), question
        assert untied(got) == untied(want), question
    edited = ranked(live, kb, "rotator cuff physiotherapist")[0][0]
    assert edited == kb.store.rowid_of("main-7")


def test_after_a_merge_answers_and_scores_are_a_full_rebuilds(kb: KnowledgeBase, tmp_path: Path) -> None:
    live = SegmentedIndex(kb.store, kb.embedder)
    questions = edit(kb, tmp_path)
    live.refresh()
    merging = live.merge_in_background()
    during = [ranked(live, kb, q) for q in questions]  # searches go on while the merge runs
    merging.join(60)
    assert all(during)
    assert live.delta_size == 0 and not live.removed.any() and live.generation == kb.store.generation()
    rebuilt = SearchIndex(kb.store, kb.embedder, use_cache=False)
    for question in questions:
        assert ranked(live, kb, question) == ranked(rebuilt, kb, question)


def test_a_big_delta_merges_by_itself(kb: KnowledgeBase, tmp_path: Path) -> None:
    live = SegmentedIndex(kb.store, kb.embedder, merge_at=10)
    kb.ingest([faq(tmp_path / "new.jsonl", "new", 40)])
    live.refresh()
    live._merging.join(60)  # type: ignore[union-attr]
    assert live.delta_size == 0 and live.size == len(kb)


def test_filters_apply_to_both_segments(kb: KnowledgeBase, tmp_path: Path) -> None:
    live = SegmentedIndex(kb.store, kb.embedder)
    edit(kb, tmp_path)
    live.refresh()
    new = {kb.store.rowid_of(f"new-{i}") for i in range(12)}
    mask = np.isin(live.rowids, list(new))
    found = live.search("knee pain", kb.embedder.embed(["knee pain"])[0], 5, Weights(), mask)
    assert len(found.order) == 5 and {int(live.rowids[p]) for p in found.order} <= new


def test_the_knowledge_base_follows_edits_with_segments(tmp_path: Path) -> None:
    from oftenasked.settings import Settings

    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(), settings=Settings(live_index=True)) as kb:
        kb.ingest([SEED, faq(tmp_path / "main.jsonl", "main", 300)])
        first = kb.index
        assert isinstance(first, SegmentedIndex)
        question = kb.pair("main-7").question
        assert kb.ask(question).best.pair.id == "main-7"
        kb.update_pair("main-7", answer="Rest the foot, then see a physiotherapist.")
        assert kb.ask(question).best.pair.answer == "Rest the foot, then see a physiotherapist."
        kb.delete_pair("main-7")
        assert "main-7" not in [h.pair.id for h in kb.search(question, k=50)]
        kb.ingest([faq(tmp_path / "new.jsonl", "new", 5)])
        assert kb.ask("What helps hip pain case4 in new?").best.pair.id == "new-4"
        assert kb.related("What helps hip pain case4 in new?")
        assert kb.index is first and first.delta_size == 5  # never rebuilt: the delta took the changes


def test_answers_remembered_before_a_merge_are_not_used_after_it(tmp_path: Path) -> None:
    """A merge moves pairs to new positions at the same generation: what was kept by position
    (recent searches, filter postings) must not be used with the merged index."""
    from oftenasked.settings import Settings

    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(), settings=Settings(live_index=True)) as kb:
        kb.ingest([SEED, faq(tmp_path / "main.jsonl", "main", 300)])
        kb.ask("built before the edits")
        kb.update_pair("main-0", answer="Ice it, then stretch gently.")  # into the delta, at the end
        kb.delete_pair("main-1")
        question = kb.pair("main-0").question
        before = kb.ask(question).best
        assert before.pair.answer == "Ice it, then stretch gently."
        assert kb.search(question, k=5, filters={"origin": str(tmp_path / "main.jsonl")})
        kb.index.merge()  # type: ignore[attr-defined]  # (what the background merge does, here at once)
        after = kb.ask(question).best
        assert (after.pair.id, after.pair.answer) == (before.pair.id, before.pair.answer)
        filtered = kb.search(question, k=5, filters={"origin": str(tmp_path / "main.jsonl")})
        assert filtered[0].pair.id == "main-0" and all(h.pair.origin == str(tmp_path / "main.jsonl") for h in filtered)


def test_a_refresh_reads_only_the_pairs_the_change_log_names(kb: KnowledgeBase, tmp_path: Path) -> None:
    live = SegmentedIndex(kb.store, kb.embedder)
    main = live.main
    questions = edit(kb, tmp_path)
    assert live.refresh() and live.main is main  # every change was logged: no rebuild, a delta
    rebuilt = SearchIndex(kb.store, kb.embedder, use_cache=False)
    for question in questions:
        assert np.allclose([t[1:] for t in ranked(live, kb, question)], [t[1:] for t in ranked(rebuilt, kb, question)],
                           atol=1e-5), question
    kb.update_pair("new-3", answer="For knee pain: ice, then strengthen the quads.")  # a second refresh
    assert live.refresh() and live.main is main and live.delta_size == 13  # (main-7 and the 12 new)
    assert kb.store.rowid_of("new-3") in [r[0] for r in ranked(live, kb, "ice then strengthen the quads")]
    live._seq = None  # as without the log: a full build instead
    kb.update_pair("new-4", answer="For hip pain: glute bridges.")
    assert live.refresh() and live.main is not main and live.delta_size == 0 and not live.removed.any()
    assert ranked(live, kb, "glute bridges") == ranked(SearchIndex(kb.store, kb.embedder, use_cache=False), kb,
                                                       "glute bridges")


def test_changes_the_log_cannot_name_fall_back_to_a_full_build(kb: KnowledgeBase, tmp_path: Path) -> None:
    live = SegmentedIndex(kb.store, kb.embedder)
    db = kb.store.db
    # A change by hand that leaves the log out, then a log pruned past where the segments were.
    db.execute("DROP TRIGGER pairs_delete_change")
    first = live.main
    kb.delete_pair("main-9")
    assert live.refresh() and live.main is not first and live.size == len(kb)
    assert "main-9" not in {p.id for p in kb.store.pairs([int(r) for r in live.rowids])}
    kb.update_pair("main-12", answer="For wrist pain: a splint at night.")
    assert live.refresh() and int(np.sum(live.removed)) == 1 and live.delta_size == 1  # logged again: a delta
    second = live.main
    kb.delete_pair("main-10")  # (not logged: the trigger is gone)
    db.execute("INSERT INTO pair_changes(seq, pair_rowid) VALUES (1000000, 0)")  # the prune trigger fires
    assert db.execute("SELECT min(seq) FROM pair_changes").fetchone()[0] == 1000000
    kb.update_pair("main-11", answer="For ankle pain: a brace, then balance work.")
    assert live.refresh() and live.main is not second and live.size == len(kb) and live.delta_size == 0
    assert "main-10" not in [kb.store.pairs([int(live.rowids[p])])[0].id
                             for p in live.search("ankle", kb.embedder.embed(["ankle"])[0], 50, Weights()).order]


def test_a_new_process_after_an_edit_starts_from_the_cache_and_catches_up(tmp_path: Path) -> None:
    """An edit made by one process (or the sqlite3 shell) is not a full rebuild for the next one:
    it loads the index cached before the edit and takes in what the change log says changed."""
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED, faq(tmp_path / "main.jsonl", "main", 300)])
        kb.ask("build the index and its cache")
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as other:  # another process: edits only
        other.update_pair("main-7", answer="For shoulder pain: rest it, then see a physiotherapist.")
        other.delete_pair("main-8")
        other.ingest([faq(tmp_path / "new.jsonl", "new", 12)])
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        index = kb.index
        assert isinstance(index, SegmentedIndex) and index.from_cache  # no rebuild
        assert index.delta_size == 13 and int(index.removed.sum()) == 2
        rebuilt = SearchIndex(kb.store, kb.embedder, use_cache=False)
        for question in ("shoulder physiotherapist", kb.pair("main-7").question, "What helps knee pain case0 in new?",
                         "What helps wrist pain case8 in main?"):
            got, want = ranked(index, kb, question), ranked(rebuilt, kb, question)
            assert np.allclose([t[1:] for t in got], [t[1:] for t in want], atol=1e-5), question
            assert untied(got) == untied(want), question
        assert kb.search("shoulder pain rest then see a physiotherapist", k=1)[0].pair.id == "main-7"
        assert "main-8" not in [h.pair.id for h in kb.search("What helps wrist pain case8 in main?", k=50)]


def test_a_cached_index_whose_log_does_not_add_up_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        kb.ingest([SEED, faq(tmp_path / "main.jsonl", "main", 30)])
        kb.ask("build the index and its cache")
        kb.store.db.execute("DROP TRIGGER pairs_delete_change")
    stamp_path = Path(str(path) + ".index") / "stamp.json"
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as other:
        other.delete_pair("main-3")  # not logged: the cached index cannot be caught up from the log
        other.update_pair("main-4", answer="Logged.")
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        assert not kb.index.from_cache and kb.index.size == len(kb)  # type: ignore[attr-defined]
        assert "main-3" not in [h.pair.id for h in kb.search(kb.pair("main-2").question, k=50)]
    stamp = json.loads(stamp_path.read_text())
    stamp["seq_pair"] = -1  # as if the log were another knowledge base's
    stamp_path.write_text(json.dumps(stamp))
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as other:
        other.update_pair("main-5", answer="Changed again.")
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        assert not kb.index.from_cache  # type: ignore[attr-defined]
        assert kb.ask(kb.pair("main-5").question).best.pair.answer == "Changed again."


def test_live_segments_follow_the_change_log_on_postgres(pg_url: str, tmp_path: Path) -> None:
    from oftenasked.settings import Settings
    from oftenasked.store import open_store

    with KnowledgeBase(open_store(pg_url), embedder=HashEmbedder(), settings=Settings(live_index=True)) as kb:
        kb.ingest([SEED, faq(tmp_path / "main.jsonl", "main", 50)])
        question = kb.pair("main-7").question
        assert kb.ask(question).best.pair.id == "main-7"
        logged = kb.store.db.execute("SELECT count(*) FROM pair_changes").fetchone()[0]
        assert logged >= len(kb)
        main = kb.index.main  # type: ignore[attr-defined]
        kb.update_pair("main-7", answer="For foot pain case7 in main: rest, then cycle gently.")
        assert kb.ask(question).best.pair.answer == "For foot pain case7 in main: rest, then cycle gently."
        kb.delete_pair("main-7")
        assert "main-7" not in [h.pair.id for h in kb.search(question, k=50)]
        assert kb.store.db.execute("SELECT count(*) FROM pair_changes").fetchone()[0] == logged + 2
        assert kb.index.main is main  # type: ignore[attr-defined]  # (followed from the log: no rebuild)


def test_an_answer_that_overlaps_a_merge_is_worked_out_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A background merge swaps the segments while a question is answered: between its search and
    the reading of its pairs here (the worst moment). The answer is the right one, not an error."""
    from oftenasked.retrieve.live import LiveIndex
    from oftenasked.settings import Settings

    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder(), settings=Settings(live_index=True)) as kb:
        kb.ingest([SEED, faq(tmp_path / "main.jsonl", "main", 300)])
        kb.ask("built before the edits")
        kb.update_pair("main-0", answer="Ice it, then stretch gently.")  # in the delta: after every main position
        kb.delete_pair("main-1")
        question = kb.pair("main-0").question
        real = LiveIndex.pairs_at
        merges: list[int] = []

        def merge_first(self: LiveIndex, index: object, positions: object) -> object:
            if not merges:
                merges.append(1)
                index.merge()  # type: ignore[attr-defined]
            return real(self, index, positions)  # type: ignore[arg-type]

        monkeypatch.setattr(LiveIndex, "pairs_at", merge_first)
        best = kb.ask(question).best
        assert merges and (best.pair.id, best.pair.answer) == ("main-0", "Ice it, then stretch gently.")


def test_a_pending_delta_merges_once_edits_go_quiet(kb: KnowledgeBase, tmp_path: Path) -> None:
    # Until a merge, each segment keeps its own BM25 statistics; after a quiet spell the segments merge
    # by themselves, and scores are a full rebuild's again.
    live = SegmentedIndex(kb.store, kb.embedder, merge_quiet=0.2)
    questions = edit(kb, tmp_path)
    live.refresh()
    assert live.delta_size > 0
    live.refresh()  # (too soon: nothing happens)
    assert live.delta_size > 0 and (live._merging is None or not live._merging.is_alive())
    time.sleep(0.3)
    live.refresh()
    assert live._merging is not None
    live._merging.join(60)
    assert live.delta_size == 0 and not live.removed.any()
    rebuilt = SearchIndex(kb.store, kb.embedder, use_cache=False)
    for question in questions:
        assert ranked(live, kb, question) == ranked(rebuilt, kb, question)
