"""The files a rewrite writes: the output, the rejects and the change log.

Each is written to a hidden temporary file next to its final name and linked
into place only when the run has finished, so a failed run leaves nothing
half-written, and an existing file (which ftdata cannot prove it wrote) is
never overwritten: the run refuses to start instead.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from ftdata.errors import UsageError


@dataclass(frozen=True, slots=True)
class Targets:
    """Where a rewrite writes: the output, its rejects and its change log."""

    out: Path
    rejects: Path
    changes: Path

    @classmethod
    def beside(
        cls,
        source: str,
        out: str | os.PathLike,
        rejects=None,
        changes=None,
        *,
        dry_run: bool = False,
    ) -> Targets:
        """Targets for ``out``; by default ``NAME.rejects.jsonl`` and ``NAME.changes.jsonl`` beside
        it.

        Raises ``UsageError`` when a target is the source or two targets coincide,
        and (unless ``dry_run``, which writes nothing) when a target exists.
        """
        out = Path(out)
        stem = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
        targets = cls(
            out,
            Path(rejects or out.with_name(f"{stem}.rejects.jsonl")),
            Path(changes or out.with_name(f"{stem}.changes.jsonl")),
        )
        targets._check(source, dry_run)
        return targets

    def _check(self, source: str, dry_run: bool) -> None:
        paths = (self.out, self.rejects, self.changes)
        if len({_resolved(p) for p in paths}) != 3:
            raise UsageError(
                "the output, rejects and change-log files must be three different files"
            )
        for path in paths:
            if source != "-" and _resolved(path) == _resolved(Path(source)):
                raise UsageError(f"{path} is the input; ftdata never rewrites its input in place")
            if dry_run:
                continue
            if path.exists() or path.is_symlink():
                raise UsageError(
                    f"{path} exists; ftdata writes only new files (remove it or "
                    "choose another name)"
                )
            if not path.parent.is_dir():
                raise UsageError(f"{path}: the folder {path.parent} does not exist")


class Writers:
    """Open temporary files for the targets; :meth:`publish` links them into place."""

    def __init__(self, targets: Targets) -> None:
        self.targets = targets
        self._temps: list[tuple[Path, BinaryIO]] = []
        self.out = self._open(targets.out)
        self.rejects = self._open(targets.rejects)
        self.changes = self._open(targets.changes)

    def _open(self, final: Path) -> BinaryIO:
        handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        stream = os.fdopen(handle, "wb")
        self._temps.append((Path(name), stream))
        return stream

    def publish(self) -> None:
        """Close the files and give them their final names (never replacing a file)."""
        finals = (self.targets.out, self.targets.rejects, self.targets.changes)
        for (temp, stream), final in zip(self._temps, finals, strict=True):
            stream.close()
            os.link(temp, final)  # fails rather than replace a file created meanwhile
            temp.unlink()
        self._temps = []

    def discard(self) -> None:
        """Remove the temporary files (this run wrote them) after a failure."""
        for temp, stream in self._temps:
            stream.close()
            temp.unlink(missing_ok=True)
        self._temps = []


def line(value: object) -> bytes:
    """One JSONL line: compact, keys in their order, UTF-8 kept as is."""
    try:
        # Table rows may hold dates, decimals or bytes: written as text.
        return orjson.dumps(value, default=str) + b"\n"
    except TypeError:  # integers beyond 64 bits: the standard library writes them
        import json

        return json.dumps(value, ensure_ascii=False, default=str).encode() + b"\n"


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve()
