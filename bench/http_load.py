"""HTTP load on loopback: requests/s and p50/p99 latency of POST /ask at 1, 8 and 64 clients.

The server runs as its own process (``oftenasked serve``, as users run it); the load generator is
a lean asyncio HTTP/1.1 keep-alive client, so that it leaves the CPU to the server. Every request
is checked (status 200 and an ``answered`` flag in the body). Bounded in requests and in time.

    python bench/http_load.py                      # the bundled starter knowledge base
    python bench/http_load.py --kb faq.sqlite --clients 1,8,64 --requests 3000 --seconds 15
    python bench/http_load.py --unique --rate 300  # also: latency at a steady 300 requests/s (open loop)

Closed loop (``--clients``): each client sends its next request when the last is answered, so the
throughput is the server's most and latency includes waiting behind the other clients. Open loop
(``--rate``): requests are due at a fixed pace, as independent users send them; latency counts from
when a request was due.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field


@dataclass
class Level:
    clients: int | str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float | None = None
    """CPU time the server's processes used during the level (Linux), all of them together."""

    def row(self) -> str:
        done = len(self.latencies)
        lat = sorted(self.latencies) or [float("nan")]
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = done / self.seconds if self.seconds else 0.0
        cpu = f"{self.cpu_seconds * 1000 / done:>8.2f}" if self.cpu_seconds is not None and done else "       -"
        return f"{self.clients!s:>7}  {done:>8}  {self.errors:>6}  {rate:>9.1f}  {p50:>8.2f}  {p99:>8.2f}  {cpu}"


def group_cpu_seconds(group: int) -> float | None:
    """User + system CPU seconds of every live process in process group ``group`` (None off Linux).

    CPU per request holds steady on a busy shared machine where requests/s swing with the
    neighbours' load, so it is the fairer figure for comparing two servers there."""
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == group:  # (fields from the state on: state, ppid, pgrp, ... utime=11, stime=12)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def questions_from(kb_path: str | None, limit: int, seed: int) -> list[str]:
    """Questions like users ask them: stored questions, lower-cased, some without their question mark."""
    from oftenasked import KnowledgeBase

    with KnowledgeBase.open(kb_path) as kb:
        stored = [p.question for p in kb.pairs()]
    rng = random.Random(seed)
    picked = rng.sample(stored, min(limit, len(stored)))
    return [q.lower().rstrip("?") if i % 2 else q for i, q in enumerate(picked)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER = (
    "import sys; from oftenasked import KnowledgeBase; from oftenasked.api import ServerConfig, serve; "
    "import os; serve(KnowledgeBase.open(sys.argv[1] or None), ServerConfig(serialize=sys.argv[3] == '1',"
    " token=os.environ.get('OFTENASKED_TOKEN') or None), port=int(sys.argv[2]),"
    " workers=int(sys.argv[4]))"
)


def start_server(kb_path: str | None, port: int, serialize: bool, workers: int) -> subprocess.Popen[bytes]:
    """``oftenasked serve`` as its own process (the same code path, with the serialisation choice)."""
    args = [sys.executable, "-c", SERVER, kb_path or "", str(port), "1" if serialize else "0", str(workers)]
    log = os.environ.get("BENCH_SERVER_LOG") or os.devnull
    with open(log, "wb") as stderr:  # the child keeps its own copy of the file descriptor
        server = subprocess.Popen(args, stderr=stderr, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                if r.status == 200:
                    return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("the server exited; run it alone to see why") from None
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise RuntimeError("the server did not start within 120 s")


class Writer(threading.Thread):
    """Edits a pair's answer through ``PUT /pairs/{id}`` ``rate`` times a second (the write load of ``--writes``)."""

    def __init__(self, port: int, pairs: list[tuple[str, str]], rate: float, token: str) -> None:
        super().__init__(daemon=True)
        self.port, self.pairs, self.rate, self.token = port, pairs, rate, token
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors = 0
        self.last_error = ""

    def run(self) -> None:
        # On a fixed clock (edit n is due at start + n / rate), so that a slow edit does not lower the rate.
        n = 0
        start = time.perf_counter()
        while not self.stop.wait(max(0.0, start + (n + 1) / self.rate - time.perf_counter())):
            pair_id, answer = self.pairs[n % len(self.pairs)]
            body = json.dumps({"answer": f"{answer}\n\n(edit {n})"}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}/pairs/{urllib.parse.quote(pair_id)}", body,
                                             method="PUT", headers={"Content-Type": "application/json",
                                                                    "Authorization": f"Bearer {self.token}"})
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    self.errors += response.status != 200
            except OSError as exc:
                self.errors += 1
                self.last_error = str(exc)
            self.latencies.append(time.perf_counter() - t)
            n += 1


def request_bytes(question: str, related: int) -> bytes:
    body = json.dumps({"question": question, "top": 3, "related": related}).encode()
    head = (
        f"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> tuple[int, bytes]:
    """One request on a kept-alive connection: (status, body)."""
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, await reader.readexactly(length)


def payload_for(payloads: list[bytes], at: int, unique: bool, serial: int) -> bytes:
    payload = payloads[at % len(payloads)]
    if unique:  # a question never asked before: no cache can help
        payload = fix_length(payload.replace(b'", "top"', f' ({serial})", "top"'.encode()))
    return payload


async def client(
    port: int, payloads: list[bytes], level: Level, budget: list[int], stop_at: float, unique: bool, at: int
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while budget[0] > 0 and time.perf_counter() < stop_at:
            budget[0] -= 1
            payload = payload_for(payloads, at, unique, budget[0])
            at += 1
            start = time.perf_counter()
            status, body = await exchange(reader, writer, payload)
            level.latencies.append(time.perf_counter() - start)
            if status != 200 or b'"answered":' not in body:
                level.errors += 1
    finally:
        writer.close()


async def run_paced(
    port: int, payloads: list[bytes], rate: float, seconds: float, unique: bool, connections: int = 64
) -> Level:
    """Open loop: request i is due at start + i / rate, whatever the server's pace, over up to
    ``connections`` kept-alive connections. Latency counts from the due time, so a server that falls
    behind shows it (no coordinated omission)."""
    level = Level(f"{rate:g}/s")
    count = int(rate * seconds)
    issued = [0]
    start = time.perf_counter() + 0.2

    async def connection(seed: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while issued[0] < count:
                i = issued[0]
                issued[0] += 1
                due = start + i / rate
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                status, body = await exchange(reader, writer, payload_for(payloads, seed + i, unique, count - i))
                level.latencies.append(time.perf_counter() - due)
                if status != 200 or b'"answered":' not in body:
                    level.errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(random.randrange(len(payloads))) for _ in range(connections)))
    level.seconds = time.perf_counter() - start
    return level


def fix_length(payload: bytes) -> bytes:
    head, body = payload.split(b"\r\n\r\n", 1)
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"content-length:")]
    return b"\r\n".join([*lines, f"Content-Length: {len(body)}".encode()]) + b"\r\n\r\n" + body


async def run_level(
    port: int, payloads: list[bytes], clients: int, requests: int, seconds: float, unique: bool = False
) -> Level:
    level = Level(clients)
    budget = [requests]
    start = time.perf_counter()
    starts = [0] if clients == 1 and not seconds else [random.randrange(len(payloads)) for _ in range(clients)]
    deadline = start + (seconds or 600)
    await asyncio.gather(*(client(port, payloads, level, budget, deadline, unique, at) for at in starts))
    level.seconds = time.perf_counter() - start
    return level


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default=None, help="knowledge base file (default: the bundled starter)")
    parser.add_argument("--clients", default="1,8,64", help="concurrency levels, comma-separated")
    parser.add_argument("--requests", type=int, default=3000, help="most requests per level")
    parser.add_argument("--seconds", type=float, default=15.0, help="most seconds per level")
    parser.add_argument("--questions", type=int, default=300, help="distinct questions to cycle through")
    parser.add_argument("--related", type=int, default=3, help="related questions in each answer (0: none)")
    parser.add_argument("--warmup", type=int, default=None, help="requests before measuring (default: one per question)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--unique", action="store_true",
                        help="make every question new (defeats the answer and query-vector caches)")
    parser.add_argument("--workers", type=int, default=None,
                        help="server processes (oftenasked serve --workers; default as serve: one per core, at most 4)")
    parser.add_argument("--rate", default="", help="open-loop rates in requests/s, comma-separated (e.g. 300)")
    parser.add_argument("--writes", type=float, default=0.0,
                        help="edits per second (PUT /pairs/{id}) while each level runs; sets a token for the server")
    parser.add_argument("--threads", action="store_true",
                        help="let knowledge-base calls run side by side in threads (default: one at a time)")
    args = parser.parse_args()
    if args.workers is None:
        from oftenasked.api import default_workers

        args.workers = default_workers()

    questions = questions_from(args.kb, args.questions, args.seed)
    payloads = [request_bytes(q, args.related) for q in questions]
    port = free_port()
    token = "http-load-bench-token"
    if args.writes:
        os.environ["OFTENASKED_TOKEN"] = token
        from oftenasked import KnowledgeBase

        with KnowledgeBase.open(args.kb) as kb:
            edited = [(p.id, p.answer) for p in kb.pairs_page(0, 50)[1]]
    server = start_server(args.kb, port, serialize=not args.threads, workers=args.workers)
    try:
        # Warm up: every question once, in order (index built, model loaded, caches filled).
        asyncio.run(run_level(port, payloads, 1, args.warmup or len(payloads), 0))
        calls = "in threads" if args.threads else "one at a time"
        print(f"POST /ask on 127.0.0.1:{port}, {len(questions)} distinct questions, related={args.related}, "
              f"{os.cpu_count()} CPUs, {args.workers} server process(es), KB calls {calls}, "
              f"{'every question new' if args.unique else 'questions repeat'}")
        print("clients  requests  errors      req/s   p50 ms   p99 ms  server CPU ms/req")
        writer = Writer(port, edited, args.writes, token) if args.writes else None
        writer_started = time.perf_counter()
        if writer:
            writer.start()
        for clients in (int(c) for c in args.clients.split(",")):
            before = group_cpu_seconds(server.pid)
            level = asyncio.run(run_level(port, payloads, clients, args.requests, args.seconds, args.unique))
            after = group_cpu_seconds(server.pid)
            level.cpu_seconds = after - before if before is not None and after is not None else None
            print(level.row(), flush=True)
        for rate in (float(r) for r in args.rate.split(",") if r.strip()):
            before = group_cpu_seconds(server.pid)
            level = asyncio.run(run_paced(port, payloads, rate, args.seconds, args.unique))
            after = group_cpu_seconds(server.pid)
            level.cpu_seconds = after - before if before is not None and after is not None else None
            print(level.row(), flush=True)
        if writer:
            # The edits go on through the open-loop levels too.
            writer.stop.set()
            writer.join(30)
            lat = sorted(writer.latencies) or [float("nan")]
            elapsed = time.perf_counter() - writer_started
            print(f"writes: {len(writer.latencies)} in {elapsed:.0f} s ({len(writer.latencies) / elapsed:.2f}/s, asked"
                  f" {args.writes:g}/s), {writer.errors} errors, p50 {lat[len(lat) // 2] * 1000:.0f} ms,"
                  f" max {lat[-1] * 1000:.0f} ms {writer.last_error}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
