"""Every setting of oftenasked, declared once: name, default, help, and its OFTENASKED_* override.

Nothing here reads the environment at import time; :func:`load` does, when asked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import InputError


@dataclass(frozen=True)
class Settings:
    """Tunable behaviour. Each field's metadata holds its help text."""

    kb: str = ""
    """Knowledge base file; empty means the per-user default (or the bundled starter)."""
    threshold: float = 0.5
    """Confidence under which the engine says it has no good answer.

    0.5 (bench/calibrate.py, bench/RESULTS.md): precision of answered questions 0.95 on MEDIQA 2019 dev
    (>= 0.85 at every threshold), 0.89 on held-out StackFAQ questions half of which the KB cannot answer."""
    top: int = 5
    """Answers returned by default."""
    related_top: int = 5
    """Related questions returned by default."""
    query_log: bool = True
    """Log questions asked (text, answer id, confidence; nothing personal). Opt out with 0."""
    retention_days: int = 90
    """Days that query-log and feedback rows are kept; older ones are deleted (0 keeps them all)."""

    @classmethod
    def help(cls) -> dict[str, str]:
        return dict(_HELP)


_HELP = {
    "kb": "knowledge base file (default: per-user data file, else the bundled starter)",
    "threshold": "confidence in [0, 1] under which no answer is given",
    "top": "answers returned by default",
    "related_top": "related questions returned by default",
    "query_log": "record asked questions for 'often asked' counts and gaps (0 to opt out)",
    "retention_days": "days query-log and feedback rows are kept (0: forever)",
}


def _coerce(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind is bool or kind == "bool":
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind is float or kind == "float":
            return float(raw)
        if kind is int or kind == "int":
            return int(raw)
        return raw
    except ValueError:
        raise InputError(f"OFTENASKED_{name.upper()}={raw!r} is not a valid {kind}") from None


def load(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, then ``OFTENASKED_*`` variables, then explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"OFTENASKED_{f.name.upper()}")
        if raw is not None and raw != "":
            values[f.name] = _coerce(f.name, raw, f.type)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = replace(Settings(), **values)
    if not 0.0 <= settings.threshold <= 1.0:
        raise InputError(f"threshold must be between 0 and 1, got {settings.threshold}")
    if settings.retention_days < 0:
        raise InputError(f"retention_days must be 0 (keep all) or more, got {settings.retention_days}")
    return settings


def default_kb_path() -> Path:
    """The per-user knowledge base file (it may not exist yet)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("oftenasked")) / "kb.sqlite"
