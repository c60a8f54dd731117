"""CH: the shape of chat-completion examples (``{"messages": [{role, content}, ...]}``).

CH001-CH007 check messages one by one; the order of the conversation and empty
contents (CH008-CH014) are in ``chat_order``.

Each check tolerates malformed structure silently when another rule owns that
problem (a non-list ``messages`` is CH001's, not every rule's), so one root
cause is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator

from ftdata.findings import pointer, quote, sorted_keys
from ftdata.rules.context import MESSAGE_KEYS, CheckContext
from ftdata.rules.registry import Violation, rule

CHAT = ("chat",)


def messages_of(example: dict) -> list | None:
    """``messages`` when it is a list, else None (CH001 owns the problem)."""
    value = example.get("messages")
    return value if isinstance(value, list) else None


def roles_of(example: dict) -> list[tuple[int, str]]:
    """(index, role) of every message that is an object with a string role."""
    found = []
    for index, message in enumerate(messages_of(example) or ()):
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
        yield "/messages", f"messages is {type_name(value)}, not an array"


@rule(
    "CH002",
    "too-few-messages",
    severity="error",
    tasks=CHAT,
    structural=True,
    hint="Give each example at least one user message followed by an assistant reply.",
)
def too_fewmessages_of(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """A conversation needs at least two messages.

    Bad:  ``{"messages": [{"role": "assistant", "content": "Hello"}]}``
    Good: ``{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}``

    The training engine rejects chats with fewer than two messages.
    """
    messages = messages_of(example)
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
    for index, message in enumerate(messages_of(example) or ()):
        if not isinstance(message, dict):
            yield pointer("messages", index), f"message is {type_name(message)}, not an object"


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
    for index, message in enumerate(messages_of(example) or ()):
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
    for index, message in enumerate(messages_of(example) or ()):
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
    for index, message in enumerate(messages_of(example) or ()):
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
            yield where, f"role {show(role)} is not one of {', '.join(sorted(allowed))}"


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
    for index, message in enumerate(messages_of(example) or ()):
        if not isinstance(message, dict) or "content" not in message:
            continue
        content = message["content"]
        if isinstance(content, str) or (lists_ok and isinstance(content, list)):
            continue
        yield pointer("messages", index, "content"), f"content is {type_name(content)}"


def type_name(value: object) -> str:
    """The JSON name of a Python value's type, for messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return names.get(type(value), type(value).__name__)


def show(value: object) -> str:
    """A string quoted (cut when long), anything else by its JSON type, for messages."""
    return quote(value) if isinstance(value, str) else type_name(value)
