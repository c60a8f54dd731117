"""What keeps ``prepare`` from reading its own output, dying untidily or failing obscurely.

* ``refuse_overlap``: ``--out`` may not lie inside an input folder (the next run
  would read the shards back as data) and no input may lie inside ``--out``.
* ``cleanup_on_signals``: every catchable signal whose default would kill the
  process instead unwinds the run (so its temporary folder is removed) and then
  ends the process with that same signal, as if ftdata had not intervened.
* ``output_error``: a failed write (disk full, quota, read-only, no such
  folder) becomes one line naming the output folder.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftdata.errors import FtdataError, UsageError

GLOB_CHARS = set("*?[")
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}
# Signals whose default action ends the process (SIGINT already raises KeyboardInterrupt).
ENDING_SIGNALS = tuple(
    getattr(signal, name)
    for name in (
        "SIGTERM",
        "SIGHUP",
        "SIGQUIT",
        "SIGUSR1",
        "SIGUSR2",
        "SIGALRM",
        "SIGXCPU",
        "SIGVTALRM",
        "SIGPROF",
        "SIGPWR",
    )
    if hasattr(signal, name)
)


class OutputError(FtdataError):
    """The output folder cannot be written (disk full, read-only, missing parent…)."""


def refuse_overlap(source: Any, out: Path) -> None:
    """Refuse an ``out`` that an input folder or glob reaches into, or an input inside ``out``."""
    paths = [source] if isinstance(source, str | os.PathLike) else source
    if not isinstance(paths, list | tuple):
        return
    target = out.resolve()
    for given in paths:
        text = str(given) if isinstance(given, str | os.PathLike) else ""
        if text in ("", "-") or "://" in text:
            continue
        root, pattern = _split_glob(text)
        root = root.resolve()
        if (
            root == target
            or target in root.parents
            or (root in target.parents and _reaches(pattern, target.relative_to(root).parts))
        ):
            raise UsageError(
                f"--out {out} overlaps the input {given}: the output would be read "
                "back as input on the next run; choose an --out outside the inputs"
            )


def _split_glob(path: str) -> tuple[Path, list[str]]:
    """A glob's fixed folder and its wildcard components; a plain path is read whole (``**``)."""
    parts = Path(path).parts
    if not GLOB_CHARS & set(path) or Path(path).exists():
        return Path(path), ["**"]  # a folder is read recursively
    first = next(i for i, p in enumerate(parts) if GLOB_CHARS & set(p))
    return Path(*parts[:first]) if first else Path("."), list(parts[first:])


def _reaches(pattern: list[str], inside: tuple[str, ...]) -> bool:
    """Whether the glob components could match ``inside`` (out below the root) or a path in it."""
    if "**" in pattern:
        return True
    return all(fnmatch.fnmatchcase(name, part) for name, part in zip(inside, pattern, strict=False))


class _Signalled(BaseException):
    """Raised inside the run by a signal handler, so ``finally`` blocks clean up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Turn ending signals into an unwinding exception, then die of the signal after cleanup.

    Only handlers still at their default are replaced, and only in the main
    thread (Python delivers signals there). SIGXFSZ is ignored meanwhile so
    that an over-size write fails with an error the run reports.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved: dict[int, Any] = {}
    fired: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        if fired:
            return  # already unwinding: let the cleanup finish
        fired.append(signum)
        raise _Signalled(signum)

    for signum in ENDING_SIGNALS:
        if signal.getsignal(signum) == signal.SIG_DFL:
            saved[signum] = signal.signal(signum, handler)
    if hasattr(signal, "SIGXFSZ") and signal.getsignal(signal.SIGXFSZ) == signal.SIG_DFL:
        saved[signal.SIGXFSZ] = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        yield
    except _Signalled as stop:
        _restore(saved)
        signal.raise_signal(stop.signum)  # the default action: the process ends here
        raise SystemExit(128 + stop.signum) from None  # in case something caught it
    finally:
        _restore(saved)


def _restore(saved: dict[int, Any]) -> None:
    for signum, previous in saved.items():
        signal.signal(signum, previous)
    saved.clear()


def is_output_error(exc: OSError, out: Path) -> bool:
    """Whether ``exc`` failed to write the output: by errno, or by a path of ``out``'s making.

    Those paths are ``out``, anything in it, its hidden siblings (temporary and
    old folders) and the parents ``out`` needs.
    """
    if exc.errno in WRITE_ERRNOS:
        return True
    hidden = f".{out.name}.ftdata-"
    for name in (exc.filename, exc.filename2):
        if not isinstance(name, str | os.PathLike):
            continue
        path = Path(name)
        if path in out.parents or any(
            c == out or (c.parent == out.parent and c.name.startswith(hidden))
            for c in (path, *path.parents)
        ):
            return True
    return False


def output_error(exc: OSError, out: Path) -> OutputError:
    """One line naming ``out`` and the reason; nothing was published."""
    from ftdata.option_values import quoted

    reason = exc.strerror or type(exc).__name__
    # The path is quoted cut: a 5,000-character --out must still give one readable line.
    return OutputError(f"cannot write --out {quoted(str(out))}: {reason}; nothing was published")
