"""The life cycle of ``prepare``'s output folder: what ftdata owns, and how it is replaced.

Guarantees (the README states them for users):

* ftdata owns a folder only when its ``manifest.json`` says ``producer: ftdata``
  with this manifest schema and lists every file it wrote (``files``), and the
  folder holds exactly those files. Only then may ``--force`` replace it, and
  only the listed files are removed; anything else makes the run refuse.
* A run writes into a hidden sibling ``.NAME.ftdata-tmp-<random>`` that it
  holds locked (``flock``) while it lives, so names never collide across
  hosts or PID namespaces and a later run can tell a dead run's folder from a
  live one's.
* Publishing happens under a lock on the parent folder, with the catchable
  signals blocked, and only if ``NAME`` still is what the run saw when it
  started; otherwise the run fails and publishes nothing.
* A run killed between the two renames of a replacement leaves
  ``.NAME.ftdata-old-<random>``; the next run restores it (no ``NAME``) or
  removes its listed files (``NAME`` was published).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import json
import os
import re
import secrets
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftdata.errors import UsageError
from ftdata.writers.manifest import MANIFEST, PRODUCER, SCHEMA

TMP_MARK, OLD_MARK = ".ftdata-tmp-", ".ftdata-old-"
_SUFFIX = re.compile(r"[0-9a-f]{32}")
LOCK_WAIT_SECONDS = 60.0
_NO_LOCKING = {errno.EINVAL, errno.ENOLCK, errno.EOPNOTSUPP, errno.EBADF, errno.ENOSYS}


def owned_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest if ``folder`` is provably ftdata's output (marker, exact listing), else None."""
    manifest = read_owned_manifest(folder)
    if manifest is None or foreign_entries(folder, manifest):
        return None
    return manifest


def read_owned_manifest(folder: Path) -> dict[str, Any] | None:
    """``folder``'s manifest when it carries ftdata's marker and a file listing, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("producer") != PRODUCER:
        return None
    files = manifest.get("files")
    if (
        manifest.get("manifest_schema") != SCHEMA
        or not isinstance(files, dict)
        or not all(
            isinstance(k, str)
            and _safe_relative(k)
            and isinstance(v, dict)
            and isinstance(v.get("bytes"), int)
            for k, v in files.items()
        )
    ):
        return None
    return manifest


def _safe_relative(name: str) -> bool:
    """A listed name stays inside the folder (no absolute path, no ``..``, no manifest)."""
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts and name != MANIFEST


def foreign_entries(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Entries of ``folder`` that the manifest does not account for (or whose size changed)."""
    files = manifest["files"]
    folders = {p.as_posix() for name in files for p in Path(name).parents if p != Path(".")}
    foreign = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            foreign.append(name)
        elif path.is_dir():
            if name not in folders:
                foreign.append(name + "/")
        elif name != MANIFEST and (
            name not in files or path.stat().st_size != files[name]["bytes"]
        ):
            foreign.append(name)
    return foreign


def state_of(out: Path) -> tuple[str, str | None]:
    """What ``out`` is now: absent, empty, ftdata's output (with its fingerprint), or foreign."""
    if not out.exists() and not out.is_symlink():
        return ("absent", None)
    if out.is_symlink() or not out.is_dir():
        return ("foreign", None)
    if not any(out.iterdir()):
        return ("empty", None)
    manifest = owned_manifest(out)
    if manifest is None:
        return ("foreign", None)
    return ("owned", str(manifest.get("fingerprint")))


def check_out(out: Path, force: bool) -> tuple[str, str | None]:
    """Refuse an ``out`` this run may not replace; return its state for ``publish`` to re-check."""
    state = state_of(out)
    if state[0] == "foreign":
        if out.is_symlink() or not out.is_dir():
            raise UsageError(f"--out {out} is a symbolic link or a file, not a folder")
        manifest = read_owned_manifest(out)
        if manifest is not None:
            extra = ", ".join(foreign_entries(out, manifest)[:5])
            raise UsageError(
                f"--out {out} holds files its manifest does not list ({extra}); "
                "ftdata removes only what it wrote: move them away first"
            )
        raise UsageError(
            f"--out {out} is not empty and was not written by ftdata prepare; "
            "choose an empty or new folder"
        )
    if state[0] == "owned" and not force:
        raise UsageError(
            f"--out {out} holds the output of a different prepare (other inputs or "
            "options); use --force to replace it"
        )
    return state


@contextlib.contextmanager
def parent_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``out``'s parent folder (no lock where unsupported)."""
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise UsageError(
                    f"another process holds the lock on {out.parent} for over "
                    f"{LOCK_WAIT_SECONDS:.0f} s"
                )
            time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _try_lock(fd: int) -> bool:
    """Lock ``fd``; True when locked or when the filesystem has no locks, False when busy."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in _NO_LOCKING:
            return True  # the renames below still refuse to overwrite another run's output
        raise
    return True


def new_temp(out: Path) -> tuple[Path, int]:
    """Create this run's locked hidden sibling after recovering dead runs' leftovers.

    Returns the folder and the descriptor holding its lock (``release`` closes it).
    """
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    with parent_lock(out), _signals_blocked():  # no signal between mkdir and the lock
        recover(out)
        tmp = parent / f".{out.name}{TMP_MARK}{secrets.token_hex(16)}"
        tmp.mkdir()
        fd = os.open(tmp, os.O_RDONLY)
        _try_lock(fd)
    return tmp, fd


def _siblings(out: Path, mark: str) -> list[Path]:
    prefix = f".{out.name}{mark}"
    return sorted(
        p
        for p in out.parent.glob(f"{glob.escape(prefix)}*")
        if p.is_dir() and not p.is_symlink() and _SUFFIX.fullmatch(p.name[len(prefix) :])
    )


def recover_locked(out: Path) -> None:
    """``recover`` under the parent lock (nothing to do when the parent does not exist)."""
    if out.parent.is_dir():
        with parent_lock(out):
            recover(out)


def recover(out: Path) -> None:
    """Under the parent lock: restore or clear a dead replacement, remove dead runs' temporaries."""
    for old in _siblings(out, OLD_MARK):
        if not out.exists() and not out.is_symlink() and read_owned_manifest(old) is not None:
            os.rename(old, out)  # killed between the renames: the previous output comes back
        else:
            remove_owned(old)
    for tmp in _siblings(out, TMP_MARK):
        if _unlocked(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def _unlocked(folder: Path) -> bool:
    """Whether no live run holds ``folder`` (False when locks are unsupported: keep it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def release(tmp: Path, fd: int, remove: bool) -> None:
    """Drop the run's lock on its temporary folder, removing the folder when asked."""
    if remove:
        shutil.rmtree(tmp, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.close(fd)


def remove_owned(folder: Path) -> None:
    """Remove the files ``folder``'s manifest lists, then the folders they emptied; nothing else.

    A folder whose manifest is not ftdata's is left untouched; so is anything
    unlisted, and the folders holding it.
    """
    manifest = read_owned_manifest(folder)
    if manifest is None:
        return
    for name, entry in manifest["files"].items():
        path = folder / name
        if path.is_file() and not path.is_symlink() and path.stat().st_size == entry["bytes"]:
            path.unlink()  # a listed name rewritten since (another size) is no longer provably ours
    (folder / MANIFEST).unlink(missing_ok=True)
    folders = {
        p for name in manifest["files"] for p in (folder / name).parents if folder in p.parents
    }
    for path in sorted(folders, key=lambda p: len(p.parts), reverse=True) + [folder]:
        with contextlib.suppress(OSError):
            path.rmdir()  # fails, and keeps the folder, if anything unlisted is in it


def publish(tmp: Path, out: Path, expected: tuple[str, str | None]) -> None:
    """Move ``tmp`` into place if ``out`` is still ``expected``; else refuse and publish nothing."""
    with parent_lock(out), _signals_blocked():
        if state_of(out) != expected:
            raise UsageError(
                f"--out {out} changed while this run was writing (files added, or "
                "another prepare published there); nothing was published"
            )
        old = None
        if expected[0] == "owned":
            old = out.parent / f".{out.name}{OLD_MARK}{secrets.token_hex(16)}"
            os.rename(out, old)
        elif expected[0] == "empty":
            _rmdir_or_refuse(out)
        try:
            os.rename(tmp, out)  # a directory rename never replaces a non-empty folder
        except OSError as exc:
            if old is not None:
                os.rename(old, out)
            raise UsageError(
                f"--out {out} appeared while this run was writing ({exc.strerror}); "
                "nothing was published"
            ) from None
        if old is not None:
            remove_owned(old)


def _rmdir_or_refuse(out: Path) -> None:
    try:
        out.rmdir()
    except OSError:
        raise UsageError(
            f"--out {out} changed while this run was writing (files added); nothing was published"
        ) from None


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Defer catchable signals so none can stop the run between two renames."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
