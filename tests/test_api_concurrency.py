"""Many concurrent clients on loopback get correct answers and no errors, with writes going on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from oftenasked.api import ServerConfig

from .conftest_server import FAQ, TOKEN, make_kb, running_server

AUTH = {"authorization": f"Bearer {TOKEN}"}
QUESTIONS = [r["question"] for r in FAQ] + ["password reset help", "refund order", "where is my parcel"]


def best(body: dict[str, object]) -> tuple[str | None, float | None, tuple[str, ...]]:
    answers = body["answers"]  # type: ignore[index]
    related = tuple(r["id"] for r in body["related"])  # type: ignore[index, union-attr]
    if not answers:
        return None, None, related
    return answers[0]["id"], answers[0]["score"], related  # type: ignore[index]


def hammer(url: str, clients: int, rounds: int, work: Callable[[httpx.Client, int], None]) -> None:
    def one(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            for r in range(rounds):
                work(c, n * rounds + r)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(one, n) for n in range(clients)]:
            future.result()


@pytest.mark.parametrize(
    "config",
    [ServerConfig(token=TOKEN), ServerConfig(token=TOKEN, serialize=False, answer_cache=0)],
    ids=["serialised-cached", "threads-uncached"],
)
def test_concurrent_reads_match_sequential_answers(tmp_path: Path, config: ServerConfig) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb, config) as running:
        with httpx.Client(base_url=running.url) as c:
            expected = {q: best(c.post("/ask", json={"question": q}).json()) for q in QUESTIONS}
        seen: list[tuple[str, tuple[str | None, float | None, tuple[str, ...]]]] = []
        lock = threading.Lock()

        def work(c: httpx.Client, n: int) -> None:
            q = QUESTIONS[n % len(QUESTIONS)]
            response = c.post("/ask", json={"question": q})
            assert response.status_code == 200, response.text
            with lock:
                seen.append((q, best(response.json())))

        hammer(running.url, clients=32, rounds=8, work=work)
    kb.close()
    assert len(seen) == 32 * 8
    wrong = [(q, got, expected[q]) for q, got in seen if got != expected[q]]
    assert not wrong, wrong[:3]


def test_reads_stay_correct_while_writes_happen(tmp_path: Path) -> None:
    kb = make_kb(tmp_path / "kb.sqlite")
    stable = {r["question"]: r["id"] for r in FAQ if r["id"] not in {"invoice"}}
    with running_server(kb) as running:
        failures: list[str] = []

        def work(c: httpx.Client, n: int) -> None:
            kind = n % 8
            if kind == 0:
                r = c.put("/pairs/invoice", json={"answer": f"Under Billing (edit {n})."}, headers=AUTH)
            elif kind == 1:
                r = c.post("/ingest", headers=AUTH, json={"origin": f"batch-{n % 3}", "pairs": [
                    {"question": f"Is store number {n} open on Sundays?", "answer": "Yes."}]})
            elif kind == 2:
                r = c.post("/feedback", json={"question": "q", "id": "reset", "helpful": n % 2 == 0})
            elif kind == 3:
                r = c.get("/stats", headers=AUTH)
            else:
                question = list(stable)[n % len(stable)]
                r = c.post("/ask", json={"question": question})
                if r.status_code == 200 and r.json()["answers"][0]["id"] != stable[question]:
                    failures.append(f"{question}: {r.json()['answers'][0]['id']}")
            if r.status_code >= 300:
                failures.append(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}")

        hammer(running.url, clients=16, rounds=8, work=work)
        with httpx.Client(base_url=running.url) as c:
            stats = c.get("/stats", headers=AUTH).json()
            assert stats["sources"] == 4 and stats["feedback"]["helpful"] + stats["feedback"]["not_helpful"] == 16
            assert c.get("/pairs/invoice").json()["answer"].startswith("Under Billing (edit ")
    kb.close()
    assert not failures, failures[:5]


def test_while_a_write_holds_the_knowledge_base_the_server_keeps_serving(tmp_path: Path) -> None:
    """Questions are answered on the event loop, except while a write holds the knowledge base:
    then they wait in a worker thread, and the page and other requests are served meanwhile."""
    kb = make_kb(tmp_path / "kb.sqlite")
    with running_server(kb) as running, httpx.Client(base_url=running.url, timeout=30) as c:
        assert c.post("/ask", json={"question": "How do I reset my password?"}).status_code == 200
        held, release = threading.Event(), threading.Event()

        def write() -> None:
            with kb.lock:  # as an ingest does, for as long as it takes
                held.set()
                release.wait(10)

        writer = threading.Thread(target=write)
        writer.start()
        held.wait(5)
        waiting: list[httpx.Response] = []
        asker = threading.Thread(
            target=lambda: waiting.append(httpx.post(running.url + "/ask", json={"question": "refund my order"}, timeout=30))
        )
        asker.start()
        time.sleep(0.5)  # the question reaches the server and waits there
        try:
            assert c.get("/").status_code == 200  # the web page, while the question waits for the write
            assert c.get("/openapi.json").status_code == 200
            assert not waiting  # the question did wait
        finally:
            release.set()
            writer.join()
            asker.join()
        assert waiting[0].status_code == 200 and waiting[0].json()["question"] == "refund my order"
