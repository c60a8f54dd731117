"""PR: rules for instruction examples (``{"prompt": ..., "response"|"completion": ...}``)."""

from __future__ import annotations

from collections.abc import Iterator

from ftdata.findings import pointer
from ftdata.rules.chat import type_name
from ftdata.rules.context import RESPONSE_KEYS, CheckContext, is_blank
from ftdata.rules.registry import Violation, rule

INSTRUCTION = ("instruction",)
FIELDS = ("prompt", "response", "completion")


@rule(
    "PR001",
    "response-and-completion",
    severity="error",
    tasks=INSTRUCTION,
    structural=True,
    hint='Keep one of "response" or "completion" (they mean the same) and drop the other.',
)
def response_and_completion(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """An example has either ``response`` or ``completion``, never both.

    Bad:  ``{"prompt": "2+2?", "response": "4", "completion": "4"}``
    Good: ``{"prompt": "2+2?", "response": "4"}``
    """
    if RESPONSE_KEYS.issubset(example):
        yield "/completion", 'both "response" and "completion" are present'


@rule(
    "PR002",
    "missing-field",
    severity="error",
    tasks=INSTRUCTION,
    structural=True,
    hint='Give every example a "prompt" and a "response" (or "completion").',
)
def missing_field(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """An example needs ``prompt`` and one of ``response``/``completion``.

    Bad:  ``{"prompt": "Translate 'chat' to English."}``
    Good: ``{"prompt": "Translate 'chat' to English.", "response": "cat"}``
    """
    if "prompt" not in example:
        yield "", 'the example has no "prompt"'
    if RESPONSE_KEYS.isdisjoint(example):
        yield "", 'the example has no "response" or "completion"'


@rule(
    "PR003",
    "field-not-string",
    severity="error",
    tasks=INSTRUCTION,
    structural=True,
    hint="Make prompt and response plain JSON strings.",
)
def field_not_string(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """``prompt`` and ``response``/``completion`` must be strings.

    Bad:  ``{"prompt": ["2+2?"], "response": 4}``
    Good: ``{"prompt": "2+2?", "response": "4"}``
    """
    for key in FIELDS:
        if key in example and not isinstance(example[key], str):
            yield pointer(key), f"{key} is {type_name(example[key])}, not a string"


@rule(
    "PR004",
    "empty-field",
    severity="warning",
    tasks=INSTRUCTION,
    drops="empty_turn",
    hint="Fill in the prompt and the response, or drop the example.",
    fix="opt-in",
)
def empty_field(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """``prompt`` or ``response`` is an empty string: training drops the example.

    Bad:  ``{"prompt": "2+2?", "response": ""}``
    Good: ``{"prompt": "2+2?", "response": "4"}``

    llm-foundry does not reject it: ``is_valid_ift_example`` silently leaves out
    an example whose prompt or response tokenizes to no ids. An empty response
    always does (the tokenizer's BOS is stripped from it); an empty prompt does
    only for a tokenizer that adds no BOS, otherwise the prompt is ``[BOS]`` and
    the example trains. So this finding is reported from the text only when no
    tokenizer is given; with one, TK007 reports the drop from the real ids.
    """
    if ctx.tokenized:
        return
    for key in FIELDS:
        if example.get(key) == "":
            note = " unless the tokenizer adds a BOS token" if key == "prompt" else ""
            yield pointer(key), f"{key} is empty: training drops the example{note}"


@rule(
    "PR005",
    "whitespace-field",
    severity="warning",
    tasks=INSTRUCTION,
    hint="Replace white-space-only values with real text, or drop the example.",
    fix="opt-in",
)
def whitespace_field(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """``prompt`` or ``response`` holds only white space.

    Bad:  ``{"prompt": "2+2?", "response": "\\n  "}``
    Good: ``{"prompt": "2+2?", "response": "4"}``
    """
    for key in FIELDS:
        value = example.get(key)
        if value != "" and is_blank(value):
            yield pointer(key), f"{key} holds only white space"
