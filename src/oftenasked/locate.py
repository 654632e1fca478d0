"""Where the knowledge base lives: the setting, then the per-user file, then the bundled starter."""

from __future__ import annotations

import sys
from pathlib import Path

from . import settings as settings_mod


def resolve_kb_path(settings: settings_mod.Settings, *, for_writing: bool = False) -> Path:
    """The knowledge base file to open.

    Writing never goes to the starter: it goes to the per-user file, which then takes over.
    """
    if settings.kb:
        return Path(settings.kb).expanduser()
    user = settings_mod.default_kb_path()
    if user.exists() or for_writing:
        return user
    from .starter import starter_kb_path  # (the starter is built on first use only)

    return starter_kb_path(progress=sys.stderr.isatty())
