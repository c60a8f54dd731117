"""ftdata: know that fine-tuning data is right before you spend a GPU hour.

The library API is :func:`validate`; it returns a :class:`Result` and never prints.
"""

from __future__ import annotations

from ftdata._version import __version__

# `typing` costs ~8 ms to import, more than the rest of `import ftdata`: the constant stands in
# for typing.TYPE_CHECKING (type checkers read any name TYPE_CHECKING as true).
TYPE_CHECKING = False

if TYPE_CHECKING:  # the names below are loaded lazily by __getattr__; type checkers see them here
    from typing import Any

    from ftdata.api import validate as validate
    from ftdata.findings import Finding as Finding
    from ftdata.findings import Location as Location
    from ftdata.findings import Severity as Severity
    from ftdata.preparation import PrepareResult as PrepareResult
    from ftdata.preparation import prepare as prepare
    from ftdata.reshape.convert import convert as convert
    from ftdata.reshape.fix import fix as fix
    from ftdata.result import Result as Result
    from ftdata.submission.core import preflight as preflight


__all__ = [
    "Finding",
    "Location",
    "PrepareResult",
    "Result",
    "Severity",
    "__version__",
    "convert",
    "fix",
    "preflight",
    "prepare",
    "validate",
]


def __getattr__(name: str) -> Any:
    # Lazy so that `import ftdata` (and the CLI's start-up) stays cheap.
    if name == "validate":
        from ftdata.api import validate

        return validate
    if name in ("prepare", "PrepareResult"):
        # The module is not named `prepare`: importing it would bind `ftdata.prepare` to it.
        from ftdata import preparation

        return getattr(preparation, name)
    if name == "convert":
        from ftdata.reshape.convert import convert

        return convert
    if name == "fix":
        from ftdata.reshape.fix import fix

        return fix
    if name == "preflight":
        from ftdata.submission.core import preflight

        return preflight
    if name == "Result":
        from ftdata.result import Result

        return Result
    if name in ("Finding", "Location", "Severity"):
        from ftdata import findings

        return getattr(findings, name)
    raise AttributeError(f"module 'ftdata' has no attribute {name!r}")
