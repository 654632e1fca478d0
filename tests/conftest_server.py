"""A real uvicorn server on loopback for the API and web tests: random free port, own thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from oftenasked import KnowledgeBase, Settings
from oftenasked.api import ServerConfig, create_app
from oftenasked.api.server import uvicorn_options
from oftenasked.retrieve.embed import HashEmbedder
from oftenasked.store import Store

TOKEN = "test-token-0123456789"

# A small FAQ (with a metadata topic) that the fast bag-of-words embedder answers well.
FAQ = [
    {"id": "reset", "question": "How do I reset my password?", "topic": "account",
     "answer": "Open **Settings**, choose *Security*, then click **Reset password**.\n\n1. Open the email\n2. Follow the link"},
    {"id": "delete", "question": "How do I delete my account?", "topic": "account",
     "answer": "Write to support@example.com from the address of your account."},
    {"id": "refund", "question": "Can I get a refund for my order?", "topic": "billing",
     "answer": "Yes, within 30 days of the order. See https://example.com/refunds."},
    {"id": "invoice", "question": "Where do I find my invoice?", "topic": "billing",
     "answer": "Invoices are under Billing, then Invoices, as PDF files."},
    {"id": "shipping", "question": "How long does shipping take?", "topic": "orders",
     "answer": "Three to five working days in Europe."},
    {"id": "track", "question": "How do I track my order?", "topic": "orders",
     "answer": "Use the tracking link in the shipping email."},
    {"id": "password-rules", "question": "What are the password rules?", "topic": "account",
     "answer": "At least 12 characters; a password manager helps."},
    {"id": "change-email", "question": "How do I change my email address?", "topic": "account",
     "answer": "Under Settings, Profile, edit the email field and confirm the new address."},
]

# A scraped page's answers may carry script injection; it must never run or reach the page raw.
HOSTILE = {
    "id": "hostile",
    "question": "Is the <script>window.__pwned = 1</script> widget safe?",
    "answer": 'Sure <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> '
    "[click](javascript:window.__pwned=3) and plain **bold** text.",
}


def faq_bytes(records: list[dict[str, str]]) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


def make_kb(path: Path, *, query_log: bool = True, hostile: bool = True) -> KnowledgeBase:
    kb = KnowledgeBase(
        Store(path), embedder=HashEmbedder(), settings=Settings(threshold=0.3, query_log=query_log)
    )
    kb.ingest_bytes(faq_bytes(FAQ + ([HOSTILE] if hostile else [])), "faq.jsonl")
    return kb


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class Running:
    url: str
    kb: KnowledgeBase
    config: ServerConfig


@contextmanager
def running_server(kb: KnowledgeBase, config: ServerConfig | None = None) -> Iterator[Running]:
    """Serve ``kb`` with uvicorn on 127.0.0.1 and a free port, in a thread, until the block ends."""
    config = config or ServerConfig(token=TOKEN)
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(kb, config), log_level="warning", ws="none", lifespan="off", **uvicorn_options(config))
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield Running(url=f"http://127.0.0.1:{port}", kb=kb, config=config)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
