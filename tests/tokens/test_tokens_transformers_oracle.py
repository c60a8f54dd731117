"""Compare with transformers' own renderer (the oracle).

``transformers==5.24.0`` is a test dependency (no torch needed; the ``test``
extra installs it), never a runtime one. This checks that ftdata's renderer and
built-in templates give exactly the text transformers gives.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from tok_corpus import conversations, tool_conversations

from ftdata.tokens.chat_templates.builtin import BUILTIN_TEMPLATES, get_builtin
from ftdata.tokens.chat_templates.jinja_render import TemplateRenderError, date_string

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ctu = pytest.importorskip("transformers.utils.chat_template_utils")

PINNED = dt.date(2024, 12, 13)


def _transformers(source: str, messages: list, gen: bool, tokens: dict, options: dict) -> tuple:
    kwargs = {**tokens, **{k: v for k, v in options.items() if k != "tools"}}
    kwargs["date_string"] = date_string(PINNED)  # what ftdata passes when the date is pinned
    messages = [{k: v for k, v in m.items() if v is not None} for m in messages]
    try:
        out, _ = ctu.render_jinja_template(
            conversations=[messages],
            tools=options.get("tools"),
            chat_template=source,
            add_generation_prompt=gen,
            **kwargs,
        )
    except Exception:  # noqa: BLE001 - only "it failed" is compared
        return ("error",)
    return ("text", out[0])


def _ftdata(template, messages: list, gen: bool, options: dict) -> tuple:
    try:
        return ("text", template.render(messages, add_generation_prompt=gen, **options))
    except TemplateRenderError:
        return ("error",)


@pytest.mark.parametrize("template_id", sorted(BUILTIN_TEMPLATES))
def test_builtin_templates_render_like_transformers(template_id: str) -> None:
    spec = get_builtin(template_id)
    template = spec.load(date=PINNED)
    cases = [(c, {}) for c in conversations(count=80)]
    if template_id in ("llama3.1", "llama3.2"):
        cases += tool_conversations(count=30)
    for messages, options in cases:
        for gen in (False, True):
            ours = _ftdata(template, messages, gen, options)
            theirs = _transformers(spec.source(), messages, gen, dict(spec.special_tokens), options)
            assert ours == theirs, (messages, options, gen)
