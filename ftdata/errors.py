"""Exceptions for failures of the tool or of its invocation (never for bad data).

Bad data is reported as ``Finding`` values. These exceptions mean ftdata could
not do what it was asked: a missing path, a bad option, an unusable tokenizer.
The CLI turns every one of them into a clear message and exit code 2.
"""

from __future__ import annotations

from types import ModuleType


class FtdataError(Exception):
    """Base class of every error ftdata raises on purpose."""


class UsageError(FtdataError):
    """The request itself is wrong: a missing path, an unknown option value or model."""


class SourceError(FtdataError):
    """A source cannot be opened or read at all (as opposed to bad rows inside it)."""


class ConfigError(UsageError):
    """The ``[tool.ftdata]`` configuration is malformed."""


class TokenizerError(FtdataError):
    """A tokenizer or chat template cannot be found or loaded."""


class MissingDependencyError(FtdataError):
    """An optional dependency is not installed; the message says what to install."""


def require(module: str, *, extra: str | None = None, purpose: str = "") -> ModuleType:
    """Import ``module`` lazily, or raise an actionable ``MissingDependencyError``."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        target = f"ftdata[{extra}]" if extra else module.split(".")[0]
        why = f" to {purpose}" if purpose else ""
        raise MissingDependencyError(
            f"{module} is needed{why} but is not installed: pip install '{target}'"
        ) from exc
