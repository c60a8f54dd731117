"""Which chat template counts the chats, and its name for every report.

In order: ``--chat-template`` (a built-in template's id, or a path to a Jinja
file, a ``tokenizer_config.json`` or a model folder), then the tokenizer's own
template (a model folder or ``tokenizer.json`` that carries one), then the
model's built-in template, then plain ChatML (what llm-foundry falls back to
when a tokenizer has none).

The name says where the template came from, so a report that counts
Mistral-7B-Instruct-v0.2 says whether it used ``mistral-instruct-legacy`` (the
first published template, which rejects a system message; the default, as the
Databricks documentation describes) or ``mistral-instruct`` (the one the Hub
serves today, which folds a first system message into the first user turn).
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from ftdata.errors import TokenizerError, UsageError
from ftdata.tokens.chat_templates.builtin import BUILTIN_TEMPLATES, get_builtin
from ftdata.tokens.chat_templates.jinja_render import ChatTemplate
from ftdata.tokens.encoding.hf_folder import read_template


def choose_template(
    override: str | None, tokenizer, model, date: _dt.date | None
) -> tuple[ChatTemplate, str]:
    """``(compiled template, its name)`` for a loaded tokenizer and an optional ``ModelSpec``."""
    tokens = dict(tokenizer.special_tokens)
    if override:
        return _override(override, tokens, date)
    # An empty template is the tokenizer's template all the same (transformers renders it
    # as it is): it becomes a finding on every chat, never a silent default.
    if tokenizer.chat_template is not None:
        template = ChatTemplate(tokenizer.chat_template, special_tokens=tokens, date=date)
        return template, f"the tokenizer's own ({tokenizer.source})"
    template_id = model.template if model is not None else "chatml"
    return get_builtin(template_id).load(date=date, special_tokens=tokens or None), template_id


def _override(
    value: str, tokens: dict[str, str], date: _dt.date | None
) -> tuple[ChatTemplate, str]:
    """``--chat-template NAME|PATH``: a usage error when it names nothing usable."""
    if value in BUILTIN_TEMPLATES:
        return get_builtin(value).load(date=date, special_tokens=tokens or None), value
    path = Path(value)
    if not path.exists():
        known = ", ".join(sorted(BUILTIN_TEMPLATES))
        raise UsageError(
            f"--chat-template {value!r} is neither a built-in template ({known}) "
            "nor an existing file or folder"
        )
    try:
        source, own_tokens = _read(path)
        # The tokenizer's special tokens win: they are what the ids are made of.
        return ChatTemplate(source, special_tokens={**own_tokens, **tokens}, date=date), str(path)
    except TokenizerError as exc:
        raise UsageError(f"--chat-template {value}: {exc}") from None


def _read(path: Path) -> tuple[str, dict[str, str]]:
    """The template text (and special tokens) of a model folder, a JSON config or a Jinja file."""
    if path.is_dir():
        return read_template(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenizerError(f"cannot read it: {exc}") from None
    if path.suffix.lower() != ".json":
        return text, {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TokenizerError(f"not valid JSON: {exc}") from None
    found = config.get("chat_template") if isinstance(config, dict) else None
    if not isinstance(found, str):
        raise TokenizerError(
            'no "chat_template" string in it (a named-template list: pass the model folder)'
        )
    return found, {}
