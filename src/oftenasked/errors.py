"""The one exception family of oftenasked.

Every error knows the HTTP status it maps to, so the CLI and the HTTP API translate
errors at their edge without guessing::

    OftenaskedError (500)
    ├── InputError (400)            bad arguments: empty question, unknown format, bad filter
    │   ├── IngestError (422)       a source that cannot be read; names the file and line or field
    │   │   └── UnusableRecordError   a well-formed record that cannot be used (skipped, or an error with --strict)
    │   ├── TooLargeError (413)     an upload larger than the server takes (also once unpacked)
    │   └── RateLimitError (429)    one client sent more requests of a kind than the server allows
    ├── AccessError (401, 403)      a request without the operator's token, or a write that is off
    ├── NotFoundError (404)         a pair, source or knowledge base that does not exist
    ├── RefusedError (401, 403)     the HTTP layer refuses a write (no token, wrong token, the starter)
    ├── ChangingError (503)         the knowledge base kept changing while a question was answered
    │   ├── StaleIndex              (internal) the index is older or newer than the reader's snapshot
    │   └── IndexNotReady           (internal) the index must be rebuilt, where that may not happen
    └── MissingExtraError (500)     an optional dependency is not installed; says what to install
"""

from __future__ import annotations


class OftenaskedError(Exception):
    """Base class of every error oftenasked raises on purpose."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(OftenaskedError):
    """The caller passed something oftenasked cannot use."""

    status = 400


class IngestError(InputError):
    """A source could not be ingested. ``where`` names the file and the line or field."""

    status = 422

    def __init__(self, source: str, problem: str, line: int | None = None, field: str | None = None) -> None:
        where = source
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.line = line
        self.field = field
        self.problem = problem

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its parts, so that it crosses process boundaries (an ingest on a cluster) intact.
        return (type(self), (self.source, self.problem, self.line, self.field))


class UnusableRecordError(IngestError):
    """A well-formed record that cannot be used (an empty answer, no question and no title).

    Readers skip such a record and report it with its line; in strict mode it fails the source.
    """


class TooLargeError(InputError):
    """Input larger than allowed, for instance an upload that unpacks past the server's limit."""

    status = 413


class RateLimitError(InputError):
    """Too many requests of one kind from one client; try again later."""

    status = 429


class AccessError(OftenaskedError):
    """The request needs the operator's bearer token (401), or is not allowed here at all (403)."""

    status = 403

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class NotFoundError(OftenaskedError):
    """The thing asked for does not exist."""

    status = 404


class RefusedError(OftenaskedError):
    """A request refused with an explicit status (401: no or wrong token; 403: writes are off here)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ChangingError(OftenaskedError):
    """The knowledge base kept changing under a question, snapshot after snapshot: ask again."""

    status = 503


class StaleIndex(ChangingError):
    """The search index does not belong to the reader's snapshot; the caller takes a newer one."""

    def __init__(self, message: str = "the search index is stale for this snapshot") -> None:
        super().__init__(message)


class IndexNotReady(ChangingError):
    """The search index must be rebuilt first, and the caller asked not to wait for that here
    (the HTTP server's event loop, which then hands the question to a worker thread)."""

    def __init__(self, message: str = "the search index is being rebuilt") -> None:
        super().__init__(message)


class MissingExtraError(OftenaskedError):
    """An optional dependency is missing; the message says which extra installs it."""

    status = 500

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(f"{feature} needs an optional dependency: pip install 'oftenasked[{extra}]'")
        self.extra = extra
