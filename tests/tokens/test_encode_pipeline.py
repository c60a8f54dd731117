"""HFBackend's pipelined batches (encode chunk k+1 while chunk k is converted) change nothing."""

from __future__ import annotations

import random

import pytest

from ftdata.tokens.encoding import backends


def _tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["<unk>"] + [f"w{i}" for i in range(50)]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return tok


@pytest.mark.parametrize("count", [0, 1, 511, 512, 513, 1500])
def test_pipelined_batches_equal_one_call(count: int, monkeypatch) -> None:
    rng = random.Random(count)
    texts = [
        " ".join(f"w{rng.randrange(60)}" for _ in range(rng.randrange(8))) for _ in range(count)
    ]
    backend = backends.HFBackend(_tokenizer())
    monkeypatch.setenv("RAYON_NUM_THREADS", "2")  # pipelining needs more than one thread
    expected = [e.ids for e in backend.tok.encode_batch(texts)] if texts else []
    assert backend.encode_batch(texts, False) == expected
    monkeypatch.setattr(backends, "PIPELINE_TEXTS", 7)
    assert backend.encode_batch(texts, False) == expected


def test_segment_cache_is_not_offered_when_a_special_token_strips_spaces() -> None:
    from tokenizers import AddedToken

    from ftdata.tokens.encoding.cache import segmentable
    from ftdata.tokens.encoding.tokenizer import LoadedTokenizer

    plain, stripping = _tokenizer(), _tokenizer()
    plain.add_special_tokens([AddedToken("<sep>", special=True)])
    stripping.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True)])

    def loaded(tok):
        return LoadedTokenizer(
            backend=backends.HFBackend(tok), source="t", sha256="x", kind="tokenizer.json"
        )

    assert segmentable(loaded(plain))
    assert not segmentable(loaded(stripping))
