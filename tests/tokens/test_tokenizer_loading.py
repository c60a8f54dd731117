"""Loading from paths, HF folders and the HF cache layout; the not-found message."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from ftdata.errors import TokenizerError
from ftdata.tokens.encoding.find_tokenizer import hub_cache_dir, resolve_tokenizer
from ftdata.tokens.encoding.tokenizer import load_tokenizer

TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
)


def _site(*parts: str) -> Path:
    spec = importlib.util.find_spec(parts[0])
    assert spec is not None, f"test dependency {parts[0]} is not installed"
    return Path(list(spec.submodule_search_locations)[0], *parts[1:])


@pytest.fixture(scope="module")
def dbrx_json(tmp_path_factory) -> Path:
    """A real tokenizer.json (cl100k + DBRX tokens) written by ftdata's converter."""
    from ftdata.tokens.encoding.find_tokenizer import DBRX_SPECIALS
    from ftdata.tokens.encoding.tokenizer import from_tiktoken_ranks

    ranks = _site("tiktoken_ext", "data", "cl100k_base.tiktoken")
    tok = from_tiktoken_ranks(ranks, extra_specials=DBRX_SPECIALS, use_tiktoken=False)
    path = tmp_path_factory.mktemp("dbrx") / "tokenizer.json"
    tok.backend.tok.save(str(path))
    return path


def _folder(
    root: Path, tokenizer_json: Path, config: dict, template_file: str | None = None
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(tokenizer_json, root / "tokenizer.json")
    (root / "tokenizer_config.json").write_text(json.dumps(config))
    if template_file is not None:
        (root / "chat_template.jinja").write_text(template_file)
    return root


def test_hf_folder_config_and_template(tmp_path, dbrx_json):
    from tokenizers import Tokenizer

    cfg = {
        "bos_token": "<|endoftext|>",
        "eos_token": {"content": "<|im_end|>", "special": True},
        "pad_token": "<|pad|>",
        "chat_template": TEMPLATE,
        "tokenizer_class": "GPT2Tokenizer",
    }
    tok = load_tokenizer(_folder(tmp_path / "m", dbrx_json, cfg))
    assert tok.kind == "tokenizers" and tok.chat_template == TEMPLATE
    assert (tok.bos_token_id, tok.eos_token, tok.eos_token_id) == (100257, "<|im_end|>", 100279)
    assert tok.special_tokens["pad_token"] == "<|pad|>"
    ref = Tokenizer.from_file(str(dbrx_json))
    texts = ["a  b\t\tc", "<|im_start|>user\nhi<|im_end|>", "日本語 😀"]
    assert tok.encode_batch(texts, True) == [e.ids for e in ref.encode_batch(texts)]
    import hashlib

    assert tok.sha256 == hashlib.sha256(dbrx_json.read_bytes()).hexdigest()


def test_template_file_wins_over_config(tmp_path, dbrx_json):
    folder = _folder(tmp_path / "m", dbrx_json, {"chat_template": "config"}, template_file="file")
    assert load_tokenizer(folder).chat_template == "file"
    named = [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "plain"}]
    folder2 = _folder(tmp_path / "m2", dbrx_json, {"chat_template": named})
    assert load_tokenizer(folder2).chat_template == "plain"


def test_llama_class_flags_add_bos_eos(tmp_path, dbrx_json):
    cfg = {
        "tokenizer_class": "LlamaTokenizerFast",
        "bos_token": "<|endoftext|>",
        "eos_token": "<|im_end|>",
        "add_bos_token": True,
        "add_eos_token": True,
    }
    tok = load_tokenizer(_folder(tmp_path / "m", dbrx_json, cfg))
    assert tok.encode("hi", add_special_tokens=True) == [100257, *tok.encode("hi"), 100279]


def test_tokenizer_json_path_and_missing_path(tmp_path, dbrx_json):
    assert load_tokenizer(dbrx_json).encode("hello") == [15339]
    with pytest.raises(TokenizerError, match="does not exist"):
        load_tokenizer(tmp_path / "nope.json")


def test_sentencepiece_model_path(tmp_path):
    model = tmp_path / "tok.model"
    shutil.copy(_site("mistral_common", "data", "tokenizer.model.v1"), model)
    tok = load_tokenizer(model)
    assert tok.kind == "sentencepiece" and tok.encode("hi", True)[0] == 1
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"\x00\x01 not a model")
    with pytest.raises(TokenizerError):
        load_tokenizer(bad)


def test_unknown_ranks_file_is_refused(tmp_path):
    ranks = tmp_path / "mine.tiktoken"
    ranks.write_text("YQ== 0\nYg== 1\n")
    with pytest.raises(TokenizerError, match="does not recognise"):
        load_tokenizer(ranks)


def test_hf_cache_layout(tmp_path, monkeypatch, dbrx_json):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    repo = tmp_path / "hf" / "hub" / "models--acme--Chat-7B"
    _folder(repo / "snapshots" / "old", dbrx_json, {"chat_template": "old"})
    _folder(repo / "snapshots" / "abc123", dbrx_json, {"chat_template": "pinned"})
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    assert hub_cache_dir() == tmp_path / "hf" / "hub"
    tok = resolve_tokenizer("acme/Chat-7B", None)
    assert tok.chat_template == "pinned" and "abc123" in tok.source
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere"))
    with pytest.raises(TokenizerError):
        resolve_tokenizer("acme/Chat-7B", None)


def test_cache_wins_over_packages(tmp_path, monkeypatch, dbrx_json):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    _folder(
        tmp_path / "models--mistralai--Mistral-7B-Instruct-v0.2" / "snapshots" / "r1", dbrx_json, {}
    )
    tok = resolve_tokenizer("mistralai/Mistral-7B-Instruct-v0.2", "mistral")
    assert tok.kind == "tokenizers" and "HF cache" in tok.source


def test_not_found_message_names_everything_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(TokenizerError) as info:
        resolve_tokenizer("meta-llama/Llama-2-7b-chat-hf", "llama2")
    msg = str(info.value)
    assert str(tmp_path / "models--meta-llama--Llama-2-7b-chat-hf") in msg
    assert "family 'llama2'" in msg and "--tokenizer PATH" in msg and "never downloads" in msg
    with pytest.raises(TokenizerError, match="no vocabulary known"):
        resolve_tokenizer("mistralai/Mistral-Large-Instruct-2411", "mistral")
