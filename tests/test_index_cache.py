"""The on-disk cache of the search index: used when fresh, rebuilt when the knowledge base changes,
never trusted when its stamp differs, and giving the same hits as a fresh build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from oftenasked import KnowledgeBase
from oftenasked.retrieve import cache
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.retrieve.fusion import Weights
from oftenasked.retrieve.index import SearchIndex
from oftenasked.settings import Settings
from oftenasked.store import Store

from .conftest import DATA, SEED

QUESTIONS = [
    "why does my lower back hurt when I run?",
    "how do I delete my facebook account",
    "strikethrough text in github markdown",
    "what helps back pain after running",
    "NOT working OR broken?",
]


def _kb(path: Path, live_index: bool = True) -> KnowledgeBase:
    return KnowledgeBase(Store(path), embedder=HashEmbedder(), settings=Settings(live_index=live_index))


def _summary(kb: KnowledgeBase) -> list[list[tuple[str, float, str, dict[str, float]]]]:
    return [
        [(h.pair.id, h.score, h.matched_question, h.signals) for h in kb.search(q, k=10)] for q in QUESTIONS
    ]


def test_cache_is_written_then_used_with_the_same_hits(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with _kb(path) as kb:
        kb.ingest([SEED, DATA / "stackfaq" / "corpus.jsonl"])
        built = _summary(kb)
        assert not kb.index.from_cache
    folder = Path(str(path) + ".index")
    assert (folder / "stamp.json").exists()
    with _kb(path) as kb:
        assert kb.index.from_cache
        assert _summary(kb) == built
        assert [kb.related(q) for q in QUESTIONS[:2]] == [kb.related(q) for q in QUESTIONS[:2]]


def test_cached_index_equals_a_fresh_build_array_for_array(tmp_path: Path) -> None:
    with _kb(tmp_path / "kb.sqlite") as kb:
        kb.ingest([SEED, DATA / "stackfaq" / "corpus.jsonl"])
        fresh = SearchIndex(kb.store, kb.embedder, use_cache=False)
        SearchIndex(kb.store, kb.embedder)  # writes the cache
        cached = SearchIndex(kb.store, kb.embedder)
        assert cached.from_cache and not fresh.from_cache
        assert np.array_equal(fresh.main_question_vectors, cached.main_question_vectors)
        for q in QUESTIONS:
            vector = kb.embedder.embed([q])[0]
            a, b = fresh.search(q, vector, 20, Weights()), cached.search(q, vector, 20, Weights())
            assert np.array_equal(a.order, b.order) and np.array_equal(a.fused, b.fused)
            assert all(np.array_equal(a.signals[s], b.signals[s]) for s in a.signals)
            assert [fresh.q_ordinals[i] for i in a.matched_text] == [cached.q_ordinals[i] for i in b.matched_text]


def test_a_change_rebuilds_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with _kb(path, live_index=False) as kb:  # every change a full rebuild
        kb.ingest([SEED])
        before = kb.index
        assert not kb.search("Strikethrough with GitHub Markdown")[0].pair.id.startswith("T001")
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
        after = kb.index
        assert after is not before and not after.from_cache
        assert kb.search("Strikethrough with GitHub Markdown")[0].pair.id.startswith("T001")
    stamp = json.loads((Path(str(path) + ".index") / "stamp.json").read_text())
    with _kb(path, live_index=False) as kb:
        assert stamp["generation"] == kb.store.generation()
        assert kb.index.from_cache


def test_with_live_segments_a_merge_writes_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with _kb(path) as kb:  # (live segments: the default)
        kb.ingest([SEED])
        before = kb.index
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
        assert kb.search("Strikethrough with GitHub Markdown")[0].pair.id.startswith("T001")  # from the delta
        assert kb.index is before and before.delta_size > 0  # type: ignore[attr-defined]
        generation = kb.store.generation()
        assert json.loads((Path(str(path) + ".index") / "stamp.json").read_text())["generation"] < generation
        before.merge()  # type: ignore[attr-defined]  # (what the background merge does)
        assert before.delta_size == 0 and not before.from_cache  # type: ignore[attr-defined]
    stamp = json.loads((Path(str(path) + ".index") / "stamp.json").read_text())
    with _kb(path) as kb:
        assert stamp["generation"] == kb.store.generation() == generation
        assert kb.index.from_cache and kb.index.delta_size == 0  # type: ignore[attr-defined]
        assert kb.search("Strikethrough with GitHub Markdown")[0].pair.id.startswith("T001")


def test_another_knowledge_base_at_the_same_path_is_never_served_the_old_cache(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with _kb(path) as kb:
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
        kb.search("anything")
        generation = kb.store.generation()
    for leftover in tmp_path.glob("kb.sqlite*"):
        if leftover.is_file():
            leftover.unlink()
    with _kb(path) as kb:
        kb.ingest([SEED])
        with kb.store.transaction() as db:  # the same counter, different content
            db.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(generation),))
        assert kb.store.generation() == generation
        assert not kb.index.from_cache
        assert all(h.pair.origin.endswith(SEED.name) for h in kb.search("running", k=5))


def test_a_damaged_cache_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with _kb(path) as kb:
        kb.ingest([SEED])
        expected = _summary(kb)
    folder = Path(str(path) + ".index")
    (folder / "q_vectors.npy").write_bytes(b"not numpy")
    with _kb(path) as kb:
        assert not kb.index.from_cache
        assert _summary(kb) == expected
    shutil.rmtree(folder)
    with _kb(path) as kb:
        assert _summary(kb) == expected
    assert cache.fresh(folder, json.loads((folder / "stamp.json").read_text()))


def test_an_in_memory_knowledge_base_has_no_cache(tmp_path: Path) -> None:
    kb = KnowledgeBase(Store(":memory:"), embedder=HashEmbedder())
    kb.ingest([SEED])
    assert kb.search("back pain when running")
    assert cache.folder_for(kb.store) is None
    assert not list(tmp_path.iterdir())


def test_a_staging_folder_left_by_a_killed_save_is_removed_at_the_next_start(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    path = tmp_path / "kb.sqlite"
    with _kb(path) as kb:
        kb.ask("warm up")  # builds and saves the cache
    folder = Path(str(path) + ".index")
    # A process that was killed while saving: its pid is gone, its half-written folder is not.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f"kb.sqlite.index.tmp-{int(dead.stdout)}-abcd1234"
    (left / "vectors").mkdir(parents=True)
    (left / "vectors" / "part.npy").write_bytes(b"\0" * 1024)
    replaced = tmp_path / f"kb.sqlite.index.old-{int(dead.stdout)}-efgh5678"
    replaced.mkdir()
    # A save in progress in a live process, and an old-style name just written: both stay.
    busy = cache.staging(folder)
    recent = tmp_path / "kb.sqlite.index.tmp-legacy01"
    recent.mkdir()
    stale = tmp_path / "kb.sqlite.index.tmp-legacy02"
    stale.mkdir()
    an_hour_ago = time.time() - 7200
    os.utime(stale, (an_hour_ago, an_hour_ago))
    with _kb(path) as kb:
        assert kb.ask("warm up").question == "warm up"  # a new start loads the index
    assert not left.exists() and not replaced.exists() and not stale.exists()
    assert busy.exists() and recent.exists() and folder.exists()


def test_only_an_older_cache_of_the_same_file_and_model_is_a_starting_point(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with _kb(path) as kb:
        kb.ingest([SEED])
        kb.search("running")
        folder = Path(str(path) + ".index")
        saved = json.loads((folder / "stamp.json").read_text())
        now = cache.stamp(kb.store, kb.embedder.name, kb.embedder.dim)
        assert cache.stale(folder, now) is None  # (fresh: not stale)
        later = now | {"generation": now["generation"] + 3, "seq": now["seq"] + 3, "pairs": now["pairs"] + 1}
        assert cache.stale(folder, later) == saved
        for other in ({"model": "another-model"}, {"file": now["file"] + 1}, {"format": cache.FORMAT + 1},
                      {"generation": now["generation"]}, {"seq": now["seq"] - 1}, {"seq": None}):
            assert cache.stale(folder, later | other) is None, other
