"""Request and response models: they validate input and document the API in its OpenAPI schema.

The ask request and response follow QnA Maker's generateAnswer (question, top, scoreThreshold,
strictFilters, strictFiltersCompoundOperationType; answers with questions, answer, score, id,
source, metadata). The score is a calibrated confidence in [0, 1]; "no good answer" is the
``answered`` flag, never a magic id.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..kb import MAX_QUESTION_CHARS
from ..settings import SETTINGS

Text = str


def _valid_text(value: str) -> str:
    # Lone surrogates cannot be stored or encoded as UTF-8: refuse them at the edge.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


class ErrorDetail(BaseModel):
    status: int
    message: str


class ErrorBody(BaseModel):
    """The one error shape of every failure."""

    error: ErrorDetail


class MetadataItem(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=500)

    _text = field_validator("name", "value")(_valid_text)


class MetadataOut(BaseModel):
    """A metadata field of a stored pair, as QnA Maker returns it."""

    name: str
    value: str


SESSION = "An opaque session id (never a user id): suggestions learnt from use need several sessions."
_TOP, _RELATED = SETTINGS["top"], SETTINGS["related_top"]  # the engine's defaults and limits


class AskRequest(BaseModel):
    """QnA Maker's generateAnswer request; ``scoreThreshold`` is a confidence in [0, 1]."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top: int = Field(default=_TOP.default, ge=_TOP.low, le=_TOP.high, description="How many answers at most.")
    scoreThreshold: float | None = Field(  # noqa: N815 (QnA Maker's name)
        default=None, ge=0.0, le=1.0, description="Confidence under which no answer is given (default: the server's)."
    )
    strictFilters: list[MetadataItem] = Field(  # noqa: N815
        default_factory=list, max_length=20, description="Metadata filters; 'source' and 'origin' always work."
    )
    strictFiltersCompoundOperationType: Literal["AND", "OR"] = "AND"  # noqa: N815
    related: int = Field(
        default=_RELATED.default, ge=_RELATED.low, le=_RELATED.high, description="How many related questions to include."
    )
    session: str | None = Field(default=None, max_length=100, description=SESSION)

    _text = field_validator("question")(_valid_text)


class AnswerItem(BaseModel):
    questions: list[str]
    """The pair's question, then its alternate phrasings."""
    answer: str
    """Markdown, as stored."""
    answer_html: str
    """The answer rendered to safe HTML (raw HTML in the source escaped)."""
    score: float
    id: str
    source: str
    metadata: list[MetadataOut]
    matched_question: str


class Suggestion(BaseModel):
    id: str
    question: str
    score: float


class RelatedItem(BaseModel):
    id: str
    question: str
    answer: str
    answer_html: str
    score: float
    source: str


class AskResponse(BaseModel):
    question: str
    answered: bool
    threshold: float
    answers: list[AnswerItem]
    did_you_mean: list[Suggestion]
    related: list[RelatedItem]


class RelatedResponse(BaseModel):
    question: str
    related: list[RelatedItem]


class PairOut(BaseModel):
    id: str
    question: str
    answer: str
    source: str
    origin: str
    position: int
    alternates: list[str]
    metadata: dict[str, str]
    ingested_at: str


class PairList(BaseModel):
    total: int
    offset: int
    pairs: list[PairOut]


class PairIn(BaseModel):
    """A pair sent as JSON to POST /ingest; extra fields become metadata."""

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(default=None, max_length=200)
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str = Field(min_length=1, max_length=100_000)
    source: str | None = Field(default=None, max_length=2000)
    alternates: list[str] = Field(default_factory=list, max_length=50)

    _text = field_validator("question", "answer")(_valid_text)


class IngestPairs(BaseModel):
    """Pairs to ingest as one source; sending the same ``origin`` again updates it in place."""

    origin: str = Field(default="api", min_length=1, max_length=200)
    pairs: list[PairIn] = Field(min_length=1, max_length=10_000)

    _text = field_validator("origin")(_valid_text)


class PairUpdate(BaseModel):
    """Fields to change on a pair; those left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    question: str | None = Field(default=None, min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str | None = Field(default=None, min_length=1, max_length=100_000)
    source: str | None = Field(default=None, max_length=2000)
    alternates: list[str] | None = Field(default=None, max_length=50)
    metadata: dict[str, str] | None = None

    @field_validator("question", "answer", "source")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _valid_text(value)


class FeedbackIn(BaseModel):
    """Was this answer helpful? Or: this other answer (``better_id``) was the right one."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    id: str = Field(min_length=1, max_length=200, description="The id of the answer shown.")
    helpful: bool | None = None
    better_id: str | None = Field(default=None, min_length=1, max_length=200)
    session: str | None = Field(default=None, max_length=100, description=SESSION)

    _text = field_validator("question", "id")(_valid_text)


class FeedbackOut(BaseModel):
    ok: bool
    feedback: dict[str, str | bool | None]


class StatsOut(BaseModel):
    pairs: int
    sources: int
    questions_asked: int
    unanswered: int
    top_unanswered: list[dict[str, str | int | None]]
    feedback: dict[str, int]
    query_log: bool


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    pairs: int


Format = Literal["md", "html", "json"]
