"""One frozen set of choices for a run, built one way from keywords and ``[tool.ftdata]``.

``ftdata.validate``, ``ftdata.prepare`` and ``ftdata.spark`` take an
:class:`Options` (``options=``); their keyword arguments are a thin layer
that builds one with :func:`build_options`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ftdata.config import (
    CACHE_KEYS,
    SETTING_KEYS,
    TOKEN_KEYS,
    Settings,
    cache_dir_from,
    find_config,
    settings_from,
    token_settings_from,
)
from ftdata.errors import UsageError
from ftdata.sources.table_options import TableOptions
from ftdata.tokens.counting.batches import TokenSettings

TABLE_KEYS = ("version", "timestamp", "storage_options", "columns", "rename", "id_column")


@dataclass(frozen=True)
class Options:
    """What a run checks and how: rule settings, the token stage, how tables are read.

    ``tokens`` is None (or not ``requested``) when no token stage runs.
    ``table`` holds the reader's choices; the run fills in what follows from
    the rest (profile, whether clean rows may stay in Arrow). ``cache_dir``
    turns the incremental cache on, in that folder (None: off).
    """

    settings: Settings = field(default_factory=Settings)
    tokens: TokenSettings | None = None
    table: TableOptions = field(default_factory=TableOptions)
    cache_dir: str | None = None

    @property
    def token_settings(self) -> TokenSettings | None:
        """The token settings when a token stage is requested, else None."""
        return self.tokens if self.tokens is not None and self.tokens.requested else None


def build_options(
    *,
    use_config: bool = False,
    config: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    token_settings: TokenSettings | None = None,
    **given: Any,
) -> Options:
    """An :class:`Options` from keyword arguments, explicit values winning over the config.

    ``use_config`` reads ``[tool.ftdata]`` from the nearest pyproject.toml
    (once); ``config`` is that table already read (the command line's).
    ``settings``/``token_settings``, when given, are used as they are.
    Keywords are those of ``ftdata.validate``; None means "not given".
    """
    unknown = set(given) - {*SETTING_KEYS, *TOKEN_KEYS, *TABLE_KEYS, *CACHE_KEYS}
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    if config is None:
        wanted = use_config and (settings is None or token_settings is None)
        config = find_config()[1] if wanted else {}
    if settings is None:
        settings = settings_from(config, **_setting_values(given))
    if token_settings is None:
        token_settings = token_settings_from(config, **{k: given.get(k) for k in TOKEN_KEYS})
    cache_dir = cache_dir_from(config, given.get("cache_dir"))
    return Options(settings, token_settings, table_options(given), cache_dir)


def given_options(options: object, keywords: Mapping[str, Any]) -> Options | None:
    """``options=`` as a caller passed it, checked: None, or an :class:`Options` with none of
    the option ``keywords`` given beside it (their values None). Shared by every entry point."""
    if options is None:
        return None
    if not isinstance(options, Options):
        raise UsageError(
            "options= takes an Options (ftdata.core.options.build_options(...)), "
            f"not {type(options).__name__}"
        )
    if any(value is not None for value in keywords.values()):
        raise UsageError("give options= or keyword options, not both")
    return options


def _setting_values(given: Mapping[str, Any]) -> dict[str, Any]:
    """The rule settings as ``settings_from`` takes them (collections copied, None kept)."""
    values: dict[str, Any] = {k: given.get(k) for k in SETTING_KEYS}
    for key in ("select", "ignore"):
        if values[key] is not None:
            values[key] = tuple(values[key])
    for key in ("severity", "tasks"):
        if values[key] is not None:
            values[key] = dict(values[key])
    return values


def table_options(given: Mapping[str, Any]) -> TableOptions:
    """How tables are read, from ``validate``'s keywords."""
    columns = given.get("columns")
    return TableOptions(
        version=given.get("version"),
        timestamp=given.get("timestamp"),
        storage_options=dict(given.get("storage_options") or {}),
        columns=tuple(columns) if columns is not None else None,
        rename=dict(given.get("rename") or {}),
        id_column=given.get("id_column"),
    )
