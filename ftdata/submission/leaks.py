"""Eval examples whose prompt side also occurs in the train data (DS009).

The prompt side is what ``ftdata prepare``'s split compares (a chat without
its last answer, an instruction's prompt); only examples that pass every
check count, since training and eval leave the others out (a Spark table's
rows are digested on the executors, every row with a prompt).
"""

from __future__ import annotations

import hashlib

from ftdata.result import ResultBuilder
from ftdata.rules import dataset
from ftdata.writers.split import prompt_key


def prompt_digest(task: str, example) -> bytes | None:
    """A digest of an example's prompt side; None for text or a shape without one."""
    if task not in ("chat", "instruction"):
        return None
    try:
        prompt = prompt_key(task, example)
    except (KeyError, TypeError, IndexError):  # an in-memory shape the writers never see
        return None
    return hashlib.blake2b(prompt, digest_size=16).digest() if prompt is not None else None


class LeakFinder:
    """Collects train prompts, then eval rows whose prompt is among them."""

    def __init__(self) -> None:
        """Start with no train prompt and no leak."""
        self._train: set[bytes] = set()
        self._eval: list[tuple[bytes, dict]] = []

    def train_row(self, row) -> None:
        """``on_row`` of the train data: remember the prompt of each valid example."""
        key = prompt_digest(row.task, row.example) if row.valid else None
        if key is not None:
            self._train.add(key)

    def eval_row(self, row) -> None:
        """``on_row`` of the eval data: remember each valid example's prompt and place."""
        key = prompt_digest(row.task, row.example) if row.valid else None
        if key is not None:
            self._eval.append((key, dict(row.location)))

    def add(self, role: str, key: bytes, where: dict) -> None:
        """A prompt digest computed elsewhere (Spark executors) for ``train`` or ``eval``."""
        if role == "train":
            self._train.add(key)
        else:
            self._eval.append((key, where))

    def emit(self, builder: ResultBuilder) -> int:
        """Report each leaking eval example (after both sides were read); return the count."""
        count = 0
        for key, where in self._eval:
            if key in self._train:
                builder.emit(
                    dataset.EVAL_IN_TRAIN,
                    "this eval example's prompt also occurs in the train data",
                    **where,
                )
                count += 1
        return count
