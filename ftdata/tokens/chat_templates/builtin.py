"""The chat templates ftdata ships, one per supported model family.

Each template is ftdata's own Jinja text under ``jinja/``; the tests check
that it renders byte for byte what the model's original template renders
(``tests/tokens/test_template_parity.py``). The special tokens listed here are
the ones the original tokenizer configs pass to their templates.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

from ftdata.errors import UsageError
from ftdata.tokens.chat_templates.jinja_render import ChatTemplate
from ftdata.tokens.encoding import named_tokens
from ftdata.tokens.models import get_model


@dataclass(frozen=True)
class BuiltinTemplate:
    """A shipped chat template: its id, file, default special tokens and what it renders."""

    id: str
    filename: str
    special_tokens: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""

    def source(self) -> str:
        """The Jinja text of this template."""
        ref = resources.files("ftdata.tokens.chat_templates").joinpath("jinja", self.filename)
        return ref.read_text(encoding="utf-8")

    def load(
        self, *, date: _dt.date | None = None, special_tokens: Mapping[str, str] | None = None
    ) -> ChatTemplate:
        """Compile this template; ``special_tokens`` entries override the defaults."""
        tokens = {**self.special_tokens, **(special_tokens or {})}
        return ChatTemplate(self.source(), special_tokens=tokens, date=date)


def _entry(id_: str, filename: str, tokens: Mapping[str, str], summary: str) -> BuiltinTemplate:
    return BuiltinTemplate(id_, filename, MappingProxyType(dict(tokens)), summary)


BUILTIN_TEMPLATES: Mapping[str, BuiltinTemplate] = MappingProxyType(
    {
        t.id: t
        for t in (
            _entry(
                "llama3",
                "llama3.jinja",
                named_tokens.LLAMA3_INSTRUCT,
                "Meta Llama 3 Instruct headers",
            ),
            _entry(
                "llama3.1",
                "llama3_1.jinja",
                named_tokens.LLAMA3_INSTRUCT,
                "Llama 3.1: dated system turn, tools",
            ),
            _entry(
                "llama3.2",
                "llama3_2.jinja",
                named_tokens.LLAMA3_INSTRUCT,
                "Llama 3.2: dated system turn, tools",
            ),
            _entry(
                "llama2-chat",
                "llama2_chat.jinja",
                named_tokens.SENTENCEPIECE,
                "Llama 2 Chat [INST] <<SYS>>",
            ),
            _entry(
                "codellama-instruct",
                "codellama_instruct.jinja",
                named_tokens.SENTENCEPIECE,
                "Code Llama Instruct [INST] <<SYS>>",
            ),
            _entry(
                "mistral-instruct",
                "mistral_instruct.jinja",
                named_tokens.SENTENCEPIECE,
                "Mistral/Mixtral [INST], current Hub version (folds a system message in)",
            ),
            _entry(
                "mistral-instruct-legacy",
                "mistral_instruct_legacy.jinja",
                named_tokens.SENTENCEPIECE,
                "Mistral/Mixtral [INST], first published version (rejects a system message)",
            ),
            _entry(
                "dbrx-instruct",
                "dbrx_instruct.jinja",
                named_tokens.DBRX,
                "DBRX ChatML with default system prompt",
            ),
            _entry("chatml", "chatml.jinja", {}, "plain ChatML (base models without a template)"),
        )
    }
)


def get_builtin(template_id: str) -> BuiltinTemplate:
    """The shipped template ``template_id``; ``UsageError`` names the known ids otherwise."""
    try:
        return BUILTIN_TEMPLATES[template_id]
    except KeyError:
        known = ", ".join(sorted(BUILTIN_TEMPLATES))
        raise UsageError(f"unknown chat template {template_id!r}; built-in ones: {known}") from None


def template_for_model(
    model: str,
    *,
    date: _dt.date | None = None,
    special_tokens: Mapping[str, str] | None = None,
) -> ChatTemplate:
    """The compiled built-in template of a registered model (full or short name)."""
    spec = get_model(model)
    return get_builtin(spec.template).load(date=date, special_tokens=special_tokens)
