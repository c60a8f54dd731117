"""CH: the order of a chat conversation and its empty contents (CH008-CH014).

Like the shape rules in ``chat``, each check passes over malformed structure that
another rule owns, so one root cause is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator

from ftdata.findings import pointer, quote
from ftdata.rules.chat import CHAT, messages_of, roles_of
from ftdata.rules.context import CheckContext, is_blank
from ftdata.rules.registry import Violation, rule


@rule(
    "CH008",
    "system-not-first",
    severity="error",
    tasks=CHAT,
    profiles=("databricks",),
    hint="Keep at most one system message, as the first message.",
)
def system_not_first(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """A system message may only be the first message.

    Bad:  ``{"messages": [{"role": "user", ...}, {"role": "system", ...}, {"role": "assistant", ...}]}``
    Good: ``{"messages": [{"role": "system", ...}, {"role": "user", ...}, {"role": "assistant", ...}]}``
    """
    for index, role in roles_of(example):
        if role == "system" and index > 0:
            yield pointer("messages", index, "role"), f"system message at position {index}"


@rule(
    "CH009",
    "repeated-role",
    severity="error",
    tasks=CHAT,
    hint="Merge consecutive messages of the same role into one message.",
    fix="opt-in",
)
def repeated_role(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """Two consecutive messages may not have the same role.

    Bad:  ``{"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"}, ...]}``
    Good: ``{"messages": [{"role": "user", "content": "Hi. Hello?"}, {"role": "assistant", ...}]}``
    """
    previous: tuple[int, str] | None = None
    for index, role in roles_of(example):
        if previous and previous[0] == index - 1 and previous[1] == role:
            shown = quote(role)
            yield pointer("messages", index, "role"), f"{shown} follows another {shown} message"
        previous = (index, role)


@rule(
    "CH010",
    "conversation-starts-with-assistant",
    severity="error",
    tasks=CHAT,
    profiles=("databricks",),
    hint="Start the conversation (after an optional system message) with a user message.",
)
def starts_with_assistant(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """After the optional system message, user and assistant alternate, user first.

    Bad:  ``{"messages": [{"role": "system", ...}, {"role": "assistant", ...}, {"role": "user", ...}, ...]}``
    Good: ``{"messages": [{"role": "system", ...}, {"role": "user", ...}, {"role": "assistant", ...}]}``
    """
    roles = roles_of(example)
    first = next(((i, r) for i, r in roles if r != "system"), None)
    if first and first[1] == "assistant":
        yield (
            pointer("messages", first[0], "role"),
            "the first non-system message is from the assistant",
        )


@rule(
    "CH011",
    "last-not-assistant",
    severity="error",
    tasks=CHAT,
    hint="End each example with the assistant reply to train on; drop trailing user turns.",
    fix="opt-in",
)
def last_not_assistant(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """The last message must come from the assistant.

    Bad:  ``{"messages": [{"role": "user", ...}, {"role": "assistant", ...}, {"role": "user", ...}]}``
    Good: ``{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}``

    Training learns from the final assistant reply; without one there is nothing to learn.
    """
    messages = messages_of(example)
    if not messages or not isinstance(messages[-1], dict):
        return
    role = messages[-1].get("role")
    if isinstance(role, str) and role.strip().lower() != "assistant":
        where = pointer("messages", len(messages) - 1, "role")
        yield where, f"the last message is from {quote(role)}, not 'assistant'"


@rule(
    "CH012",
    "empty-final-response",
    severity="warning",
    tasks=CHAT,
    hint="Write the assistant reply the model should learn, or drop the example.",
    fix="opt-in",
)
def empty_final_response(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """The final assistant message is empty or only white space.

    Bad:  ``{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]}``
    Good: ``{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}``

    Training does not reject it: llm-foundry only requires the content to be a
    string or a list (``_validate_chat_formatted_example``), and the template
    still renders the end-of-turn token, so the example trains on that token
    alone and the model learns to answer with nothing. Hence a warning, in both
    profiles (the service documents no rule against it either).
    """
    messages = messages_of(example)
    if not messages or not isinstance(messages[-1], dict):
        return
    last = messages[-1]
    if last.get("role") == "assistant" and is_blank(last.get("content")):
        yield (
            pointer("messages", len(messages) - 1, "content"),
            "the final assistant reply is empty; training learns only its end-of-turn token",
        )


@rule(
    "CH013",
    "empty-content",
    severity="warning",
    tasks=CHAT,
    hint="Fill in the message or remove it (and keep the roles alternating).",
    fix="opt-in",
)
def empty_content(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """A message other than the final reply is empty or only white space.

    Bad:  ``{"messages": [{"role": "system", "content": ""}, {"role": "user", ...}, ...]}``
    Good: ``{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}``
    """
    messages = messages_of(example) or []
    for index, message in enumerate(messages[:-1]):
        if isinstance(message, dict) and is_blank(message.get("content")):
            yield pointer("messages", index, "content"), "message content is empty"


@rule(
    "CH014",
    "first-message-from-assistant",
    severity="error",
    tasks=CHAT,
    profiles=("llm-foundry",),
    hint="Start the conversation with a user (or system) message before the first assistant reply.",
)
def first_from_assistant(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """The very first message is from the assistant, which training cannot split into turns.

    Bad:  ``{"messages": [{"role": "assistant", ...}, {"role": "user", ...}, {"role": "assistant", ...}]}``
    Good: ``{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}``

    llm-foundry renders the prompt of each assistant turn from the messages
    before it (``_slice_chat_formatted_example``); for a first assistant
    message that is an empty conversation, which the chat template call
    rejects, so the example always fails. (Under ``databricks`` CH010 covers it.)
    """
    messages = messages_of(example)
    if messages and isinstance(messages[0], dict) and messages[0].get("role") == "assistant":
        yield pointer("messages", 0, "role"), "the conversation starts with an assistant message"
