"""A new process answering its first question: the first pass's basis comes from the index cache,
scipy is not imported (bm25s needs it only to build), and an index built afterwards in the same
process is the one built anywhere else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from oftenasked import KnowledgeBase
from oftenasked.retrieve import index as index_module
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.retrieve.lexical import LexicalIndex
from oftenasked.store import Store

from .conftest import DATA

SRC = str(Path(__file__).resolve().parents[1] / "src")

ANSWER_COLD = """
import json, sys
import oftenasked.retrieve.index as index_module
from oftenasked.cli import cli
index_module.COARSE_MIN_PAIRS = 100


def recomputed(*matrices):
    raise AssertionError("the basis was recomputed, not read from the cache")


index_module.basis_for = recomputed
sys.argv = ["oftenasked", "ask", "how do I delete my facebook account", "--kb", sys.argv[1], "--json", "--top", "1"]
try:
    cli(prog_name="oftenasked")
except SystemExit:
    pass
print(json.dumps({"scipy": "scipy" in sys.modules}))
"""

BUILD_AFTER_LOAD = """
import json, sys
import numpy as np
from pathlib import Path
from oftenasked.retrieve.lexical import LexicalIndex
LexicalIndex.load(Path(sys.argv[1]))          # bm25s imported for answering: scipy hidden
texts = json.loads(Path(sys.argv[2]).read_text())
built = LexicalIndex(texts)                   # then a build in the same process
for name in ("data", "indices", "indptr"):
    np.save(Path(sys.argv[3]) / f"{name}.npy", np.asarray(built._bm25.scores[name]))
"""


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": SRC, "OFTENASKED_EMBEDDER": "hash", "OFTENASKED_QUERY_LOG": "0"}


def test_a_cold_ask_reads_the_cached_basis_and_never_imports_scipy(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(index_module, "COARSE_MIN_PAIRS", 100)  # the first pass, on a small knowledge base
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
        index = kb.index
        assert index.coarse is not None
    basis = np.load(Path(str(path) + ".index") / "coarse_basis.npy")
    assert np.array_equal(basis, index.coarse[0].basis)
    run = subprocess.run([sys.executable, "-c", ANSWER_COLD, str(path)], env=_env(), capture_output=True, text=True,
                         timeout=120, check=True)
    *answer, state = run.stdout.strip().splitlines()
    assert json.loads("\n".join(answer))["answers"][0]["question"].lower().startswith("how")
    assert json.loads(state) == {"scipy": False}


def test_an_index_built_after_a_scipy_free_load_is_the_usual_one(tmp_path: Path) -> None:
    texts = [json.loads(line)["answer"] for line in (DATA / "stackfaq" / "corpus.jsonl").read_text().splitlines()]
    usual = LexicalIndex(texts)
    usual.save(tmp_path / "saved")
    (tmp_path / "texts.json").write_text(json.dumps(texts))
    (tmp_path / "out").mkdir()
    subprocess.run([sys.executable, "-c", BUILD_AFTER_LOAD, str(tmp_path / "saved"), str(tmp_path / "texts.json"),
                    str(tmp_path / "out")], env=_env(), check=True, timeout=120)
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(np.load(tmp_path / "out" / f"{name}.npy"), np.asarray(usual._bm25.scores[name]))


def test_a_new_process_after_an_edit_catches_up_without_a_rebuild_or_scipy(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(index_module, "COARSE_MIN_PAIRS", 100)
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase(Store(path), embedder=HashEmbedder()) as kb:
        kb.ingest([DATA / "stackfaq" / "corpus.jsonl"])
        best = kb.search("how do I delete my facebook account", k=1)[0].pair  # (the index and its cache)
        edited = f"{best.answer} Edited."
        kb.update_pair(best.id, answer=edited)  # into the delta
    run = subprocess.run([sys.executable, "-c", ANSWER_COLD, str(path)], env=_env(), capture_output=True, text=True,
                         timeout=120, check=True)
    *answer, state = run.stdout.strip().splitlines()
    shown = json.loads("\n".join(answer))
    assert [a["answer"] for a in shown["answers"] + shown["did_you_mean"] if a["id"] == best.id] == [edited]
    assert json.loads(state) == {"scipy": False}  # (the basis was read, not recomputed: ANSWER_COLD checks)
