"""The input formats ``ftdata convert`` reads, each rewritten into the service's shape.

* ``sharegpt``: ``{"conversations": [{"from": ..., "value": ...}]}``; speakers map
  to roles by :data:`SHAREGPT_ROLES` (case and padding ignored; ``--role``
  adds or overrides entries); an unknown speaker refuses the example (CH006).
* ``alpaca``: ``{"instruction", "input", "output"}``; the prompt is
  :data:`ALPACA_TEMPLATE` filled with both (:data:`ALPACA_TEMPLATE_NO_INPUT`
  when ``input`` is empty); ``output`` becomes ``response``.
* ``openai``: chat fine-tuning lines; see :func:`openai` for the drop-or-refuse policy.
* ``columns``: any JSONL whose keys ``--map`` renames; keys of no task are dropped.

Every format applies ``--map OLD=NEW`` key renames first, and every key the
service does not accept is dropped with a logged change (SC003 top level,
CH005 in a message).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ftdata.errors import UsageError
from ftdata.findings import pointer, quote
from ftdata.reshape.changes import Change
from ftdata.reshape.stream import Rewrite, Rewritten
from ftdata.rules.context import CHAT_KEYS, INSTRUCTION_KEYS, MESSAGE_KEYS, classify

FORMATS = ("sharegpt", "alpaca", "openai", "columns")

#: ShareGPT speakers and the roles they become (matched after strip() and lower()).
SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "system": "system",
}
#: The Alpaca prompt when ``input`` holds text, and when it is empty or absent.
ALPACA_TEMPLATE = "{instruction}\n\n{input}"
ALPACA_TEMPLATE_NO_INPUT = "{instruction}"
_PLACEHOLDER = re.compile(r"\{(instruction|input)\}")
#: OpenAI per-message keys that are dropped when they carry no training meaning here.
OPENAI_DROPPED = ("name", "weight")


def rewrite_for(
    fmt: str,
    *,
    renames: Mapping[str, str] | None = None,
    roles: Mapping[str, str] | None = None,
    template: str | None = None,
    template_no_input: str | None = None,
) -> Rewrite:
    """The rewrite of one example of format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    renames = dict(renames or {})
    if fmt == "sharegpt":
        table = {**SHAREGPT_ROLES, **{k.strip().lower(): v for k, v in (roles or {}).items()}}
        body = lambda ex, n: sharegpt(ex, n, table)  # noqa: E731
    elif fmt == "alpaca":
        templates = (
            _template(template, ALPACA_TEMPLATE),
            _template(template_no_input, ALPACA_TEMPLATE_NO_INPUT),
        )
        body = lambda ex, n: alpaca(ex, n, *templates)  # noqa: E731
    elif fmt == "openai":
        body = openai
    else:
        body = columns

    def rewrite(example: dict, number: int) -> Rewritten:
        renamed, changes = rename_keys(example, number, renames)
        done = body(renamed, number)
        done.changes[:0] = changes
        return done

    return rewrite


def _template(text: str | None, default: str) -> str:
    if text is None:
        return default
    if "{instruction}" not in text:
        raise UsageError(f"the prompt template {quote(text)} has no {{instruction}} placeholder")
    return text


def rename_keys(example: dict, number: int, renames: Mapping[str, str]) -> tuple[dict, list]:
    """``example`` with its keys renamed OLD -> NEW, keeping their order; one change each."""
    if not renames or renames.keys().isdisjoint(example):
        return example, []
    changes: list[Change] = []
    renamed: dict[str, Any] = {}
    for key, value in example.items():
        new = renames.get(key, key)
        if new != key:
            changes.append(Change(number, None, "rename-key", pointer(key), key, new))
        if new in renamed:  # two keys renamed onto one name: the later wins, logged
            changes.append(Change(number, "SC003", "drop-key", pointer(new), renamed[new], None))
        renamed[new] = value
    return renamed, changes


def drop_extra(example: dict, number: int, keep: frozenset, changes: list) -> dict:
    """``example`` without the keys outside ``keep``; each drop is logged as SC003."""
    kept = {}
    for key, value in example.items():
        if key in keep:
            kept[key] = value
        else:
            changes.append(Change(number, "SC003", "drop-key", pointer(key), value, None))
    return kept


def columns(example: dict, number: int) -> Rewritten:
    """A mapped example: the keys of its task kept, the others dropped."""
    task = classify(example)
    if task is None:
        return Rewritten(example)  # SC001 for the checker to report
    changes: list = []
    keep = CHAT_KEYS if task == "chat" else INSTRUCTION_KEYS
    return Rewritten(drop_extra(example, number, keep, changes), changes)


def sharegpt(example: dict, number: int, roles: Mapping[str, str]) -> Rewritten:
    """``{"conversations": [{"from", "value"}]}`` -> ``{"messages": [{"role", "content"}]}``."""
    turns = example.get("conversations")
    if not isinstance(turns, list):
        return Rewritten(None, refused=[("SC001", "no 'conversations' array")])
    changes: list = []
    messages, refused = [], []
    for index, turn in enumerate(turns):
        where = pointer("conversations", index)
        if not isinstance(turn, dict):
            refused.append(("CH003", f"{where} is not an object"))
            continue
        speaker = turn.get("from")
        role = roles.get(speaker.strip().lower()) if isinstance(speaker, str) else None
        if role is None:
            refused.append(("CH006", f"speaker {quote(speaker)} has no role (use --role)"))
            continue
        if "value" not in turn:
            refused.append(("CH004", f"{where} has no 'value'"))
            continue
        for key in sorted(turn.keys() - {"from", "value"}, key=str):
            changes.append(
                Change(
                    number,
                    "CH005",
                    "drop-key",
                    pointer("conversations", index, key),
                    turn[key],
                    None,
                )
            )
        messages.append({"role": role, "content": turn["value"]})
    if refused:
        return Rewritten(None, refused=refused)
    rest = {k: v for k, v in example.items() if k != "conversations"}
    drop_extra(rest, number, frozenset(), changes)
    changes.append(Change(number, None, "sharegpt-to-messages", "/conversations", turns, messages))
    return Rewritten({"messages": messages}, sorted(changes, key=_order))


def alpaca(example: dict, number: int, template: str, template_no_input: str) -> Rewritten:
    """``{"instruction", "input", "output"}`` -> ``{"prompt", "response"}`` by the template."""
    instruction, extra = example.get("instruction"), example.get("input")
    if not isinstance(instruction, str):
        return Rewritten(
            None,
            refused=[
                (
                    "PR002" if instruction is None else "PR003",
                    "'instruction' is missing or not a string",
                )
            ],
        )
    if extra is not None and not isinstance(extra, str):
        return Rewritten(None, refused=[("PR003", "'input' is not a string")])
    values = {"instruction": instruction, "input": extra or ""}
    chosen = template if values["input"].strip() else template_no_input
    prompt = _PLACEHOLDER.sub(lambda m: values[m.group(1)], chosen)
    changes = [
        Change(
            number,
            None,
            "alpaca-prompt",
            "/instruction",
            {"instruction": instruction, "input": extra},
            prompt,
        )
    ]
    converted = {"prompt": prompt}
    if "output" in example:
        converted["response"] = example["output"]
        changes.append(Change(number, None, "rename-key", "/output", "output", "response"))
    rest = {k: v for k, v in example.items() if k not in ("instruction", "input", "output")}
    drop_extra(rest, number, frozenset(), changes)
    return Rewritten(converted, changes)


def openai(example: dict, number: int) -> Rewritten:
    """An OpenAI chat fine-tuning line -> the service's chat line.

    Policy: ``name`` is dropped; ``weight`` is dropped (the service trains on
    the final assistant reply), except ``weight: 0`` on the final message,
    which is refused because the service would train on a reply OpenAI would
    not; ``developer`` becomes ``system``; a message with ``tool_calls`` or
    ``function_call``, or from the ``tool``/``function`` role, refuses the
    example (the service has no tool turns; empty ones are dropped); other
    message keys and top-level keys (``tools``, ``functions``,
    ``parallel_tool_calls``, ``id``, ...) are dropped. Each drop is logged.
    """
    messages = example.get("messages")
    if not isinstance(messages, list):
        return Rewritten(example)  # CH001 for the checker to report
    changes: list = []
    refused: list = []
    converted = [
        _openai_message(m, i, i == len(messages) - 1, number, changes, refused)
        for i, m in enumerate(messages)
    ]
    if refused:
        return Rewritten(None, refused=refused)
    rest = {k: v for k, v in example.items() if k != "messages"}
    drop_extra(rest, number, frozenset(), changes)
    return Rewritten({"messages": converted}, changes)


def _openai_message(message, index: int, last: bool, number: int, changes: list, refused: list):
    if not isinstance(message, dict):
        return message  # CH003 for the checker to report
    message = dict(message)
    if message.get("role") == "developer":
        message["role"] = "system"
        changes.append(
            Change(
                number,
                "CH006",
                "developer-to-system",
                pointer("messages", index, "role"),
                "developer",
                "system",
            )
        )
    if message.get("role") in ("tool", "function"):
        refused.append(("CH006", f"a {message['role']!r} message: tool turns are not trained"))
    for key in ("tool_calls", "function_call"):
        if message.get(key):
            refused.append(("CH005", f"message {index} has {key}: tool calls are not trained"))
    if last and message.get("weight") == 0:
        refused.append(("CH005", "weight 0 on the final message: the service would train on it"))
    for key in sorted(message.keys() - MESSAGE_KEYS, key=str):
        changes.append(
            Change(
                number, "CH005", "drop-key", pointer("messages", index, key), message.pop(key), None
            )
        )
    return message


def _order(change: Change) -> tuple:
    return (change.pointer, change.fix)
