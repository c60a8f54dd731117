"""CH: rules for chat-completion examples (``{"messages": [{role, content}, ...]}``).

Each check tolerates malformed structure silently when another rule owns that
problem (a non-list ``messages`` is CH001's, not every rule's), so one root
cause is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator

from ftdata.findings import pointer, quote, sorted_keys
from ftdata.rules.context import MESSAGE_KEYS, CheckContext, is_blank
from ftdata.rules.registry import Violation, rule

CHAT = ("chat",)


def _messages(example: dict) -> list | None:
    value = example.get("messages")
    return value if isinstance(value, list) else None


def _roles(example: dict) -> list[tuple[int, str]]:
    """(index, role) of every message that is an object with a string role."""
    found = []
    for index, message in enumerate(_messages(example) or ()):
        if isinstance(message, dict):
            role = message.get("role")
            if isinstance(role, str):
                found.append((index, role))
    return found


@rule(
    "CH001",
    "messages-not-list",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint='Make "messages" a JSON array of {"role": ..., "content": ...} objects.',
)
def messages_not_list(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """``messages`` must be an array.

    Bad:  ``{"messages": "user: hi\\nassistant: hello"}``
    Good: ``{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}``

    Training iterates the messages; anything but a list is rejected.
    """
    value = example.get("messages")
    if not isinstance(value, list):
        yield "/messages", f"messages is {_type_name(value)}, not an array"


@rule(
    "CH002",
    "too-few-messages",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint="Give each example at least one user message followed by an assistant reply.",
)
def too_few_messages(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """A conversation needs at least two messages.

    Bad:  ``{"messages": [{"role": "assistant", "content": "Hello"}]}``
    Good: ``{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}``

    The training engine rejects chats with fewer than two messages.
    """
    messages = _messages(example)
    if messages is not None and len(messages) < 2:
        yield "/messages", f"messages has {len(messages)} item(s); at least 2 are needed"


@rule(
    "CH003",
    "message-not-object",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint='Write each message as an object: {"role": "user", "content": "..."}.',
)
def message_not_object(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """Every message must be a JSON object.

    Bad:  ``{"messages": ["hi", "hello"]}``
    Good: ``{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}``
    """
    for index, message in enumerate(_messages(example) or ()):
        if not isinstance(message, dict):
            yield pointer("messages", index), f"message is {_type_name(message)}, not an object"


@rule(
    "CH004",
    "message-missing-key",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint='Every message needs both "role" and "content".',
)
def message_missing_key(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """A message must have both ``role`` and ``content``.

    Bad:  ``{"messages": [{"role": "user"}, {"role": "assistant", "content": "Hi"}]}``
    Good: ``{"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi"}]}``
    """
    for index, message in enumerate(_messages(example) or ()):
        if isinstance(message, dict):
            for key in ("role", "content"):
                if key not in message:
                    yield pointer("messages", index), f"message has no {key!r}"


@rule(
    "CH005",
    "message-extra-key",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint='Keep only "role" and "content" in each message; move other fields out of the data.',
    fix="safe",
)
def message_extra_key(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """A message may hold only ``role`` and ``content``.

    Bad:  ``{"messages": [{"role": "user", "content": "Hi", "name": "ann"}, ...]}``
    Good: ``{"messages": [{"role": "user", "content": "Hi"}, ...]}``

    The training engine requires exactly these two keys per message, so
    ``name``, ``weight`` or ``tool_calls`` make the example fail.
    """
    for index, message in enumerate(_messages(example) or ()):
        if isinstance(message, dict):
            for key in sorted_keys(message.keys() - MESSAGE_KEYS):
                yield pointer("messages", index, key), f"message has unexpected key {quote(key)}"


@rule(
    "CH006",
    "invalid-role",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint="Use one of the roles system, user, assistant, in lower case.",
    fix="safe",
)
def invalid_role(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """``role`` must be one of the allowed roles, spelled exactly.

    Bad:  ``{"messages": [{"role": "User", "content": "Hi"}, {"role": "bot", "content": "Hello"}]}``
    Good: ``{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}``

    Allowed: system, user, assistant (and tool under the ``llm-foundry`` profile).
    """
    allowed = ctx.allowed_roles
    for index, message in enumerate(_messages(example) or ()):
        if not isinstance(message, dict) or "role" not in message:
            continue
        role = message["role"]
        # A list or an object as role is unhashable: test the type before the set.
        if isinstance(role, str) and role in allowed:
            continue
        where = pointer("messages", index, "role")
        if isinstance(role, str) and role.strip().lower() in allowed:
            yield where, f"role {quote(role)} must be written {role.strip().lower()!r}"
        else:
            yield where, f"role {_show(role)} is not one of {', '.join(sorted(allowed))}"


@rule(
    "CH007",
    "content-not-string",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint="Make content a string; put the text of a message in one JSON string.",
)
def content_not_string(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """``content`` must be a string (a list of parts only under ``llm-foundry``).

    Bad:  ``{"messages": [{"role": "user", "content": null}, ...]}``
    Good: ``{"messages": [{"role": "user", "content": "What is 2+2?"}, ...]}``
    """
    lists_ok = ctx.list_content_allowed
    for index, message in enumerate(_messages(example) or ()):
        if not isinstance(message, dict) or "content" not in message:
            continue
        content = message["content"]
        if isinstance(content, str) or (lists_ok and isinstance(content, list)):
            continue
        yield pointer("messages", index, "content"), f"content is {_type_name(content)}"


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
    for index, role in _roles(example):
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
    for index, role in _roles(example):
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
    roles = _roles(example)
    first = next(((i, r) for i, r in roles if r != "system"), None)
    if first and first[1] == "assistant":
        yield pointer("messages", first[0], "role"), "the first non-system message is from the assistant"


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
    messages = _messages(example)
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
    messages = _messages(example)
    if not messages or not isinstance(messages[-1], dict):
        return
    last = messages[-1]
    if last.get("role") == "assistant" and is_blank(last.get("content")):
        yield (pointer("messages", len(messages) - 1, "content"),
               "the final assistant reply is empty; training learns only its end-of-turn token")


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
    messages = _messages(example) or []
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
    messages = _messages(example)
    if messages and isinstance(messages[0], dict) and messages[0].get("role") == "assistant":
        yield pointer("messages", 0, "role"), "the conversation starts with an assistant message"


def _type_name(value: object) -> str:
    """The JSON name of a Python value's type, for messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _show(value: object) -> str:
    """A string quoted (cut when long), anything else by its JSON type, for messages."""
    return quote(value) if isinstance(value, str) else _type_name(value)
