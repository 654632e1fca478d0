"""oftenasked: an answer engine for frequently asked questions.

    from oftenasked import KnowledgeBase
    kb = KnowledgeBase.open("faq.sqlite")
    kb.ingest(["faq.txt"])
    answer = kb.ask("Why does my lower back hurt when I run?")
"""

from .answer.page import Page
from .errors import IngestError, InputError, MissingExtraError, NotFoundError, OftenaskedError
from .kb import KnowledgeBase
from .models import Answer, Dropped, Hit, IngestReport, Pair, Related, SourceReport
from .settings import Settings

__version__ = "0.1.0"

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
