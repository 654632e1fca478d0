"""Moved to :mod:`oftenasked.store.writer` (the ingest-to-store step); kept so old imports work."""

from .store.writer import TEXTS_RECIPE, SourceWriter, make_row, rederive_texts, text_hash

__all__ = ["TEXTS_RECIPE", "SourceWriter", "make_row", "rederive_texts", "text_hash"]
