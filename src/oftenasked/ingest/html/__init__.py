"""HTML FAQ pages: ``reader`` parses and merges, ``chrome`` strips page clutter, ``layouts`` and
``headings`` find the visible question-and-answer layouts."""

from __future__ import annotations

from .reader import parse, read_html

__all__ = ["parse", "read_html"]
