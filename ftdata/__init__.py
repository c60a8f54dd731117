"""ftdata: know that fine-tuning data is right before you spend a GPU hour.

The library API is :func:`validate`; it returns a :class:`Result` and never prints.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Finding", "Location", "Result", "Severity", "__version__", "validate"]


def __getattr__(name: str):
    # Lazy so that `import ftdata` (and the CLI's start-up) stays cheap.
    if name == "validate":
        from ftdata.api import validate

        return validate
    if name == "Result":
        from ftdata.result import Result

        return Result
    if name in ("Finding", "Location", "Severity"):
        from ftdata import findings

        return getattr(findings, name)
    raise AttributeError(f"module 'ftdata' has no attribute {name!r}")
