"""One token-counting benchmark job, run in a fresh process by tokens_run.py; prints one JSON line.

    python benchmarks/tokens_worker.py MODE PATH MODEL

Modes:

* ``ftdata``: ``ftdata.validate(path, model=MODEL)`` end to end;
* ``ftdata-nocache``: the same with the TokenCache replaced by a pass-through
  (every planned text is encoded, duplicates included);
* ``ftdata-wholetext``: the same with the TokenCache of before (whole texts
  only, every text kept on first sight); the default cuts texts at control
  tokens, so a shared system prompt is encoded once, and keeps texts seen twice;
* ``texts``: plan the chats as ftdata does (same templates, same turn texts),
  then encode exactly those texts with ftdata's own encoder, bare (tiktoken in
  threads for tiktoken vocabularies, SentencePiece's batch call); only the
  encode calls are in ``seconds`` (``render_seconds`` is the planning);
* ``texts-hf``: the same texts through ``tokenizers``' ``encode_batch_fast``
  (for a tiktoken vocabulary, its exact conversion to a ``tokenizers`` BPE);
* ``per-message``: the cookbook loop, ``json.loads`` per line and one
  ``encode`` call per message content, with ftdata's encoder;
* ``per-message-hf``: the same loop with ``tokenizers``' ``encode``.

The ``-hf`` modes exist only where a ``tokenizers`` twin exists (not for
SentencePiece, which ftdata encodes with sentencepiece itself).

``seconds`` is timed in the process around the work; the runner adds the
whole-process wall time and peak RSS from outside.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # fallback; PYTHONPATH wins
BATCH_ROWS = 256  # the JSONL source's batch, so the baseline sends batches of the same size


class _Counting:
    """A TokenCache stand-in that records what reached the encoder."""

    made: list = []

    def __init__(self, *args, **kwargs) -> None:
        self.encoded = self.hits = 0
        _Counting.made.append(self)

    def encode(self, texts, add_special_tokens, encode_batch):
        """Encode every text, duplicates included."""
        self.encoded += len(texts)
        return encode_batch(list(texts), add_special_tokens)


def _module(name: str, before: str):
    """Module ``name``, or where it was before the tokens/ regrouping (A/B runs of old trees)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return importlib.import_module(before)


def _patch_cache(kind: str) -> list:
    """Swap the stage's TokenCache for ``kind``; return the list the instances land in."""
    token_cache = _module("ftdata.tokens.encoding.cache", "ftdata.tokens.token_cache")

    made: list = []
    original = token_cache.TokenCache
    if kind == "off":
        _Counting.made = made
        token_cache.TokenCache = _Counting
        return made

    class Recorded(original):
        def __init__(self, *args, **kwargs):
            if kind == "whole":  # the former default: whole texts, each kept on first sight
                kwargs.update(control_tokens=None, admit_after=1)
            super().__init__(*args, **kwargs)
            made.append(self)

    token_cache.TokenCache = Recorded
    return made


_LOAD_CPU: list[float] = []


def _import_resolver() -> None:
    """Import the tokenizer resolver."""
    _module("ftdata.tokens.encoding.find_tokenizer", "ftdata.tokens.resolve")


def _collector():
    """The CLI's relaxed collector when ``FTDATA_BENCH_FEWER_COLLECTIONS`` is set, else nothing.

    The library leaves the collector alone; the command line relaxes it. This lets one A/B run
    time the library call both ways (``ab.py --gc-variant``).
    """
    import contextlib
    import os

    if not os.environ.get("FTDATA_BENCH_FEWER_COLLECTIONS"):
        return contextlib.nullcontext()
    from ftdata.gc_tuning import fewer_collections

    return fewer_collections()


def run_ftdata(path: str, model: str, cache: str = "on") -> dict:
    """``ftdata.validate(path, model=model)``, with the stage's cache, none, or whole texts."""
    import ftdata

    _import_resolver()  # its import cost stays outside the timer

    made = _patch_cache(cache)
    sent = _count_sent()
    load = _time_stage_load()
    start = time.perf_counter()
    with _collector():
        result = ftdata.validate(path, model=model)
    seconds = time.perf_counter() - start
    record = {
        "seconds": seconds,
        "load_seconds": sum(load),
        "load_cpu_seconds": sum(_LOAD_CPU),
        "summary": result.summary,
    }
    if made:
        record["encoded_texts"] = sum(c.encoded for c in made)
        record["cache_hits"] = sum(c.hits for c in made)
    record["tokens"] = _total_tokens(result)
    record["sent_texts"], record["sent_chars"] = sent
    return record


def _count_sent() -> list[int]:
    """Count the texts and characters that reach the tokenizer (``[texts, chars]``)."""
    LoadedTokenizer = _module(
        "ftdata.tokens.encoding.tokenizer", "ftdata.tokens.tokenizer"
    ).LoadedTokenizer

    sent = [0, 0]
    encode = LoadedTokenizer.encode_batch

    def counted(self, texts, add_special_tokens):
        sent[0] += len(texts)
        sent[1] += sum(map(len, texts))
        return encode(self, texts, add_special_tokens)

    LoadedTokenizer.encode_batch = counted
    return sent


def _time_stage_load() -> list[float]:
    """Record how long the token stage takes to load (tokenizer + template) into a list."""
    TokenStage = _module("ftdata.tokens.counting.batches", "ftdata.tokens.stage").TokenStage

    spent: list[float] = []
    init = TokenStage.__init__

    def timed_init(self, *args, **kwargs):
        start, cpu = time.perf_counter(), time.process_time()
        init(self, *args, **kwargs)
        spent.append(time.perf_counter() - start)
        _LOAD_CPU.append(time.process_time() - cpu)

    TokenStage.__init__ = timed_init
    return spent


def _total_tokens(result) -> int | None:
    """Total tokens counted, if the result carries token statistics."""
    data = result.to_dict() if hasattr(result, "to_dict") else {}
    return (data.get("tokens") or {}).get("total")


def _load_stage(model: str):
    from ftdata.tokens.counting.batches import TokenSettings, TokenStage

    return TokenStage(TokenSettings(model=model))


def _planned_batches(stage, path: str) -> tuple[list[list[str]], int]:
    """Every chat's turn texts as ftdata plans them, grouped per BATCH_ROWS rows."""
    import orjson

    from ftdata.tokens.counting.batches import Outcome

    batches, texts, rows, skipped = [], [], 0, 0
    with open(path, "rb") as handle:
        for line in handle:
            plan = stage._plan("chat", orjson.loads(line), Outcome())
            skipped += plan is None
            texts.extend(plan.texts if plan is not None else ())
            rows += 1
            if rows % BATCH_ROWS == 0:
                batches.append(texts)
                texts = []
    if texts:
        batches.append(texts)
    return batches, skipped


def _hf_tokenizer(tokenizer):
    """The ``tokenizers.Tokenizer`` of the vocabulary, or None (SentencePiece has none)."""
    backend = tokenizer.backend
    if getattr(backend, "tok", None) is not None:
        return backend.tok
    if hasattr(backend, "encoding"):  # tiktoken: build the exact BPE twin (outside any timer)
        from ftdata.tokens.encoding.tiktoken_ranks import RanksSpec, ranks_to_tokenizer

        enc = backend.encoding
        return ranks_to_tokenizer(
            enc._mergeable_ranks, RanksSpec(enc.name, enc._pat_str, backend.special_literals())
        )
    return None


def _single_encoder(tokenizer):
    """ftdata's encoder for one text at a time, without any batching."""
    backend = tokenizer.backend
    if hasattr(backend, "encoding"):
        return lambda text: backend.encoding.encode(text, disallowed_special=())
    if hasattr(backend, "sp"):
        return backend.sp.encode
    return lambda text: backend.tok.encode(text, add_special_tokens=False).ids


def run_texts(path: str, model: str, hf: bool = False) -> dict:
    """Plan as ftdata does (timed apart), then time only the bare batch encodes."""
    stage = _load_stage(model)
    start = time.perf_counter()
    batches, skipped = _planned_batches(stage, path)
    render = time.perf_counter() - start
    if hf:
        tok = _hf_tokenizer(stage.tokenizer)
        if tok is None:
            return {"missing": "no tokenizers twin"}

        def encode(texts):
            return tok.encode_batch_fast(texts, add_special_tokens=False)
    else:

        def encode(texts):
            return stage.tokenizer.backend.encode_batch(texts, False)

    start, cpu = time.perf_counter(), time.process_time()
    for texts in batches:
        encode(texts)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    count = sum(len(b) for b in batches)
    unique = len({t for b in batches for t in b})
    return {
        "seconds": seconds,
        "encode_cpu_seconds": cpu,
        "render_seconds": render,
        "texts": count,
        "unique_texts": unique,
        "examples_not_planned": skipped,
    }


def run_per_message(path: str, model: str, hf: bool = False) -> dict:
    """The cookbook loop: ``json.loads`` per line, one ``encode`` per message content."""
    stage = _load_stage(model)
    if hf:
        tok = _hf_tokenizer(stage.tokenizer)
        if tok is None:
            return {"missing": "no tokenizers twin"}

        def encode(text):
            return tok.encode(text, add_special_tokens=False).ids
    else:
        encode = _single_encoder(stage.tokenizer)
    start = time.perf_counter()
    tokens = messages = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            for message in json.loads(line)["messages"]:
                tokens += len(encode(message["content"]))
                messages += 1
    return {"seconds": time.perf_counter() - start, "messages": messages, "tokens": tokens}


MODES = {
    "ftdata": run_ftdata,
    "ftdata-nocache": lambda p, m: run_ftdata(p, m, "off"),
    "ftdata-wholetext": lambda p, m: run_ftdata(p, m, "whole"),
    "texts": run_texts,
    "texts-hf": lambda p, m: run_texts(p, m, hf=True),
    "per-message": run_per_message,
    "per-message-hf": lambda p, m: run_per_message(p, m, hf=True),
}


def main() -> int:
    """Run the mode named on the command line and print its JSON record."""
    mode, path, model = sys.argv[1:4]
    cpu = time.process_time()
    record = MODES[mode](path, model)
    record["cpu_seconds"] = time.process_time() - cpu
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
