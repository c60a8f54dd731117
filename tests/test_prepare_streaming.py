"""MDS output read back by the real mosaicml-streaming reader (opt-in: ``-m streaming``).

mosaicml-streaming needs torch and a torchvision built for that torch, and it pins
``transformers<5``, which the test extra cannot share: it lives in a separate
environment made by ``tests/setup_streaming_env.sh``, where CI (``.ci/run``) runs
this file with ``-m streaming``. Nothing is stubbed: ``import streaming`` is the real
package. Without it these tests are skipped, explicitly, with the reason. The
independent reader in ``tests/mds_reader.py`` checks the layout in every run; this
suite checks that the reference reader agrees.
"""

from __future__ import annotations

import os

import pytest
from mds_reader import read_dataset
from prepare_data import DBRX, MISTRAL, chats, corpus, instructions, write

from ftdata import prepare

pytestmark = pytest.mark.streaming


def _streaming():
    """Import the real reader; skip (with the reason) when it is not installed.

    ``FTDATA_REQUIRE_STREAMING=1`` (set by CI in the streaming environment) makes a
    missing reader a failure, so that run can never pass by skipping.
    """
    if os.environ.get("FTDATA_REQUIRE_STREAMING"):
        import streaming

        return streaming
    return pytest.importorskip(
        "streaming",
        reason="mosaicml-streaming is not installed (opt-in: bash "
        "tests/setup_streaming_env.sh, then .venv-streaming/bin/python -m pytest -m streaming)",
    )


def _read(folder, **kwargs):
    streaming = _streaming()
    dataset = streaming.StreamingDataset(local=str(folder), batch_size=1, shuffle=False, **kwargs)
    return [dataset[i] for i in range(len(dataset))]


@pytest.mark.parametrize("hashes", [("sha1",), ("sha256", "xxh64")])
def test_chat_turns_read_by_streaming_match(tmp_path, hashes):
    data = write(tmp_path / "c.jsonl", chats(50))
    prepare(
        data, out=tmp_path / "o", model=DBRX, shard_bytes=8192, hashes=hashes, compression="zstd:7"
    )
    ours = read_dataset(tmp_path / "o" / "train")
    theirs = _read(tmp_path / "o" / "train", validate_hash=hashes[-1])
    assert [s["turns"] for s in theirs] == [s["turns"] for s in ours]
    assert len(theirs) == 50


def test_untokenized_uncompressed_read_by_streaming(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(20))
    prepare(data, out=tmp_path / "o", tokenize=False, compression=None, hashes=())
    theirs = _read(tmp_path / "o" / "train")
    assert theirs[3] == {"prompt": "Name the number after 3.", "response": "It is 4."}


def test_pretraining_windows_read_by_streaming(tmp_path):
    prepare(
        corpus(tmp_path / "d", docs=6),
        out=tmp_path / "o",
        model=MISTRAL,
        context_length=96,
        shard_bytes=2048,
    )
    ours = read_dataset(tmp_path / "o" / "train")
    theirs = _read(tmp_path / "o" / "train", validate_hash="sha1")
    assert len(theirs) == len(ours) > 3
    for mine, real in zip(ours, theirs, strict=True):
        assert real["tokens"].dtype.name == "int32" and real["tokens"].tolist() == mine["tokens"]
