"""Settings of a run, and reading them from ``[tool.ftdata]`` or ``ftdata.toml``.

The same settings serve the CLI and the library; values given explicitly (a
command-line flag, a keyword argument) win over the configuration file.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ftdata import option_values as ov
from ftdata.errors import ConfigError, UsageError
from ftdata.findings import Severity
from ftdata.rules import catalog, registry

TASK_ALIASES = {
    "chat": "chat",
    "instruction": "instruction",
    "prompt_response": "instruction",
    "pretraining": "pretraining",
    "text": "pretraining",
    "cpt": "pretraining",
}
DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that shapes a validation run besides the input itself."""

    task: str | None = None
    profile: str = "databricks"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    keep_per_code: int = 1000
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    #: (glob, task) pairs of ``[tool.ftdata.tasks]``, in file order: the first match names
    #: the task of a source when ``task`` is not forced.
    tasks: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.task is not None and self.task not in registry.TASKS:
            raise ConfigError(f"unknown task {self.task!r}; use one of {', '.join(registry.TASKS)}")
        if self.profile not in registry.PROFILES:
            raise ConfigError(
                f"unknown profile {self.profile!r}; use one of {', '.join(registry.PROFILES)}"
            )
        for _, task in self.tasks:
            if task != "auto" and task not in registry.TASKS:
                raise ConfigError(f"unknown task {task!r} in [tool.ftdata.tasks]")
        try:
            catalog.check_selectors([*self.select, *self.ignore, *self.severity])
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def task_for(self, path: str) -> str | None:
        """The task of the source at ``path``: the forced task, else the first matching glob.

        A glob without ``/`` matches the file name (``*.chat.jsonl``); one with
        ``/`` matches the path or its end, ``*`` crossing folders (``data/chat/*``
        matches ``data/chat/a.jsonl`` and ``/abs/data/chat/x/b.jsonl``). A glob
        mapped to ``auto``, or no match, returns ``None``: the task is detected.
        """
        if self.task is not None or not self.tasks:
            return self.task
        # Windows separators match as "/", so one configuration serves every machine.
        posix = path.replace("\\", "/").removeprefix("./")
        for pattern, task in self.tasks:
            if _glob_matches(pattern, posix):
                return None if task == "auto" else task
        return None

    def policy(self) -> dict[str, Severity | None]:
        """The effective severity of every rule code (``None``: switched off)."""
        resolved: dict[str, Severity | None] = {}
        for rule in catalog.all_rules():
            resolved[rule.code] = self._severity_of(rule)
        return resolved

    def _severity_of(self, rule: registry.Rule) -> Severity | None:
        if self.profile not in rule.profiles:
            return None
        if self.select and not any(registry.matches(s, rule) for s in self.select):
            return None
        if any(registry.matches(s, rule) for s in self.ignore):
            return None
        for selector, level in self.severity.items():
            if registry.matches(selector, rule):
                return level
        return rule.severity


def normalise_task(task: str | None) -> str | None:
    """Map a task name or alias (``prompt_response``, ``text``) to its canonical name."""
    if task is None or task == "auto":
        return None
    try:
        return TASK_ALIASES[task.strip().lower()]
    except KeyError:
        raise ConfigError(f"unknown task {task!r}; use chat, instruction or pretraining") from None


def find_config(start: Path | None = None) -> tuple[Path | None, dict[str, Any]]:
    """The nearest ``ftdata.toml`` or ``pyproject.toml`` with ``[tool.ftdata]`` and its table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "ftdata.toml"
        if own.is_file():
            data = _read_toml(own)
            tool = data.get("tool", {})
            return own, _table_of(own, tool.get("ftdata", data) if isinstance(tool, dict) else tool)
        project = folder / "pyproject.toml"
        if project.is_file():
            tool = _read_toml(project).get("tool", {})
            table = tool.get("ftdata") if isinstance(tool, dict) else tool
            if table is not None:
                return project, _table_of(project, table)
    return None, {}


def _table_of(path: Path, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(
            f"{path}: [tool.ftdata] must be a table of settings, not {ov.quoted(table)}"
        )
    return table


def _selectors(name: str, value: Any) -> tuple[str, ...]:
    """Rule selectors that each match some rule (a typo would silently select nothing)."""
    found = ov.codes(name, value)
    try:
        catalog.check_selectors(found)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None
    return found


def _severities(name: str, value: Any) -> dict[str, Severity]:
    levels = ("error", "warning", "info")
    pairs = ov.table(name, value)
    _selectors(name, list(pairs))
    return {
        code: Severity.parse(ov.choice(f"{name} {code}", level, levels))
        for code, level in pairs.items()
    }


# How each setting is checked (option_values), whether from the file or given explicitly.
CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "task": ov.text,
    "profile": ov.text,
    "select": _selectors,
    "ignore": _selectors,
    "severity": _severities,
    "tasks": ov.table,
    "format": ov.text,
    "fail_on": lambda name, value: Severity.parse(
        ov.choice(name, value, ("error", "warning", "info"))
    ),
    "max_per_code": partial(ov.whole, minimum=0),
    "keep_per_code": partial(ov.whole, minimum=0),
    "max_line_bytes": partial(ov.whole, minimum=1),
    "model": ov.text,
    "tokenizer": ov.path,
    "context_length": partial(ov.whole, minimum=1),
    "epochs": partial(ov.real, above=0, maximum=1e6),
    "date": ov.date,
    "target_responses": ov.text,
    "target_prompts": ov.text,
    "per_role": ov.flag,
    "cache_dir": ov.path,
}


def checked(values: Mapping[str, Any], *, from_config: bool) -> dict[str, Any]:
    """``values`` with ``_`` keys, each checked (a ``UsageError`` names the bad one)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        key = str(key).replace("-", "_")
        check = CHECKS.get(key)
        try:
            out[key] = check(ov.label(key, from_config), value) if check is not None else value
        except ConfigError:
            raise
        except UsageError as exc:
            if from_config:
                raise ConfigError(str(exc)) from None
            raise
    return out


def _merged(table: Mapping[str, Any], explicit: Mapping[str, Any]) -> dict[str, Any]:
    values = checked(table, from_config=True)
    values.update(checked({k: v for k, v in explicit.items() if v is not None}, from_config=False))
    return values


# The keys `[tool.ftdata]` may hold (as Python names), by who reads them: the rules, the
# reporters, the token stage. Any other key is a configuration error.
SETTING_KEYS = (
    "task",
    "profile",
    "select",
    "ignore",
    "severity",
    "fail_on",
    "keep_per_code",
    "max_line_bytes",
    "tasks",
)
REPORT_KEYS = ("format", "max_per_code")
CACHE_KEYS = ("cache_dir",)  # where the incremental cache lives (it is then on)
TOKEN_KEYS = (
    "model",
    "tokenizer",
    "context_length",
    "epochs",
    "date",
    "target_responses",
    "target_prompts",
    "per_role",
    "chat_template",
)


def settings_from(table: Mapping[str, Any], **explicit: Any) -> Settings:
    """Build settings from a configuration table, explicit values winning."""
    values = _merged(table, explicit)
    if explicit.get("task") == "auto":  # an explicit auto detects every source: no config glob
        values["tasks"] = {}
    unknown = set(values) - {*SETTING_KEYS, *REPORT_KEYS, *CACHE_KEYS, *TOKEN_KEYS}
    if unknown:
        raise ConfigError(f"unknown ftdata setting(s): {', '.join(sorted(unknown))}")
    return Settings(
        task=normalise_task(values.get("task")),
        profile=values.get("profile", "databricks"),
        select=values.get("select", ()),
        ignore=values.get("ignore", ()),
        severity=values.get("severity", {}),
        fail_on=values.get("fail_on", Severity.ERROR),
        keep_per_code=values.get("keep_per_code", 1000),
        max_line_bytes=values.get("max_line_bytes", DEFAULT_MAX_LINE_BYTES),
        tasks=_task_globs(values.get("tasks", {})),
    )


def report_options(
    table: Mapping[str, Any],
    *,
    format: str | None,  # noqa: A002
    max_per_code: int | None,
) -> tuple[str, int]:
    """The report's format and findings per code: explicit, else the file's, else the defaults."""
    values = _merged(
        {k: v for k, v in table.items() if str(k).replace("-", "_") in REPORT_KEYS},
        {"format": format, "max_per_code": max_per_code},
    )
    return values.get("format", "text"), values.get("max_per_code", 20)


def cache_dir_from(table: Mapping[str, Any], explicit: str | None = None) -> str | None:
    """The cache folder: ``explicit``, else ``cache-dir`` of ``[tool.ftdata]``, else None."""
    if explicit is not None:
        return str(checked({"cache_dir": explicit}, from_config=False)["cache_dir"])
    mine = {k: v for k, v in table.items() if str(k).replace("-", "_") in CACHE_KEYS}
    values = checked(mine, from_config=True)
    return str(values["cache_dir"]) if "cache_dir" in values else None


def token_settings_from(table: Mapping[str, Any], **explicit: Any):
    """Token-stage settings from ``[tool.ftdata]`` (model, tokenizer, ...); explicit values win."""
    from ftdata.tokens.counting.batches import TokenSettings

    mine = {k: v for k, v in table.items() if str(k).replace("-", "_") in TOKEN_KEYS}
    return TokenSettings(**_merged(mine, explicit))


def _task_globs(table: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``{glob: task}`` (in file order) as validated (glob, canonical task) pairs."""
    if not isinstance(table, Mapping):
        raise ConfigError('[tool.ftdata.tasks] maps globs to tasks, e.g. "data/chat/*" = "chat"')
    # "auto" stays in the list so that it can exempt paths from a broader glob below it.
    return tuple(
        (str(pattern).replace("\\", "/"), _glob_task(str(pattern), str(task)))
        for pattern, task in table.items()
    )


def _glob_task(pattern: str, task: str) -> str:
    try:
        return normalise_task(task) or "auto"
    except ConfigError:
        raise ConfigError(
            f"[tool.ftdata.tasks] {ov.quoted(pattern)}: unknown task "
            f"{ov.quoted(task)}; use chat, instruction, pretraining or auto"
        ) from None


def _glob_matches(pattern: str, path: str) -> bool:
    if "/" not in pattern:
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    # Also match the end of the path: ftdata may be run from another folder or on absolute paths.
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern)


def codes_list(
    value: str | Iterable[str], name: str = "ignore in [tool.ftdata]"
) -> tuple[str, ...]:
    """Rule selectors from a comma-separated string or a list (``name`` names it in errors)."""
    return ov.codes(name, value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
