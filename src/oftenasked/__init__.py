"""oftenasked: an answer engine for frequently asked questions.

    from oftenasked import KnowledgeBase
    kb = KnowledgeBase.open("faq.sqlite")
    kb.ingest(["faq.txt"])
    answer = kb.ask("Why does my lower back hurt when I run?")

The names below are imported when first used, so that ``import oftenasked.cli`` (a new process
answering one question) loads only what that question needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import IngestError, InputError, MissingExtraError, NotFoundError, OftenaskedError

if TYPE_CHECKING:
    from .answer.page import Page
    from .kb import KnowledgeBase
    from .models import Answer, Dropped, Hit, IngestReport, Pair, Related, SourceReport
    from .settings import Settings

__version__ = "0.1.0"

_LAZY = {
    "KnowledgeBase": ".kb",
    "Page": ".answer.page",
    "Settings": ".settings",
    **{name: ".models" for name in ("Answer", "Dropped", "Hit", "IngestReport", "Pair", "Related", "SourceReport")},
}

__all__ = [
    "Answer",
    "Dropped",
    "Hit",
    "IngestError",
    "IngestReport",
    "InputError",
    "KnowledgeBase",
    "MissingExtraError",
    "NotFoundError",
    "OftenaskedError",
    "Page",
    "Pair",
    "Related",
    "Settings",
    "SourceReport",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'oftenasked' has no attribute {name!r}")
