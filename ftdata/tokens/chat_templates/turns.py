"""A conversation cut into prompt/response turns, as llm-foundry cuts it.

Each assistant message is one turn: its prompt is what the template renders
for the conversation before it (with the generation prompt), its response is
what the message adds. The cut is by prefix, so a template that rewrites
history cannot be cut (``NotPrefixConsistent``). The Jinja path renders the
template (``split_chat_turns``); ``fast_render`` builds the same texts directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ftdata.tokens.chat_templates.errors import TemplateRenderError

Render = Callable[[Sequence[Mapping[str, Any]], bool], str]


class NotPrefixConsistent(ValueError):
    """The chat template rewrites history, so turns cannot be cut by prefix.

    llm-foundry raises ``InvalidConversationError`` for the same cases. ``turn``
    is the index of the assistant message; ``check`` names the failed check.
    """

    def __init__(self, turn: int, check: str) -> None:
        super().__init__(f"assistant message {turn}: {check}")
        self.turn = turn
        self.check = check


@dataclass(frozen=True)
class TurnTexts:
    """The rendered prompt and response text of one turn."""

    prompt: str
    response: str


ASSISTANT_FIRST = (
    "the first message is from the assistant, so its prompt is an empty "
    "conversation, which apply_chat_template refuses"
)


def unsplittable(messages: Sequence[Mapping[str, Any]]) -> str | None:
    """Why training cannot cut this conversation into prompt/response turns, or None.

    An assistant message first: its prompt would be an empty conversation, which
    transformers' ``apply_chat_template`` refuses before any template runs (so
    llm-foundry fails on it whatever the template). No assistant message at all:
    there is no turn to train on (llm-foundry refuses a chat that does not end with
    the assistant; reached when the structural rules are not selected).
    """
    if messages and messages[0].get("role") == "assistant":
        return ASSISTANT_FIRST
    if not any(m.get("role") == "assistant" for m in messages):
        return "the conversation has no assistant message, so it has no turn to train on"
    return None


def split_chat_turns(messages: Sequence[Mapping[str, Any]], render: Render) -> list[TurnTexts]:
    """Cut a rendered conversation into one prompt/response pair per assistant message.

    For assistant message i: (a) = ``render(messages[:i+1], False)`` and
    (b) = ``render(messages[:i], True)``. The prompt is (b) minus the text earlier
    turns emitted; the response is (a) minus (b). Messages after the last
    assistant message are not part of any turn. Raises ``NotPrefixConsistent``, and
    ``TemplateRenderError`` for an assistant message first (``ASSISTANT_FIRST``); a
    conversation without an assistant message has no turn.
    """
    if messages and messages[0].get("role") == "assistant":
        raise TemplateRenderError(ASSISTANT_FIRST, raised_by_template=False)
    full = render(messages, False)
    turns: list[TurnTexts] = []
    emitted = ""
    for i, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        with_prompt = render(messages[:i], True)
        with_response = render(messages[: i + 1], False)
        if not full.startswith(emitted):
            raise NotPrefixConsistent(i, "the full rendering does not start with earlier turns")
        if not with_prompt.startswith(emitted):
            raise NotPrefixConsistent(i, "the prompt rendering does not start with earlier turns")
        if not with_response.startswith(with_prompt):
            raise NotPrefixConsistent(
                i, "the rendering with the response does not extend the prompt"
            )
        turns.append(TurnTexts(with_prompt[len(emitted) :], with_response[len(with_prompt) :]))
        emitted = with_response
    return turns
