"""Settings of a run, and reading them from ``[tool.ftdata]`` or ``ftdata.toml``.

The same settings serve the CLI and the library; values given explicitly (a
command-line flag, a keyword argument) win over the configuration file.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftdata.errors import ConfigError
from ftdata.findings import Severity
from ftdata.rules import registry

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
            registry.check_selectors([*self.select, *self.ignore, *self.severity])
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
        for rule in registry.all_rules():
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
        raise ConfigError(
            f"unknown task {task!r}; use chat, instruction or pretraining"
        ) from None


def find_config(start: Path | None = None) -> tuple[Path | None, dict[str, Any]]:
    """The nearest ``ftdata.toml`` or ``pyproject.toml`` with ``[tool.ftdata]`` and its table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "ftdata.toml"
        if own.is_file():
            data = _read_toml(own)
            return own, data.get("tool", {}).get("ftdata", data)
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _read_toml(project).get("tool", {}).get("ftdata")
            if table is not None:
                return project, table
    return None, {}


def settings_from(table: Mapping[str, Any], **explicit: Any) -> Settings:
    """Build settings from a configuration table, explicit values winning."""
    values = {key.replace("-", "_"): value for key, value in table.items()}
    values.update({k: v for k, v in explicit.items() if v is not None})
    if explicit.get("task") == "auto":  # an explicit auto detects every source: no config glob
        values["tasks"] = {}
    known = {"task", "profile", "select", "ignore", "severity", "fail_on", "max_per_code",
             "keep_per_code", "max_line_bytes", "tasks"}
    unknown = set(values) - known - _LATER_KEYS
    if unknown:
        raise ConfigError(f"unknown ftdata setting(s): {', '.join(sorted(unknown))}")
    try:
        return Settings(
            task=normalise_task(values.get("task")),
            profile=values.get("profile", "databricks"),
            select=_codes(values.get("select", ())),
            ignore=_codes(values.get("ignore", ())),
            severity={k: Severity.parse(v) for k, v in dict(values.get("severity", {})).items()},
            fail_on=Severity.parse(values.get("fail_on", "error")),
            keep_per_code=int(values.get("keep_per_code", 1000)),
            max_line_bytes=int(values.get("max_line_bytes", DEFAULT_MAX_LINE_BYTES)),
            tasks=_task_globs(values.get("tasks", {})),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad ftdata setting: {exc}") from None


# Settings that belong to the reporters or to later stages; accepted, not used here.
_LATER_KEYS = {"max_per_code", "format", "model", "tokenizer", "context_length", "epochs",
               "date", "target_responses", "target_prompts", "per_role"}
TOKEN_KEYS = ("model", "tokenizer", "context_length", "epochs", "date", "target_responses",
              "target_prompts", "per_role", "chat_template")


def token_settings_from(table: Mapping[str, Any], **explicit: Any):
    """Token-stage settings from ``[tool.ftdata]`` (model, tokenizer, ...), explicit values winning."""
    import datetime as dt

    from ftdata.tokens.stage import TokenSettings

    values = {k.replace("-", "_"): v for k, v in table.items() if k.replace("-", "_") in TOKEN_KEYS}
    values.update({k: v for k, v in explicit.items() if v is not None})
    try:
        if isinstance(values.get("date"), str):
            values["date"] = dt.date.fromisoformat(values["date"])
        if "epochs" in values:
            values["epochs"] = float(values["epochs"])
        if "context_length" in values:
            values["context_length"] = int(values["context_length"])
        if "per_role" in values and not isinstance(values["per_role"], bool):
            raise ValueError(f"per-role takes true or false, not {values['per_role']!r}")
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad token setting: {exc}") from None
    return TokenSettings(**values)


def _task_globs(table: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``{glob: task}`` (in file order) as validated (glob, canonical task) pairs."""
    if not isinstance(table, Mapping):
        raise ConfigError('[tool.ftdata.tasks] maps globs to tasks, e.g. "data/chat/*" = "chat"')
    # "auto" stays in the list so that it can exempt paths from a broader glob below it.
    return tuple((str(pattern).replace("\\", "/"), normalise_task(str(task)) or "auto")
                 for pattern, task in table.items())


def _glob_matches(pattern: str, path: str) -> bool:
    if "/" not in pattern:
        return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    # Also match the end of the path: ftdata may be run from another folder or on absolute paths.
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern)


def codes_list(value: str | Iterable[str]) -> tuple[str, ...]:
    """Rule selectors from a comma-separated string or a list."""
    return _codes(value)


def _codes(value: str | Iterable[str]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(item.strip() for item in items if item and item.strip())


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
