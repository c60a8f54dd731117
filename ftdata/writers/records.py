"""Valid examples turned into the records the shard writers store.

Fine-tuning rows follow llm-foundry's ``convert_finetuning_dataset``: tokenized,
one ``turns`` value, a list of ``{"input_ids": prompt ids, "labels": response
ids}`` per turn (unpadded, untruncated; the trainer masks and appends EOS at
collation); untokenized, ``messages`` or ``prompt``/``response``.
Pre-training text becomes ``tokens`` windows of exactly the context length.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

CHUNK_CHARS = 1_000_000  # llm-foundry tokenizes text files in chunks of this many characters


def columns_for(task: str, tokenize: bool) -> dict[str, str]:
    """The MDS columns (name -> encoding) of a task's records."""
    if task == "pretraining":
        return {"tokens": "ndarray:int32"}
    if tokenize:
        return {"turns": "json"}
    if task == "chat":
        return {"messages": "json"}
    return {"prompt": "str", "response": "str"}


def turns_record(turns: list) -> dict[str, Any]:
    """``{"turns": [{"input_ids": prompt, "labels": response}, ...]}`` from ``TurnIds``."""
    return {"turns": [{"input_ids": list(t.prompt), "labels": list(t.response)} for t in turns]}


def plain_record(task: str, shaped: dict[str, Any]) -> dict[str, Any]:
    """Untokenized columns: ``messages``, or ``prompt``/``response`` (completion renamed)."""
    if task == "chat":
        return {"messages": shaped["messages"]}
    response = shaped.get("response", shaped.get("completion"))
    return {"prompt": shaped["prompt"], "response": response}


@dataclass(frozen=True)
class Document:
    """A pre-training document held in memory (a DataFrame row's text) instead of a file."""

    text: str


def text_chunks(document: str | os.PathLike | Document) -> Iterator[str]:
    """A document's text in chunks of ``CHUNK_CHARS`` characters, as llm-foundry reads a file.

    A file is read in text mode (UTF-8, bad bytes replaced, newlines made ``\n``);
    an in-memory ``Document`` gets the same newline translation, so the same
    text gives the same chunks either way.
    """
    if isinstance(document, Document):
        text = document.text.replace("\r\n", "\n").replace("\r", "\n")
        for start in range(0, len(text), CHUNK_CHARS):
            yield text[start : start + CHUNK_CHARS]
        return
    with open(document, encoding="utf-8", errors="replace") as handle:
        while chunk := handle.read(CHUNK_CHARS):
            yield chunk


def document_ids(tokenizer, document: str | os.PathLike | Document) -> Iterator[list[int]]:
    """Token ids of one document, chunked as llm-foundry does (BOS only on the first chunk)."""
    bos = tokenizer.bos_token_id
    first = True
    for chunk in text_chunks(document):
        ids = tokenizer.encode_batch([chunk], True)[0]
        if not first and bos is not None and ids[:1] == [bos]:
            ids = ids[1:]
        first = False
        yield ids


class TokenWindows:
    """Concatenates documents into windows of exactly ``length`` tokens.

    The model's EOS follows every document (so documents are separated in the
    stream). The last partial window is dropped (llm-foundry's behaviour) or,
    with ``pad``, filled with EOS.
    """

    def __init__(self, length: int, eos_token_id: int | None, pad: bool = False) -> None:
        """``length`` is the context length; ``pad`` keeps the last window, EOS-filled."""
        self.length, self.eos, self.pad = length, eos_token_id, pad
        self._buffer: list[int] = []
        self.tokens_in = 0
        self.padding = 0
        self.dropped_tail = 0

    def add_document(self, chunks: Iterator[list[int]]) -> Iterator[Any]:
        """Feed one document's id chunks; yield every window that fills up."""
        for ids in chunks:
            self.tokens_in += len(ids)
            self._buffer.extend(ids)
            yield from self._full()
        if self.eos is not None:
            self._buffer.append(self.eos)
            self.tokens_in += 1
            yield from self._full()

    def _full(self) -> Iterator[Any]:
        import numpy as np

        length = self.length
        if len(self._buffer) < length:
            return
        cut = len(self._buffer) // length * length
        block = np.asarray(self._buffer[:cut], dtype=np.int32).reshape(-1, length)
        del self._buffer[:cut]
        yield from block

    def finish(self) -> Iterator[Any]:
        """The last partial window, padded with EOS when asked; else it is counted as dropped."""
        import numpy as np

        rest = self._buffer
        self._buffer = []
        if not rest:
            return
        if not self.pad or self.eos is None:
            self.dropped_tail = len(rest)
            return
        self.padding = self.length - len(rest)
        yield np.asarray(rest + [self.eos] * self.padding, dtype=np.int32)
