"""Train/eval split by content hash, exact-duplicate removal, and eval-in-train leaks.

The split is a pure function of the example's content and the seed, so it is
the same on every run and independent of input order. A leak is an eval
example whose prompt side (a chat without its last answer, an instruction's
prompt) also occurs in train: exact duplicates always fall on the same side,
but the same question with another answer does not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from ftdata.writers.manifest import sha256_file
from ftdata.writers.records import Document


def content_key(task: str, shaped: Any) -> bytes:
    """Canonical bytes of an example (sorted keys) or, for text, the document's bytes hash."""
    if task == "pretraining":
        if isinstance(shaped, Document):  # the same key as a file holding this text
            return hashlib.sha256(shaped.text.encode("utf-8", "surrogatepass")).digest()
        return bytes.fromhex(sha256_file(Path(shaped)))
    return orjson.dumps(shaped, option=orjson.OPT_SORT_KEYS)


def prompt_key(task: str, shaped: Any) -> bytes | None:
    """The prompt side of an example, or None for text (a document has no prompt)."""
    if task == "chat":
        messages = shaped["messages"]
        return orjson.dumps(
            messages[:-1] if len(messages) > 1 else messages, option=orjson.OPT_SORT_KEYS
        )
    if task == "instruction":
        return orjson.dumps(shaped["prompt"])
    return None


def h64(data: bytes) -> int:
    """A stable 64-bit digest (the split and duplicate key; the same in every process)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


class Splitter:
    """Decides, per example, ``train``/``eval`` or ``None`` (a duplicate to remove)."""

    def __init__(self, eval_fraction: float = 0.0, seed: int = 0, dedupe: bool = False) -> None:
        """``eval_fraction`` in [0, 1); ``seed`` changes which examples go to eval."""
        self.cut = int(eval_fraction * (1 << 64))
        self.salt = str(seed).encode() + b"\x00"
        self.dedupe = dedupe
        self._seen: set[int] = set()
        self._train_prompts: set[int] = set()
        self._eval_prompts: list[tuple[int, dict]] = []

    def assign(self, task: str, shaped: Any, where: dict) -> str | None:
        """The split of one example, or None when it duplicates one already kept."""
        if not self.dedupe and not self.cut:
            return "train"  # nothing to decide: skip hashing (a text document is re-read for it)
        key = content_key(task, shaped)
        if self.dedupe:
            digest = h64(key)
            if digest in self._seen:
                return None
            self._seen.add(digest)
        if not self.cut:
            return "train"
        side = "eval" if h64(self.salt + key) < self.cut else "train"
        prompt = prompt_key(task, shaped)
        if prompt is not None:
            if side == "train":
                self._train_prompts.add(h64(prompt))
            else:
                self._eval_prompts.append((h64(prompt), where))
        return side

    def absorb(self, other: Splitter) -> None:
        """Add another splitter's prompts (a Spark partition's), so ``leaks`` sees all of them."""
        self._train_prompts |= other._train_prompts
        self._eval_prompts += other._eval_prompts

    def leaks(self) -> list[dict]:
        """Locations of eval examples whose prompt side also occurs in train."""
        return [where for digest, where in self._eval_prompts if digest in self._train_prompts]
