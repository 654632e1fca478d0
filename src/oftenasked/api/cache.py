"""The HTTP API's cache of rendered answers: often-asked questions are, by definition, asked again.

It is the library's one cache implementation (:class:`oftenasked.retrieve.memo.GenerationCache`),
keyed by the request and stamped with the knowledge base's generation.
"""

from ..retrieve.memo import GenerationCache

__all__ = ["GenerationCache"]
