"""Encoder thread counts are passed to the tokenizer, not set in the user's process."""

from __future__ import annotations

import os
import pickle
import types

import pytest

from ftdata.config import Settings
from ftdata.core.driver import Runner
from ftdata.core.options import Options
from ftdata.spark.driver import DriverSource, worker_partition
from ftdata.spark.partition import Spec, open_shipped_stage
from ftdata.tokens.counting.batches import TokenSettings
from ftdata.tokens.encoding import backends

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"  # a SentencePiece .model (cached for the tests)


def _word_level():
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["<unk>"] + [f"w{i}" for i in range(20)]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return tok


def test_a_partition_stage_gets_its_threads_without_touching_the_environment(monkeypatch):
    monkeypatch.delenv("RAYON_NUM_THREADS", raising=False)
    tokens = TokenSettings(tokenizer=None, model=MISTRAL)
    checker = Runner(Options(Settings(), tokens))
    checker.check_source(DriverSource("t", []), task="chat")
    shipped = pickle.dumps(checker.stage.tokenizer)
    spec = Spec(Settings(), tokens, shipped, None, "chat", "t", threads=3)
    stage = open_shipped_stage(spec)
    assert "RAYON_NUM_THREADS" not in os.environ  # the library changed no process-wide state
    assert stage.tokenizer.backend.threads == 3
    assert stage.tokenizer.encode("hello world") == checker.stage.tokenizer.encode("hello world")


def test_the_spark_worker_entry_point_bounds_the_rust_pool(monkeypatch):
    """Only the process Spark owns sets RAYON_NUM_THREADS (the tokenizers library's one knob)."""
    import pyspark

    monkeypatch.setenv("RAYON_NUM_THREADS", "8")  # restored after the test
    task = types.SimpleNamespace(partitionId=lambda: 7)
    monkeypatch.setattr(pyspark.TaskContext, "get", staticmethod(lambda: task))
    assert worker_partition(2) == 7
    assert os.environ["RAYON_NUM_THREADS"] == "2"


def test_hf_threads_are_passed_not_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAYON_NUM_THREADS", "1")
    texts = [f"w{i % 20} w{(i * 7) % 20}" for i in range(2 * backends.PIPELINE_TEXTS)]
    expected = [e.ids for e in _word_level().encode_batch(texts)]
    backend = backends.HFBackend(_word_level(), threads=2)
    pipelined = []
    original = backend._pipelined
    monkeypatch.setattr(backend, "_pipelined", lambda *a: pipelined.append(1) or original(*a))
    assert backend.encode_batch(texts, False) == expected
    assert pipelined  # two threads passed: pipelined although the environment says one
    backend.set_threads(1)
    assert backend.encode_batch(texts, False) == expected
    assert len(pipelined) == 1


def test_sentencepiece_encodes_with_the_threads_passed(monkeypatch):
    tokens = TokenSettings(tokenizer=None, model=MISTRAL)
    checker = Runner(Options(Settings(), tokens))
    checker.check_source(DriverSource("t", []), task="chat")
    backend = pickle.loads(pickle.dumps(checker.stage.tokenizer.backend))
    calls = []
    encode = backend.sp.Encode
    monkeypatch.setattr(
        backend.sp,
        "Encode",
        lambda pieces, num_threads: calls.append(num_threads) or encode(pieces),
    )
    backend.set_threads(3)
    backend.encode_batch(["a b", "c"], False)
    assert calls == [3]


def test_tiktoken_splits_a_batch_into_at_most_the_threads_passed(monkeypatch):
    pytest.importorskip("tiktoken")
    from ftdata.tokens.encoding.tiktoken_backend import SERIAL_TEXTS, TiktokenBackend

    ranks = {bytes([b]): b for b in range(256)}
    backend = TiktokenBackend("t", r"\S+|\s+", ranks, {"<s>": 256}, threads=2)
    texts = ["ab cd"] * (8 * SERIAL_TEXTS)
    one = TiktokenBackend("t", r"\S+|\s+", ranks, {"<s>": 256}, threads=1)
    chunks = []
    monkeypatch.setattr(
        backend, "_encodings", lambda count: chunks.append(count) or [one.encoding] * count
    )
    assert backend.encode_batch(texts, False) == one.encode_batch(texts, False)
    assert chunks == [2]
