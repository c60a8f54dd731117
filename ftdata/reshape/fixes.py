"""The per-example fixes of ``ftdata fix``, one per fixable rule code.

A rule declares that it is fixable (``fix="safe"`` or ``fix="opt-in"`` on its
registration); its repair lives here under the same code. Every fix leaves a
valid example untouched, and changes only what its rule reports. Fixes run in
code order; a pointer in the change log points into the example as the fix
found it (after the fixes before it). LD010 (byte-order mark) is fixed while
reading and DS002 (duplicates) while writing, in ``stream`` and ``fix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ftdata.findings import pointer
from ftdata.reshape.changes import Change
from ftdata.rules.context import (
    CHAT_KEYS,
    INSTRUCTION_KEYS,
    MESSAGE_KEYS,
    RESPONSE_KEYS,
    CheckContext,
    classify,
    is_blank,
)

#: What joins two merged messages (CH009) and a folded system message to its user turn (TK001).
JOIN = "\n\n"


@dataclass(slots=True)
class Draft:
    """An example being fixed: its copy, the changes so far, and why it must be dropped."""

    example: dict
    line: int
    changes: list
    dropped: list  # (code, message)

    def change(self, code: str, fix: str, where: str, before, after) -> None:
        """Log one change."""
        self.changes.append(Change(self.line, code, fix, where, before, after))


@dataclass(frozen=True, slots=True)
class FixContext:
    """What a fix may know besides the example: the profile and the model's template."""

    profile: str = "databricks"
    system_rejected: bool = False  # the model's chat template rejects a system message

    @property
    def allowed_roles(self) -> frozenset[str]:
        """The roles of the profile."""
        return CheckContext(self.profile).allowed_roles


def _messages(draft: Draft) -> list | None:
    value = draft.example.get("messages")
    return value if isinstance(value, list) else None


def extra_message_keys(draft: Draft, ctx: FixContext) -> None:
    """CH005: drop keys besides role and content from a message that has both."""
    for index, message in enumerate(_messages(draft) or ()):
        if isinstance(message, dict) and MESSAGE_KEYS <= message.keys():
            for key in sorted(message.keys() - MESSAGE_KEYS, key=str):
                draft.change(
                    "CH005", "drop-key", pointer("messages", index, key), message.pop(key), None
                )


def role_spelling(draft: Draft, ctx: FixContext) -> None:
    """CH006: a role that differs from an allowed one only by case or padding is respelled."""
    allowed = ctx.allowed_roles
    for index, message in enumerate(_messages(draft) or ()):
        role = message.get("role") if isinstance(message, dict) else None
        if isinstance(role, str) and role not in allowed and role.strip().lower() in allowed:
            message["role"] = role.strip().lower()
            draft.change(
                "CH006", "respell-role", pointer("messages", index, "role"), role, message["role"]
            )


def merge_repeated_roles(draft: Draft, ctx: FixContext) -> None:
    """CH009 (opt-in): consecutive messages of one role with string contents become one."""
    messages = _messages(draft)
    index = 1
    while messages is not None and index < len(messages):
        before, this = messages[index - 1], messages[index]
        if (
            isinstance(before, dict)
            and isinstance(this, dict)
            and isinstance(before.get("role"), str)
            and before.get("role") == this.get("role")
            and isinstance(before.get("content"), str)
            and isinstance(this.get("content"), str)
        ):
            merged = before["content"] + JOIN + this["content"]
            draft.change(
                "CH009",
                "merge-messages",
                pointer("messages", index - 1, "content"),
                before["content"],
                merged,
            )
            draft.change("CH009", "merge-messages", pointer("messages", index), this, None)
            before["content"] = merged
            del messages[index]
            continue
        index += 1


def trailing_user(draft: Draft, ctx: FixContext) -> None:
    """CH011 (opt-in): drop user messages after the last assistant reply."""
    messages = _messages(draft)
    while (
        messages
        and len(messages) > 2
        and isinstance(messages[-1], dict)
        and messages[-1].get("role") == "user"
        and any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages)
    ):
        draft.change(
            "CH011",
            "drop-trailing-user",
            pointer("messages", len(messages) - 1),
            messages.pop(),
            None,
        )


def empty_final_reply(draft: Draft, ctx: FixContext) -> None:
    """CH012 (opt-in): an example whose final assistant reply is empty is dropped."""
    messages = _messages(draft)
    last = messages[-1] if messages else None
    if isinstance(last, dict) and last.get("role") == "assistant" and is_blank(last.get("content")):
        draft.dropped.append(("CH012", "the final assistant reply is empty"))


def empty_messages(draft: Draft, ctx: FixContext) -> None:
    """CH013 (opt-in): an empty first system message is removed; other empty messages drop the
    example."""
    messages = _messages(draft) or []
    first = messages[0] if messages else None
    if (
        isinstance(first, dict)
        and first.get("role") == "system"
        and is_blank(first.get("content"))
        and len(messages) > 2
    ):
        draft.change("CH013", "drop-empty-system", "/messages/0", messages.pop(0), None)
    if any(isinstance(m, dict) and is_blank(m.get("content")) for m in messages[:-1]):
        draft.dropped.append(("CH013", "a message is empty"))


def empty_fields(draft: Draft, ctx: FixContext) -> None:
    """PR004 (opt-in): an example with an empty prompt or response is dropped."""
    for key in ("prompt", *sorted(RESPONSE_KEYS)):
        if draft.example.get(key) == "":
            draft.dropped.append(("PR004", f"{key} is empty"))


def blank_fields(draft: Draft, ctx: FixContext) -> None:
    """PR005 (opt-in): an example whose prompt or response is only white space is dropped."""
    for key in ("prompt", *sorted(RESPONSE_KEYS)):
        value = draft.example.get(key)
        if value != "" and is_blank(value):
            draft.dropped.append(("PR005", f"{key} holds only white space"))


def extra_keys(draft: Draft, ctx: FixContext) -> None:
    """SC003: drop top-level keys outside the task's, once the task's own keys are present."""
    example, task = draft.example, classify(draft.example)
    if task == "chat":
        keep = CHAT_KEYS
    elif task == "instruction" and "prompt" in example and not RESPONSE_KEYS.isdisjoint(example):
        keep = INSTRUCTION_KEYS
    else:
        return
    for key in [k for k in example if k not in keep]:
        draft.change("SC003", "drop-key", pointer(key), example.pop(key), None)


def fold_system(draft: Draft, ctx: FixContext) -> None:
    """TK001 (opt-in): for a template that rejects system messages, fold it into the first user
    turn."""
    messages = _messages(draft)
    if not ctx.system_rejected or not messages or len(messages) < 3:
        return
    system, user = messages[0], messages[1]
    if (
        isinstance(system, dict)
        and isinstance(user, dict)
        and system.get("role") == "system"
        and user.get("role") == "user"
        and isinstance(system.get("content"), str)
        and isinstance(user.get("content"), str)
    ):
        folded = system["content"] + JOIN + user["content"]
        draft.change("TK001", "fold-system", "/messages/1/content", user["content"], folded)
        draft.change("TK001", "fold-system", "/messages/0", system, None)
        user["content"] = folded
        del messages[0]


Fixer = Callable[[Draft, FixContext], None]
#: The per-example fixes by rule code, applied in this order.
FIXERS: dict[str, Fixer] = {
    "CH005": extra_message_keys,
    "CH006": role_spelling,
    "CH009": merge_repeated_roles,
    "CH011": trailing_user,
    "CH012": empty_final_reply,
    "CH013": empty_messages,
    "PR004": empty_fields,
    "PR005": blank_fields,
    "SC003": extra_keys,
    "TK001": fold_system,
}
#: Fixes applied outside the per-example fixers (reading and writing).
STREAM_FIXES = ("DS002", "LD010")


def copy_example(example: dict) -> dict:
    """A copy deep enough for the fixes: the example, its messages list and each message."""
    copied = dict(example)
    messages = copied.get("messages")
    if isinstance(messages, list):
        copied["messages"] = [dict(m) if isinstance(m, dict) else m for m in messages]
    return copied


def apply(example: dict, line: int, codes: tuple[str, ...], ctx: FixContext) -> Draft:
    """Apply the fixes of ``codes`` (in :data:`FIXERS` order) to a copy of ``example``."""
    draft = Draft(copy_example(example), line, [], [])
    for code, fixer in FIXERS.items():
        if code in codes:
            fixer(draft, ctx)
    return draft
