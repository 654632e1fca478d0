"""Distributed ingest on a real local Dask cluster of two worker processes: the same knowledge base as on one machine."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from oftenasked import KnowledgeBase
from oftenasked.cli import cli
from oftenasked.errors import IngestError, OftenaskedError
from oftenasked.retrieve.embed import HashEmbedder, default_embedder
from oftenasked.store import Store

from .conftest import SEED

distributed = pytest.importorskip("distributed", reason="the distributed extra is not installed")

from oftenasked.ingest.distributed import DaskRunner  # noqa: E402


@pytest.fixture(scope="module")
def runner():
    with DaskRunner.local(workers=2) as running:
        yield running


WORDS = ("stretch", "ice", "warm", "cool", "shoes", "pace", "hill", "core", "glute", "hamstring", "physio", "sleep",
         "water", "cadence", "posture", "foam", "roller", "yoga", "swim", "cycle", "walk", "plank", "bridge", "calf")


def write_collection(folder: Path, sources: int = 30, per_source: int = 12) -> Path:
    """FAQ files of two formats, with one question repeated across sources (merged) and one bad file."""
    folder.mkdir(parents=True, exist_ok=True)
    for s in range(sources):
        lines = []
        for p in range(per_source):
            topic = ("knee", "back", "shoulder", "ankle", "hip")[(s + p) % 5]
            if p == 0:  # the same question and answer in many sources: merged into one pair
                question, answer = f"Is it safe to run with {topic} pain?", f"See a doctor about {topic} pain first."
            else:
                question = f"How long should a {topic} injury number {p} of part {s} rest before running?"
                words = [WORDS[(s * 7 + p * 3 + i * i) % len(WORDS)] for i in range(5 + (s * p) % 150)]
                answer = f"Source {s} says: " + " ".join(words) + "."
            lines.append({"question": question, "answer": answer, "topic": topic})
        if s % 3 == 0:
            (folder / f"faq-{s:02}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
        else:
            body = "\n\n".join(f"## {r['question']}\n\n{r['answer']}" for r in lines)
            (folder / f"faq-{s:02}.md").write_text(f"# FAQ {s}\n\n{body}\n", encoding="utf-8")
    (folder / "broken.jsonl").write_text('{"question": "Half a record?", "answer": \n', encoding="utf-8")
    return folder


def snapshot(kb: KnowledgeBase) -> tuple[list[tuple[object, ...]], dict[str, np.ndarray]]:
    """Every pair as stored (bar ingestion times) and the vector of every text, by text hash."""
    pairs = sorted((p.id, p.question, p.answer, p.source, p.origin, p.position, p.alternates,
                    json.dumps(p.metadata, sort_keys=True)) for p in kb.pairs())
    hashes = [h for (h,) in kb.store.db.execute("SELECT DISTINCT text_hash FROM texts")]
    return pairs, kb.store.cached_vectors(kb.embedder.name, hashes)


def report_view(report) -> list[tuple[object, ...]]:
    return [(s.origin, s.kept, s.added, s.changed, s.removed, s.error) for s in report.sources]


def test_a_cluster_ingests_what_one_machine_does(tmp_path: Path, runner: DaskRunner) -> None:
    folder = write_collection(tmp_path / "faq")
    assert runner.workers == 2
    with KnowledgeBase(Store(tmp_path / "one.sqlite"), embedder=HashEmbedder()) as one, \
            KnowledgeBase(Store(tmp_path / "many.sqlite"), embedder=HashEmbedder()) as many:
        local = one.ingest([folder])
        seen: list[tuple[str, int, int]] = []
        spread = many.ingest([folder], runner=runner, progress=lambda *step: seen.append(step))
        assert report_view(spread) == report_view(local)
        assert spread.embedded == local.embedded > 0
        assert [e.origin for e in spread.errors] == [str(folder / "broken.jsonl")]
        assert any(p.alternates for p in many.pairs()) or len(many) < len(local.sources) * 12  # some were merged
        pairs, vectors = snapshot(many)
        assert (pairs, sorted(vectors)) == (snapshot(one)[0], sorted(snapshot(one)[1]))
        for key, vector in snapshot(one)[1].items():
            assert np.array_equal(vectors[key], vector)
        # The progress counts sources read and texts embedded, up to their totals.
        assert seen[-1] == ("embedding", local.embedded, local.embedded)
        assert ("reading", 31, 31) in seen
        # Re-ingesting on the cluster changes nothing and embeds nothing.
        again = many.ingest([folder], runner=runner)
        assert again.embedded == 0 and not any(s.added or s.changed or s.removed for s in again.sources)


def test_all_or_nothing_on_a_cluster_writes_nothing(tmp_path: Path, runner: DaskRunner) -> None:
    folder = write_collection(tmp_path / "faq", sources=4)
    with KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder()) as kb:
        with pytest.raises(IngestError, match="broken.jsonl, line 1"):
            kb.ingest([folder], runner=runner, all_or_nothing=True)
        assert len(kb) == 0


class SlowEmbedder(HashEmbedder):
    """The hash embedder, slowed down, leaving a mark (its batch and its process) for every batch it starts."""

    def __init__(self, marks: Path) -> None:
        super().__init__()
        self.marks = str(marks)

    def embed(self, texts: list[str]) -> np.ndarray:
        batch = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:16]
        Path(self.marks, f"{batch}-{os.getpid()}").touch()
        time.sleep(0.25)
        return super().embed(texts)


def test_a_worker_killed_mid_way_is_retried_and_nothing_is_lost_or_doubled(tmp_path: Path, runner: DaskRunner) -> None:
    import cloudpickle

    import tests.test_distributed as this

    cloudpickle.register_pickle_by_value(this)  # the workers need not import the tests
    folder = write_collection(tmp_path / "faq", sources=60, per_source=25)
    marks = tmp_path / "marks"
    marks.mkdir()
    with KnowledgeBase(Store(tmp_path / "one.sqlite"), embedder=HashEmbedder()) as one, \
            KnowledgeBase(Store(tmp_path / "many.sqlite"), embedder=SlowEmbedder(marks)) as many:
        local = one.ingest([folder])
        assert local.embedded > 6 * 256  # several batches per worker, so that one is cut short
        box: dict[str, object] = {}
        thread = threading.Thread(target=lambda: box.update(report=many.ingest([folder], runner=runner)))
        thread.start()
        deadline = time.monotonic() + 60
        while not list(marks.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.02)
        victim = int(next(marks.iterdir()).name.split("-")[1])
        os.kill(victim, signal.SIGKILL)  # a worker process of our own cluster, mid-batch
        thread.join(120)
        assert not thread.is_alive()
        report = box["report"]
        assert report_view(report) == report_view(local)  # type: ignore[arg-type]
        assert report.embedded == local.embedded  # type: ignore[attr-defined]
        # The batch the killed worker had started ran again in another process.
        by_batch: dict[str, set[str]] = {}
        for mark in marks.iterdir():
            batch, pid = mark.name.split("-")
            by_batch.setdefault(batch, set()).add(pid)
        assert any(str(victim) in pids and len(pids) > 1 for pids in by_batch.values())
        pairs, vectors = snapshot(many)
        assert pairs == snapshot(one)[0]
        reference = snapshot(one)[1]
        assert sorted(vectors) == sorted(reference)
        assert all(np.array_equal(vectors[k], reference[k]) for k in reference)
        (stored,) = many.store.db.execute("SELECT count(*) FROM vectors").fetchone()
        assert stored == local.embedded  # each text once
    deadline = time.monotonic() + 30
    while runner.workers < 2 and time.monotonic() < deadline:  # the nanny brings the worker back
        time.sleep(0.1)
    assert runner.workers == 2


def test_an_unreachable_cluster_is_a_clear_error() -> None:
    with pytest.raises(OftenaskedError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskRunner.connect("tcp://127.0.0.1:9", timeout=1)


@pytest.mark.slow
def test_cli_workers_give_the_real_models_vectors(tmp_path: Path) -> None:
    """`ingest --workers 2` with the real model: same pairs and ids, vectors with cosine >= 0.9999."""
    folder = write_collection(tmp_path / "faq", sources=12)
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "broken.jsonl").unlink()  # an error makes the command's status 1
    with KnowledgeBase(Store(tmp_path / "one.sqlite"), embedder=default_embedder()) as one:
        local = one.ingest([folder])
        expected_pairs, expected = snapshot(one)
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--kb", str(tmp_path / "many.sqlite"), "--workers", "2",
                                      "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["embedded"] == local.embedded > 256
    with KnowledgeBase(Store(tmp_path / "many.sqlite"), embedder=default_embedder()) as many:
        pairs, vectors = snapshot(many)
    assert pairs == expected_pairs
    assert sorted(vectors) == sorted(expected)
    cosines = np.array([float(vectors[k] @ expected[k]) for k in expected])
    assert cosines.min() >= 0.9999, cosines.min()


def test_cli_refuses_cluster_and_workers_together(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", str(SEED), "--kb", str(tmp_path / "kb.sqlite"), "--workers", "2",
                                      "--cluster", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "not both" in result.output
