"""Sources: where examples come from, resolved from paths or in-memory objects."""

from __future__ import annotations

from ftdata.sources.resolve import Source, open_sources

__all__ = ["Source", "open_sources"]
