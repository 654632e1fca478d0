"""Every setting of oftenasked, declared once in :data:`TABLE`: name, default, help, type, and the
``OFTENASKED_*`` variable that overrides it. The engine's settings (:class:`Settings`) and the HTTP
server's (``api/config.py``) both take their defaults from it, and the Python API, the CLI and HTTP
check the same limits (:data:`LIMITS`).

Nothing here reads the environment at import time; :func:`load` does, when asked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import InputError

KB = 1024


@dataclass(frozen=True)
class Setting:
    """One setting: where it applies (``engine`` or ``server``), its type and, for numbers, its range."""

    name: str
    default: Any
    help: str
    type: type
    scope: str = "engine"
    low: float | None = None
    high: float | None = None

    @property
    def env(self) -> str:
        return f"OFTENASKED_{self.name.upper()}"


TABLE: tuple[Setting, ...] = (
    Setting("kb", "", "knowledge base file (default: per-user data file, else the bundled starter)", str),
    # 0.5 (bench/calibrate.py, bench/RESULTS.md): precision of answered questions 0.95 on MEDIQA 2019 dev
    # (>= 0.85 at every threshold), 0.89 on held-out StackFAQ questions half of which the KB cannot answer.
    Setting("threshold", 0.5, "confidence in [0, 1] under which no answer is given", float, low=0.0, high=1.0),
    # One default and one range for the Python API, the CLI and HTTP (they were 5 and 1-100 on the CLI,
    # 3 and 1-50 over HTTP): 5 answers, at most 50, as many related questions.
    Setting("top", 5, "answers returned by default (1-50)", int, low=1, high=50),
    Setting("related_top", 5, "related questions returned by default (0-50)", int, low=0, high=50),
    Setting("query_log", True, "record asked questions for 'often asked' counts and gaps (0 to opt out)", bool),
    Setting("retention_days", 90, "days query-log and feedback rows are kept (0: forever)", int, low=0),
    Setting("demand_min", 20, "logged answers among related questions from which they rank by demand (0: never)", int,
            low=0),
    Setting("suggestion_sessions", 3, "distinct sessions needed before use makes a suggestion", int, low=1),
    Setting("suggestions_auto", False, "apply suggestions without the editor's approval (default off)", bool),
    Setting("gap_confidence", 0.65, "answers under this confidence count towards gaps", float, low=0.0, high=1.0),
    # An edit is answered in milliseconds instead of after a full rebuild (2 s at 16k pairs, 2 min at
    # 1M), with the same answers and scores (retrieve/segments.py); a new process after an edit
    # starts from the cached index and the change log instead of rebuilding. Off: every change is a
    # full rebuild, as before live segments.
    Setting("live_index", True, "follow edits with a delta index and a removal mask, merged in the background"
            " (0: a full rebuild after every change)", bool),
    # For a PostgreSQL knowledge base with pgvector: from this size, a search's first pass is the HNSW
    # index in the database instead of a faiss index each server builds and holds. At 100k pairs
    # (bench/pgvector.py) in-process faiss searches in 2.5 ms against 5.5 ms through PostgreSQL, for
    # 1.8 s more at each server start and rebuild: not worth it there. At 1M each server's faiss index
    # costs ~1.2 GB and tens of seconds per start or merge, against ~3 ms more a search: from there.
    Setting("pgvector_min_pairs", 1_000_000, "pairs from which a PostgreSQL knowledge base's search starts from"
            " pgvector's HNSW index (0: always)", int, low=0),
    Setting("embedder", "minilm", "embedding model: minilm (the bundled model) or hash (fast, deterministic, for tests)",
            str),
    # The HTTP server (`oftenasked serve`, api/config.py); safe by default.
    Setting("token", None, "bearer token that write endpoints require; none: writes are refused", str, "server"),
    Setting("cors_origins", (), "browser origins allowed to call the API (CORS; comma-separated); none: off", tuple,
            "server"),
    Setting("max_body", 64 * KB, "largest request body in bytes, except for ingest", int, "server", low=1),
    Setting("max_ingest_body", 10 * KB * KB, "largest body for POST /ingest, in bytes", int, "server", low=1),
    Setting("allowed_hosts", (), "host names the server answers to (comma-separated); none: any", tuple, "server"),
    Setting("answer_cache", 4096, "rendered answers kept for repeated questions (0: off); writes invalidate it", int,
            "server", low=0),
    Setting("serialize", True, "answer on the event loop one at a time (0: in worker threads side by side)", bool,
            "server"),
)
SETTINGS = {s.name: s for s in TABLE}
LIMITS: dict[str, tuple[float, float]] = {
    s.name: (s.low if s.low is not None else float("-inf"), s.high if s.high is not None else float("inf"))
    for s in TABLE
    if s.low is not None or s.high is not None
}
"""Allowed ranges, the same for the Python API, the CLI and HTTP."""


def default(name: str) -> Any:
    return SETTINGS[name].default


@dataclass(frozen=True)
class Settings:
    """The engine's settings (defaults and help in :data:`TABLE`)."""

    kb: str = default("kb")
    threshold: float = default("threshold")
    top: int = default("top")
    related_top: int = default("related_top")
    query_log: bool = default("query_log")
    retention_days: int = default("retention_days")
    demand_min: int = default("demand_min")
    suggestion_sessions: int = default("suggestion_sessions")
    suggestions_auto: bool = default("suggestions_auto")
    gap_confidence: float = default("gap_confidence")
    live_index: bool = default("live_index")
    pgvector_min_pairs: int = default("pgvector_min_pairs")
    embedder: str = default("embedder")

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: SETTINGS[f.name].help for f in fields(cls)}


def check_range(name: str, value: float) -> None:
    """An :class:`InputError` naming the setting when ``value`` is outside its range."""
    low, high = LIMITS[name]
    if not low <= value <= high:
        shown = "top" if name == "related_top" else name
        raise InputError(f"{shown} must be between {low:g} and {high:g}, got {value}")


def coerce(setting: Setting, raw: str) -> Any:
    """A setting's value from the text of its environment variable."""
    kind = setting.type
    try:
        if kind is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind is float:
            return float(raw)
        if kind is int:
            return int(raw)
        if kind is tuple:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        return raw
    except ValueError:
        raise InputError(f"{setting.env}={raw!r} is not a valid {kind.__name__}") from None


def from_environment(scope: str, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings of one scope that ``OFTENASKED_*`` variables set, checked against their ranges."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in TABLE:
        raw = env.get(setting.env)
        if setting.scope == scope and raw is not None and raw != "":
            values[setting.name] = coerce(setting, raw)
            if setting.name in LIMITS:
                check_range(setting.name, values[setting.name])
    return values


def load(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, then ``OFTENASKED_*`` variables, then explicit overrides."""
    values = from_environment("engine", environ)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = replace(Settings(), **values)
    for name in ("threshold", "top", "related_top", "retention_days", "suggestion_sessions", "gap_confidence"):
        check_range(name, getattr(settings, name))
    return settings


def default_kb_path() -> Path:
    """The per-user knowledge base file (it may not exist yet)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("oftenasked")) / "kb.sqlite"
