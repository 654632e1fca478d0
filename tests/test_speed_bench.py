"""The speed benchmark's own parts: the report, its section of RESULTS.md, the synthetic knowledge bases."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from oftenasked import KnowledgeBase
from oftenasked.retrieve.embed import HashEmbedder, MiniLM
from oftenasked.store import Store

BENCH = Path(__file__).resolve().parents[1] / "bench" / "speed.py"


def _speed() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_speed", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_speed"] = module
    spec.loader.exec_module(module)
    return module


def _results() -> dict[str, object]:
    timing = {"median_ms": 3.0, "p99_ms": 9.0, "n": 10}
    answering = {"ask": timing, "ask_repeated": timing, "related": timing, "peak_rss_mb": 400, "approximate": False}
    return {
        "machine": {"cpu": "test cpu", "cores": "2", "memory": "8 GiB", "python": "3.11", "load_at_start": "1.0"},
        "sizes": "16k",
        "kbs": {
            "16k": {
                "pairs": 16419, "answering": answering, "cold": {"ask_s": 0.5, "help_s": 0.2},
                "disk_mb": 150, "peers": {"bm25s": timing}, "load": 1.0,
            }
        },
        "notes": "notes",
    }


def test_the_report_states_each_target_and_whether_it_is_met() -> None:
    text = _speed().report(_results())
    assert text.startswith("## Speed")
    assert "| ask median, 16k | <= 10 ms | 3.0 ms | yes |" in text
    assert "| 16k | 3.0 / 9.0 ms | not run | not run |" in text


def test_writing_the_section_leaves_the_other_sections_alone(tmp_path: Path) -> None:
    speed = _speed()
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Speed\n\nold numbers\n\n## Quality\n\nquality numbers\n")
    speed.write_section("## Speed\n\nnew numbers\n", results)
    text = results.read_text()
    assert "new numbers" in text and "old numbers" not in text
    assert text.endswith("## Quality\n\nquality numbers\n")
    speed.write_section("## Speed\n\nnewer\n", tmp_path / "missing.md")
    assert "## Speed" in (tmp_path / "missing.md").read_text()


def test_a_synthetic_knowledge_base_is_written_through_the_store_and_answers(tmp_path: Path) -> None:
    speed = _speed()
    path = tmp_path / "synthetic.sqlite"
    speed.synthesize(300, path)
    with KnowledgeBase(Store(path), embedder=HashEmbedder(dim=384)) as kb:
        assert len(kb) == 300
        kb.embedder.name = MiniLM.name  # the vectors were written for the real model's name
        assert kb.search("What are the symptoms of asthma?", k=3)
        assert not kb.index.approximate
