"""Counting semantics (llm-foundry) at their boundaries, with a character-level toy encoder."""

from __future__ import annotations

import re

import pytest
from counting_pipeline import count_examples

from ftdata.tokens.chat_templates.turns import NotPrefixConsistent, split_chat_turns
from ftdata.tokens.counting.foundry import (
    TurnIds,
    counts_from_ids,
    encode_plans,
    instruction_turn,
    plan_chat,
    plan_instruction,
)
from ftdata.tokens.encoding.cache import TokenCache

BOS, EOS = 1, 2
CONTROLS = {"<s>": BOS, "</s>": EOS, "<|im_start|>": 1000, "<|im_end|>": 1001}
_LIT = re.compile("|".join(map(re.escape, CONTROLS)))


def chatml(messages, add_generation_prompt):
    """A tiny ChatML-like template, prefix-consistent."""
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return text + ("<|im_start|>assistant\n" if add_generation_prompt else "")


class ToyEncoder:
    """One id per character, control literals as one id, BOS when asked; records calls."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, texts, add_special_tokens):
        self.calls.append(list(texts))
        return [([BOS] if add_special_tokens else []) + self._ids(t) for t in texts]

    @staticmethod
    def _ids(text):
        out, pos = [], 0
        for m in _LIT.finditer(text):
            out += [ord(c) for c in text[pos : m.start()]] + [CONTROLS[m.group()]]
            pos = m.end()
        return out + [ord(c) for c in text[pos:]]


CHAT = [
    {"role": "system", "content": "S"},
    {"role": "user", "content": "Q1"},
    {"role": "assistant", "content": "A1"},
    {"role": "user", "content": "Q2"},
    {"role": "assistant", "content": "A2"},
]


def test_split_turns_by_prefix():
    turns = split_chat_turns(CHAT, chatml)
    assert [t.prompt for t in turns] == [
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n",
    ]
    assert [t.response for t in turns] == ["A1<|im_end|>\n", "A2<|im_end|>\n"]
    assert "".join(t.prompt + t.response for t in turns) == chatml(CHAT, False)


def test_history_rewriting_template_is_not_prefix_consistent():
    def drops_old_answers(messages, add_generation_prompt):
        last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
        kept = [m for i, m in enumerate(messages) if m["role"] != "assistant" or i == last]
        return chatml(kept, add_generation_prompt)

    with pytest.raises(NotPrefixConsistent) as info:
        plan_chat(CHAT, drops_old_answers)
    assert info.value.turn == 4 and "earlier turns" in info.value.check

    def gen_prompt_differs(messages, add_generation_prompt):
        return chatml(messages, False) + (
            "<|im_start|>assistant:\n" if add_generation_prompt else ""
        )

    with pytest.raises(NotPrefixConsistent, match="does not extend the prompt"):
        split_chat_turns(CHAT[:3], gen_prompt_differs)


def _chat_counts(messages, max_seq_len, **targets):
    plan = plan_chat(messages, chatml)
    return count_examples(
        [plan], ToyEncoder(), max_seq_len=max_seq_len, bos_token_id=BOS, eos_token_id=EOS, **targets
    )[0]


def test_chat_totals_and_targets():
    p1 = len(ToyEncoder._ids(split_chat_turns(CHAT, chatml)[0].prompt))
    c = _chat_counts(CHAT, None)
    full = len(ToyEncoder._ids(chatml(CHAT, False)))
    assert c.tokens == full + 1  # EOS appended: the last response ends with "\n"
    assert c.prompt_tokens == p1 + len(
        ToyEncoder._ids("<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n")
    )
    last_resp = len(ToyEncoder._ids("A2<|im_end|>\n")) + 1
    assert c.trainable_tokens == last_resp  # defaults: last / none
    both = _chat_counts(CHAT, None, target_responses="all")
    assert both.trainable_tokens == c.response_tokens
    everything = _chat_counts(CHAT, None, target_responses="all", target_prompts="all")
    assert everything.trainable_tokens == c.tokens
    assert (
        _chat_counts(CHAT, None, target_prompts=f"length>={p1}").trainable_tokens == last_resp + p1
    )
    with pytest.raises(ValueError):
        _chat_counts(CHAT, None, target_responses="first")


def _instr(prompt, response, max_seq_len, **kw):
    return count_examples(
        [plan_instruction(prompt, response)],
        ToyEncoder(),
        max_seq_len=max_seq_len,
        bos_token_id=BOS,
        eos_token_id=EOS,
        **kw,
    )[0]


def test_instruction_bos_dedup_and_eos():
    # prompt [BOS]+3, response [BOS]+2 -> BOS dropped from response, EOS appended
    c = _instr("abc", "xy", None)
    assert (c.tokens, c.prompt_tokens, c.response_tokens, c.trainable_tokens) == (7, 4, 3, 3)
    assert _instr("abc", "xy</s>", None).tokens == 7  # already ends with EOS: nothing appended
    assert instruction_turn([BOS, 5], [6], BOS) == TurnIds([BOS, 5], [6])  # no BOS on response


def test_exactly_max_seq_len_one_over_and_prompt_filling_window():
    exact = _instr("abc", "xy", 7)
    assert not exact.truncated and exact.tokens_lost == 0 and not exact.dropped
    over = _instr("abc", "xy", 6)
    assert (
        over.truncated
        and over.tokens_lost == 1
        and over.trainable_in_window == 2
        and not over.dropped
    )
    fills = _instr("abc", "xy", 4)  # prompt is exactly the window
    assert (
        fills.dropped
        and fills.drop_reason == "no_trainable_tokens"
        and fills.trainable_in_window == 0
    )
    kept = _instr("abc", "xy", 4, target_prompts="all")
    assert not kept.dropped and kept.truncated and kept.trainable_in_window == 4
    first_trained = _instr("abc", "xy", 5)
    assert not first_trained.dropped and first_trained.trainable_in_window == 1


def test_empty_turns_are_dropped():
    msgs = [{"role": "user", "content": "q"}, {"role": "assistant", "content": ""}]
    empty_response = counts_from_ids([TurnIds([5, 6], [])], max_seq_len=None, eos_token_id=EOS)
    assert empty_response.dropped and empty_response.drop_reason == "empty_turn"
    # A chat's empty content still renders template text, so it is not an empty turn.
    assert not _chat_counts(msgs, 100).dropped
    assert counts_from_ids([], max_seq_len=8, eos_token_id=EOS).dropped


def test_one_encode_call_per_mode_and_dedupe_within_batch():
    enc = ToyEncoder()
    plans = [plan_instruction("same prompt", f"r{i}") for i in range(3)] + [plan_chat(CHAT, chatml)]
    ids = encode_plans(plans, enc)
    assert len(enc.calls) == 2  # chat texts (no specials), then instruction texts
    assert sum(t == "same prompt" for call in enc.calls for t in call) == 1
    assert ids[1][0] == [BOS] + [ord(c) for c in "same prompt"]


def test_shared_system_prompt_is_encoded_once_across_batches():
    system = {"role": "system", "content": "You are a careful assistant. " * 20}
    chats = [
        [system, {"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
        for i in range(50)
    ]
    enc = ToyEncoder()
    cache = TokenCache(control_tokens=CONTROLS)
    plans = [plan_chat(c, chatml) for c in chats]
    first = encode_plans(plans[:25], enc, cache)
    second = encode_plans(plans[25:], enc, cache)
    sent = [t for call in enc.calls for t in call]
    assert sent.count("system\n" + system["content"]) == 1  # the shared segment, once in all
    assert cache.hits > 0
    plain = encode_plans(plans, ToyEncoder())
    assert first + second == plain  # segment caching does not change the ids
    again = encode_plans(plans[:1], enc, cache)
    assert again == plain[:1] and len(enc.calls) == 2  # everything was cached: no new call


def test_whole_text_cache_is_bounded():
    cache = TokenCache(max_entries=2)
    enc = ToyEncoder()
    cache.encode(["a", "b", "c"], True, enc)
    cache.encode(["a"], True, enc)
    assert enc.calls == [["a", "b", "c"], ["a"]]  # "a" was evicted


def test_hits_survive_an_eviction_in_the_same_batch():
    """Admitting a batch's fresh texts may evict the memo's older half, hits included."""
    cache = TokenCache(max_entries=2)
    enc = ToyEncoder()
    cache.encode(["a", "b"], True, enc)
    ids = cache.encode(["a", "c", "d", "a"], True, enc)  # a is a hit; c, d overflow the memo
    assert enc.calls[-1] == ["c", "d"]
    assert ids == ToyEncoder()(["a", "c", "d", "a"], True)
