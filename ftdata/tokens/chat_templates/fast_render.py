"""Chat turns without Jinja, for the chat templates ftdata knows by heart.

The token stage cuts every chat into prompt/response turns by rendering the
template with and without each assistant message (``split_chat_turns``): one
Jinja render per message, which costs about as much as tokenizing. For the
built-in templates, and for the originals they reproduce (recognised by the
sha256 of their source), this module builds the same turn texts directly in
Python, byte for byte (``tests/tokens/test_fast_render.py`` proves it against
the Jinja path).

Only "canonical" conversations take the fast path: an optional first system
message, then user/assistant messages alternating from the user, string
contents, no other keys with values. Anything else (tools, other roles, a
conversation the template rejects) returns ``None`` and the caller falls back
to Jinja, so errors and messages stay those of the template itself.

Each family describes one conversation as a ``Layout``: the text before the
first turn message (``head``: BOS, the system block), one segment per
user/assistant message, and the generation prompt. Every family here renders
a prefix of the conversation as ``head + segments[:k] (+ generation)``, which
is what makes the turns plain slices of the segments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from ftdata.tokens.chat_templates.fast_families import (
    FAMILIES,
    FAMILY_NEEDS,
    Context,
    Family,
    Layout,
    default_system,
    family_by_sha,
)
from ftdata.tokens.chat_templates.turns import TurnTexts
from ftdata.tokens.encoding.hf_folder import SPECIAL_TOKEN_NAMES

FastTurns = Callable[[Sequence[Mapping[str, Any]]], "list[TurnTexts] | None"]


def canonical(
    messages: Sequence[Mapping[str, Any]],
) -> tuple[str | None, list[tuple[str, str]]] | None:
    """``(system text or None, [(role, content), ...])`` or None outside the fast domain."""
    if not isinstance(messages, (list, tuple)) or not messages:
        return None
    system, start = None, 0
    first = messages[0]
    if isinstance(first, dict) and first.get("role") == "system":
        system = first.get("content")
        if not isinstance(system, str) or not _plain_keys(first):
            return None
        start = 1
    turns: list[tuple[str, str]] = []
    expected = "user"
    for message in messages[start:]:
        if not isinstance(message, dict) or message.get("role") != expected:
            return None
        content = message.get("content")
        if not isinstance(content, str) or not _plain_keys(message):
            return None
        turns.append((expected, str(content)))
        expected = "assistant" if expected == "user" else "user"
    if not turns:
        return None  # a system message alone: templates index messages[0] differently
    return (str(system) if system is not None else None), turns


def _plain_keys(message: Mapping[str, Any]) -> bool:
    """Only role and content carry values (``None`` values are dropped before rendering)."""
    return len(message) == 2 or all(
        v is None for k, v in message.items() if k not in ("role", "content")
    )


def split_layout(layout: Layout, roles: Sequence[str]) -> list[TurnTexts] | None:
    """The turns ``split_chat_turns`` would cut from ``layout``; None if not prefix-consistent."""
    turns: list[TurnTexts] = []
    segments, generation = layout.segments, layout.generation
    pending, start = layout.head, 0
    for index, role in enumerate(roles):
        if role != "assistant":
            continue
        segment = segments[index]
        if not segment.startswith(generation):
            return None  # the Jinja path would report it; let it
        prompt = pending + "".join(segments[start:index]) + generation
        turns.append(TurnTexts(prompt, segment[len(generation) :]))
        pending, start = "", index + 1
    return turns


def fast_turns(family: Family, context: Context, messages: Sequence[Mapping[str, Any]]):
    """The turn texts of ``messages`` through ``family``, or None to use Jinja."""
    shape = canonical(messages)
    if shape is None:
        return None
    system, turns = shape
    layout = family(context, system, turns)
    if layout is None:
        return None
    return split_layout(layout, [role for role, _ in turns])


def fast_turns_for(template: Any) -> FastTurns | None:
    """A fast turn builder for ``template`` (a ``ChatTemplate``), or None if it is not known."""
    name = family_by_sha().get(template.sha256)
    tokens = template.special_tokens
    if name is None or any(key not in SPECIAL_TOKEN_NAMES for key in tokens):
        return None  # extra variables could change what the template renders
    if any(not isinstance(tokens.get(key), str) for key in FAMILY_NEEDS[name]):
        return None  # Jinja would fail (or render nothing) where a token is missing
    context = Context(
        bos=_text(tokens.get("bos_token")),
        eos=_text(tokens.get("eos_token")),
        date=template.date,
        default_system=default_system(template) if name == "dbrx" else None,
    )
    return partial(fast_turns, FAMILIES[name], context)


def _text(token: object) -> str:
    return token if isinstance(token, str) else ""
