"""A deterministic corpus of conversations for template parity tests.

Valid conversations (system or not, 1-8 turns, ending on either role) and
invalid ones (wrong order, unknown roles, empty) over texts chosen to stress
templates: surrounding whitespace (trim), non-ASCII, Jinja and special-token
look-alikes, quotes, CRLF, empty strings.
"""

from __future__ import annotations

import random
from typing import Any

TEXTS = (
    "Hello",
    "What is 2 + 2?",
    "Sure, it is 4.",
    "  leading spaces",
    "trailing spaces   ",
    "\n\nnewlines around\n\n",
    "multi\nline\ntext",
    "tab\tseparated",
    "Ünïcödé café naïve",
    "日本語のテキストです。",
    "中文内容",
    "مرحبا بالعالم",
    "emoji 👩‍💻🚀",
    "combining e\u0301",
    "quotes ' \" and \\ backslash",
    "{{ not_a_variable }} {% if x %}",
    "<|eot_id|> literal",
    "[INST] fake [/INST]",
    "</s> <s>",
    "<|im_start|>x<|im_end|>",
    "",
    " ",
    "a" * 300,
    "code:\n```python\nprint('hi')\n```\n",
    "line\u2028separator",
    "\r\nCRLF\r\n",
    "<<SYS>> inside text",
    "ends with newline\n",
    "Ω≈ç√∫",
    "null",
    "0",
)
SEPARATORS = (" ", "\n", "", "\n\n")


def _text(rng: random.Random) -> str:
    parts = [rng.choice(TEXTS) for _ in range(rng.randint(1, 3))]
    return rng.choice(SEPARATORS).join(parts)


def _valid(rng: random.Random) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if rng.random() < 0.5:
        messages.append({"role": "system", "content": _text(rng)})
    turns = rng.randint(1, 8)
    for i in range(turns):
        role = "user" if i % 2 == 0 else "assistant"
        message: dict[str, Any] = {"role": role, "content": _text(rng)}
        if rng.random() < 0.1:
            message["name"] = None  # None values must be dropped before rendering
        messages.append(message)
    return messages


def _invalid(rng: random.Random) -> list[dict[str, Any]]:
    base = _valid(rng)
    kind = rng.randrange(7)
    if kind == 0:  # assistant first
        return [{"role": "assistant", "content": _text(rng)}, *base]
    if kind == 1:  # two user turns in a row
        return [*base, {"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    if kind == 2:  # system in the middle
        return [{"role": "user", "content": "hi"}, {"role": "system", "content": "late"}, *base]
    if kind == 3:  # an unknown role at an assistant position
        return [
            {"role": "user", "content": "hi"},
            {"role": rng.choice(["tool", "narrator"]), "content": "x"},
        ]
    if kind == 4:  # system only
        return [{"role": "system", "content": _text(rng)}]
    if kind == 5:  # a role that contains "system" (DBRX treats it specially)
        return [{"role": "system2", "content": "s"}, {"role": "user", "content": "u"}]
    return []


def conversations(count: int = 240, seed: int = 20241213) -> list[list[dict[str, Any]]]:
    """``count`` conversations, about 85% valid, always the same for a seed."""
    rng = random.Random(seed)
    return [_valid(rng) if rng.random() < 0.85 else _invalid(rng) for _ in range(count)]


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Météo d'une ville <b>now</b> & later",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "add",
            "description": "x + y",
            "parameters": {"type": "object", "properties": {}},
        },
    },
]


def _call(name: str, arguments: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def tool_conversations(
    count: int = 60, seed: int = 7
) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Conversations with tool calls and results, with the render options to use."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        messages: list[dict[str, Any]] = []
        if rng.random() < 0.5:
            messages.append({"role": "system", "content": _text(rng)})
        messages.append({"role": "user", "content": _text(rng)})
        name = rng.choice(["get_weather", "add", "brave_search", "wolfram_alpha"])
        arguments = rng.choice([{"city": "Zürich"}, {"query": "x", "n": "2"}, '{"city": "Oslo"}'])
        calls = [_call(name, arguments)] * (2 if rng.random() < 0.08 else 1)
        messages.append({"role": "assistant", "content": None, "tool_calls": calls})
        result = rng.choice(["21 °C", {"temp": 21, "unit": "°C"}, [1, 2], "plain"])
        messages.append({"role": rng.choice(["tool", "ipython"]), "content": result})
        if rng.random() < 0.5:
            messages.append({"role": "assistant", "content": _text(rng)})
        options: dict[str, Any] = {"tools": TOOLS if rng.random() < 0.8 else None}
        if rng.random() < 0.3:
            options["tools_in_user_message"] = False
        if rng.random() < 0.3:
            options["builtin_tools"] = ["brave_search", "wolfram_alpha", "code_interpreter"]
        if rng.random() < 0.1:
            options["custom_tools"] = TOOLS[:1]
        if rng.random() < 0.05:
            messages = messages[:1] if messages[0]["role"] == "system" else []
        cases.append((messages, options))
    return cases
