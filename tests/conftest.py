"""Shared fixtures: real SQLite knowledge bases, with the fast test embedder or the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from oftenasked import KnowledgeBase
from oftenasked.retrieve.embed import HashEmbedder, default_embedder
from oftenasked.store import Store

from .conftest_browser import browser  # noqa: F401 - fixture: Debian's Chromium through Playwright
from .conftest_pg import pg_server, pg_url  # noqa: F401 - fixtures: a real PostgreSQL, a fresh database per test

# Every file a test reads is inside the repository: small licensed slices in tests/fixtures
# (see each folder's README) and the starter data that ships with the package.
DATA = Path(__file__).resolve().parent / "fixtures"
STARTER = Path(__file__).resolve().parents[1] / "src" / "oftenasked" / "data" / "starter"
SEED = STARTER / "often-asked-lower-back-running.txt"


def medquad_slice(folder: Path, count: int = 1100) -> Path:
    """The first ``count`` MedQuAD pairs of the starter (CC BY 4.0) as a JSON Lines file in ``folder``."""
    import gzip

    out = folder / f"medquad-{count}.jsonl"
    with gzip.open(STARTER / "medquad.jsonl.gz", "rt", encoding="utf-8") as lines:
        out.write_text("".join(line for _, line in zip(range(count), lines)), encoding="utf-8")
    return out


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real per-user knowledge base or cache; share one starter build per run."""
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("OFTENASKED_KB", raising=False)
    monkeypatch.delenv("OFTENASKED_CACHE", raising=False)


@pytest.fixture
def hash_kb(tmp_path: Path) -> KnowledgeBase:
    """An empty knowledge base with the deterministic bag-of-words embedder (fast)."""
    kb = KnowledgeBase(Store(tmp_path / "kb.sqlite"), embedder=HashEmbedder())
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The seed page ingested with the real model."""
    path = tmp_path_factory.mktemp("seed") / "kb.sqlite"
    kb = KnowledgeBase(Store(path), embedder=default_embedder())
    kb.ingest([SEED])
    yield kb
    kb.close()


@pytest.fixture
def server(tmp_path: Path):
    """A real server on loopback over the small FAQ of conftest_server (with its hostile pair)."""
    from .conftest_server import make_kb, running_server

    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb) as running:
        yield running
    kb.close()
