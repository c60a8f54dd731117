"""Realistic mistakes injected into generated JSONL lines (``generate.py --bad F``).

Each fault takes the example (a fresh dict it may change) and its serialized
line, and returns the bad line. Both ftdata's loader rules (LD) and its
per-example rules (CH, PR, SC) get real work.
"""

from __future__ import annotations

import random

import orjson


def _truncated(rng: random.Random, value: dict, line: bytes) -> bytes:
    return line[: rng.randint(1, max(1, len(line) - 2))]  # invalid JSON


def _trailing_comma(rng, value, line):
    return line[:-1] + b",}"


def _wrong_role(rng, value, line):
    message = rng.choice(value["messages"])
    message["role"] = rng.choice(("bot", "User", "human", "gpt"))
    return orjson.dumps(value)


def _missing_content(rng, value, line):
    del rng.choice(value["messages"])["content"]
    return orjson.dumps(value)


def _empty_content(rng, value, line):
    value["messages"][-1]["content"] = ""
    return orjson.dumps(value)


def _missing_messages(rng, value, line):
    return orjson.dumps({"conversation": value["messages"]})


def _extra_key(rng, value, line):
    return orjson.dumps({"id": rng.randint(0, 10**6), **value})


def _duplicate_key(rng, value, line):
    first = next(iter(value))
    return b"{" + orjson.dumps(first) + b":" + orjson.dumps(value[first]) + b"," + line[1:]


def _same_role_twice(rng, value, line):
    messages = value["messages"]
    messages.insert(len(messages) - 1, {"role": "assistant", "content": "ok"})
    return orjson.dumps(value)


def _missing_response(rng, value, line):
    del value["response"]
    return orjson.dumps(value)


def _prompt_not_string(rng, value, line):
    value["prompt"] = [value["prompt"]]
    return orjson.dumps(value)


def _empty_response(rng, value, line):
    value["response"] = "  "
    return orjson.dumps(value)


def _not_object(rng, value, line):
    return b"[" + line + b"]"


CHAT_FAULTS = (
    _truncated,
    _trailing_comma,
    _wrong_role,
    _missing_content,
    _empty_content,
    _missing_messages,
    _extra_key,
    _duplicate_key,
    _same_role_twice,
)
INSTRUCTION_FAULTS = (
    _truncated,
    _trailing_comma,
    _missing_response,
    _prompt_not_string,
    _empty_response,
    _extra_key,
    _duplicate_key,
    _not_object,
)


def inject(rng: random.Random, faults, value: dict, line: bytes) -> bytes:
    """Apply one randomly chosen fault; the line stays free of raw newlines."""
    return rng.choice(faults)(rng, value, line)
