"""Publish a knowledge base as a static "Often asked" site (``oftenasked site``)."""

from .site import SiteReport, build_site

__all__ = ["SiteReport", "build_site"]
