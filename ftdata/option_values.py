"""Checks of option and configuration values, with one message shape for all of them.

Every value a user gives (a command-line flag, a keyword of the library, a key
of ``[tool.ftdata]``) passes one of these checks before it is used. Each check
returns the value in its proper type or raises ``UsageError`` with one line
that names the option and quotes the value: ``--epochs must be a finite
number above 0, not nan`` or ``max-per-code in [tool.ftdata] must be a whole
number of at least 0, not 'abc'``. ``nan``, infinities, booleans standing in
for numbers and wrong TOML types are refused here, never deep inside a run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from ftdata.errors import UsageError

CONFIG = "[tool.ftdata]"
QUOTE_CHARS = 160  # longest quoted value (a deep path fits); the rest is elided with its length


def label(key: str, from_config: bool) -> str:
    """How a message names a setting: ``--max-per-code`` or ``max-per-code in [tool.ftdata]``."""
    dashed = key.replace("_", "-")
    return f"{dashed} in {CONFIG}" if from_config else f"--{dashed}"


def quoted(value: Any) -> str:
    """``repr(value)`` cut to ``QUOTE_CHARS`` (with the full length), for messages."""
    text = value if isinstance(value, str) else None
    shown = repr(value) if text is None else repr(text[:QUOTE_CHARS])
    if text is not None and len(text) > QUOTE_CHARS:
        shown = f"{shown[:-1]}…{shown[-1]} ({len(text):,} characters)"
    elif len(shown) > QUOTE_CHARS + 2:
        shown = shown[:QUOTE_CHARS] + "…"
    return shown


def one_line(message: str, limit: int = 500) -> str:
    """An error message fit for one terminal line: control characters escaped, length capped.

    Messages may carry values from the command line or the data (a path with a
    newline, an escape sequence); they must not break the line or drive the
    terminal.
    """
    escaped = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in message
    )
    if len(escaped) > limit:
        escaped = f"{escaped[:limit]}… ({len(escaped):,} characters)"
    return escaped


def _refuse(name: str, wanted: str, value: Any) -> UsageError:
    return UsageError(f"{name} must be {wanted}, not {quoted(value)}")


def whole(name: str, value: Any, *, minimum: int, maximum: int | None = None) -> int:
    """An integer in ``[minimum, maximum]``; digit strings and integral floats are accepted."""
    wanted = f"a whole number of at least {minimum}"
    if maximum is not None:
        wanted = f"a whole number from {minimum} to {maximum}"
    number = _as_int(value)
    if number is None or number < minimum or (maximum is not None and number > maximum):
        raise _refuse(name, wanted, value)
    return number


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) < 30 and "_" not in value:
        try:
            return int(value)
        except ValueError:
            return None
    return None


def real(name: str, value: Any, *, above: float, maximum: float | None = None) -> float:
    """A finite number greater than ``above`` (and at most ``maximum``)."""
    wanted = f"a finite number above {above:g}"
    if maximum is not None:
        wanted += f" and at most {maximum:g}"
    number = None
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = None
    if (
        number is None
        or not math.isfinite(number)
        or number <= above
        or (maximum is not None and number > maximum)
    ):
        raise _refuse(name, wanted, value)
    return number


def text(name: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise _refuse(name, "a non-empty string", value)
    return value


def path(name: str, value: Any) -> str:
    """A file or folder name: a non-empty string without NUL (which no system accepts)."""
    if "\0" in text(name, value):
        raise _refuse(name, "a path without NUL bytes", value)
    return value


def choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (compared case-insensitively, returned as written there)."""
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    raise _refuse(name, f"one of {', '.join(choices)}", value)


def codes(name: str, value: Any) -> tuple[str, ...]:
    """Rule selectors: a comma-separated string or a list of strings."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise _refuse(name, "rule codes as a string or a list of strings", value)
    return tuple(item.strip() for item in items if item.strip())


def flag(name: str, value: Any) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise _refuse(name, "true or false", value)
    return value


def table(name: str, value: Any) -> Mapping[str, str]:
    """A table of strings to strings (``severity``, ``tasks``)."""
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _refuse(name, "a table of strings to strings", value)
    return value


def date(name: str, value: Any) -> dt.date:
    """A calendar date (``YYYY-MM-DD``, or a TOML date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _refuse(name, "a date YYYY-MM-DD", value)


def for_argparse(check: Callable[..., Any], option: str, **limits: Any) -> Callable[[str], Any]:
    """An argparse ``type=`` that runs ``check``; argparse prefixes the option's name."""

    def parse(raw: str) -> Any:
        try:
            return check(option, _number(raw), **limits)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(option + " ")) from None

    parse.__name__ = check.__name__  # argparse names the type in its own messages
    return parse


def _number(raw: str) -> Any:
    """A command-line number as int or float when it reads as one, else the text itself."""
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            continue
    return raw


def os_error_message(exc: OSError, args: Any) -> str:
    """One line naming the option (or PATH) whose file the system refused, and why.

    ``args`` are the parsed command line (or None). Whatever the system says
    (a missing folder, a full disk, a name too long) is about the user's
    files, not a bug of ftdata: the CLI reports it as a usage error.
    """
    reason = exc.strerror or type(exc).__name__
    path = None if exc.filename is None else str(exc.filename)
    option = _option_of(path, args)
    if path is None and option == "--out":  # a full disk names no file: name the folder
        path = str(args.out)
    where = " ".join(part for part in (option, quoted(path) if path else "") if part)
    return f"{where}: {reason}" if where else reason


def _option_of(path: str | None, args: Any) -> str:
    """Which option named ``path``: an input PATH, --tokenizer, --output, or prepare's --out."""
    if args is None:
        return ""
    named = [
        ("--output", getattr(args, "output", None)),
        ("--tokenizer", getattr(args, "tokenizer", None)),
    ]
    named += [("PATH", item) for item in getattr(args, "paths", None) or ()]
    for option, value in named:
        if (
            value
            and path is not None
            and (path == value or path.startswith(value.rstrip("/") + "/"))
        ):
            return option
    # prepare writes only below --out (or beside it, in its temporary folder).
    return "--out" if getattr(args, "out", None) else ""
