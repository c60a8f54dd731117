"""Counting end to end with real vocabularies (DBRX/cl100k, Mistral v1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from counting_pipeline import count_examples

from ftdata.tokens.chat_templates.turns import split_chat_turns
from ftdata.tokens.counting.foundry import plan_chat, plan_instruction
from ftdata.tokens.encoding.cache import TokenCache
from ftdata.tokens.encoding.find_tokenizer import resolve_tokenizer


def chatml(messages, add_generation_prompt):
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return text + ("<|im_start|>assistant\n" if add_generation_prompt else "")


@pytest.fixture(scope="module")
def dbrx():
    return resolve_tokenizer("databricks/dbrx-instruct", "dbrx", cache=Path("/nonexistent"))


@pytest.fixture(scope="module")
def mistral():
    return resolve_tokenizer(
        "mistralai/Mistral-7B-Instruct-v0.2", "mistral", cache=Path("/nonexistent")
    )


def test_chat_turns_sum_to_the_full_rendering(dbrx):
    chat = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "日本語?"},
        {"role": "assistant", "content": "はい 😀"},
    ]
    full = dbrx.encode(chatml(chat, False))
    (c,) = count_examples(
        [plan_chat(chat, chatml)],
        dbrx.encode_batch,
        max_seq_len=len(full) + 1,
        bos_token_id=dbrx.bos_token_id,
        eos_token_id=dbrx.eos_token_id,
    )
    assert c.tokens == len(full) + 1  # + EOS (<|endoftext|>) after the final "\n"
    assert not c.truncated and not c.dropped
    last = split_chat_turns(chat, chatml)[-1].response
    assert c.trainable_tokens == len(dbrx.encode(last)) + 1


def test_mistral_instruction_counts(mistral):
    (c,) = count_examples(
        [plan_instruction("[INST] Say hi [/INST]", "Hi!")],
        mistral.encode_batch,
        max_seq_len=2048,
        bos_token_id=mistral.bos_token_id,
        eos_token_id=mistral.eos_token_id,
    )
    prompt = mistral.encode("[INST] Say hi [/INST]", add_special_tokens=True)
    response = mistral.encode("Hi!", add_special_tokens=True)
    assert prompt[0] == response[0] == 1
    # the response's BOS is removed, EOS appended
    assert (c.prompt_tokens, c.response_tokens) == (len(prompt), len(response))
    assert c.tokens == len(prompt) + len(response)


def test_segment_cache_with_real_tokenizer(dbrx):
    system = {"role": "system", "content": "You are DBRX. Answer  carefully,\tplease. " * 10}
    chats = [
        [
            system,
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ]
        for i in range(20)
    ]
    plans = [plan_chat(c, chatml) for c in chats]
    cache = TokenCache(control_tokens=dbrx.control_tokens)
    cached = count_examples(
        plans,
        dbrx.encode_batch,
        max_seq_len=4096,
        bos_token_id=None,
        eos_token_id=dbrx.eos_token_id,
        cache=cache,
    )
    plain = count_examples(
        plans,
        dbrx.encode_batch,
        max_seq_len=4096,
        bos_token_id=None,
        eos_token_id=dbrx.eos_token_id,
    )
    assert cached == plain and cache.hits >= 19
    assert cache.encoded == 3 + 2 * 20  # system, "\n", "assistant\n" once; user and answer per chat
