"""The fingerprint of a run: everything besides the data that can change a verdict.

ftdata's own code (its version and every module's and template's name, size
and modification time: a new release or a local edit changes it), the Python
and parser versions, the rule settings (profile, selection, severities,
limits, tasks), and with a token stage its tokenizer (file hash), template
(hash), context length, targets, pinned date and the encoder libraries'
versions. Two runs with the same fingerprint give the same verdicts on the
same bytes.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

import orjson
import xxhash

from ftdata import _version

ENCODERS = ("tokenizers", "tiktoken", "sentencepiece", "mistral-common", "jinja2")
SUFFIXES = (".py", ".jinja", ".json", ".txt")


@functools.cache
def code_hash() -> bytes:
    """A hash of every file of the installed ftdata package: name, size and modification time.

    Any edit or reinstall changes a file's time, so the hash changes with the code;
    reading the times only keeps this to a few milliseconds (it runs at every start).
    """
    hasher = xxhash.xxh3_128(_version.__version__.encode())
    root = Path(__file__).resolve().parent.parent
    for name, size, modified in sorted(_files(str(root), "")):
        hasher.update(f"{name}\0{size}\0{modified}\n".encode("utf-8", "surrogateescape"))
    return hasher.digest()


def _files(folder: str, prefix: str) -> list[tuple[str, int, int]]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    found += _files(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(SUFFIXES):
                info = entry.stat()
                found.append((prefix + entry.name, info.st_size, info.st_mtime_ns))
    return found


@functools.cache
def _versions(tokens: bool) -> tuple[str, ...]:
    found = [sys.version, f"orjson={orjson.__version__}"]
    if tokens:  # the encoders' versions matter only to a token stage (and cost a few ms)
        from importlib import metadata

        for name in ENCODERS:
            try:
                found.append(f"{name}={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                found.append(f"{name}=none")
    return tuple(found)


def fingerprint(settings: Any, token_settings: Any, stage: Any, skipped: str | None) -> bytes:
    """The run's fingerprint from its settings and its token stage (None without one)."""
    identity = stage.identity() if stage is not None else None
    parts = {
        "code": code_hash().hex(),
        "versions": _versions(stage is not None),
        "settings": repr(settings),
        "tokens": repr(token_settings),
        "stage": identity,
        "skipped": skipped,
    }
    return xxhash.xxh3_128_digest(orjson.dumps(parts, default=str))
