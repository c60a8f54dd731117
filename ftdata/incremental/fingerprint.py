"""The fingerprint of a run: everything besides the data that can change a verdict.

ftdata's own code (every module and template, hashed: a new release or a local
edit changes it), the Python and parser versions, the rule settings (profile,
selection, severities, limits, tasks), and with a token stage its tokenizer
(file hash), template (hash), context length, targets, pinned date and the
encoder libraries' versions. Two runs with the same fingerprint give the same
verdicts on the same bytes.
"""

from __future__ import annotations

import functools
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
import xxhash

ENCODERS = ("orjson", "tokenizers", "tiktoken", "sentencepiece", "jinja2")


@functools.cache
def code_hash() -> bytes:
    """A hash of every file of the installed ftdata package (code, templates, data)."""
    root = Path(__file__).resolve().parent.parent
    hasher = xxhash.xxh3_128()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".jinja", ".json", ".txt") and path.is_file():
            hasher.update(str(path.relative_to(root)).encode())
            hasher.update(path.read_bytes())
    return hasher.digest()


@functools.cache
def _versions() -> tuple[str, ...]:
    found = []
    for name in ENCODERS:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=none")
    return (sys.version, *found)


def fingerprint(settings: Any, token_settings: Any, stage: Any, skipped: str | None) -> bytes:
    """The run's fingerprint from its settings and its token stage (None without one)."""
    identity = stage.identity() if stage is not None else None
    parts = {
        "code": code_hash().hex(),
        "versions": _versions(),
        "settings": repr(settings),
        "tokens": repr(token_settings),
        "stage": identity,
        "skipped": skipped,
    }
    return xxhash.xxh3_128_digest(orjson.dumps(parts, default=str))
