"""Byte-for-byte parity of ftdata's built-in templates with the originals.

Both the original template and ftdata's own are rendered by the same
transformers-compatible renderer over the same corpus, with generation prompt
on and off; the outcome (text, or the error message) must be identical.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tok_corpus import conversations, tool_conversations
from tok_originals import original

from ftdata.tokens.chat_templates.builtin import BUILTIN_TEMPLATES, get_builtin
from ftdata.tokens.chat_templates.jinja_render import ChatTemplate, TemplateRenderError

PINNED = dt.date(2024, 12, 13)
CORPUS = conversations()


def _outcome(template: ChatTemplate, messages: list[dict[str, Any]], **options: Any) -> tuple:
    try:
        return ("text", template.render(messages, **options))
    except TemplateRenderError as exc:
        return ("error", exc.raised_by_template, exc.message)


def _pair(template_id: str, date: dt.date | None = PINNED) -> tuple[ChatTemplate, ChatTemplate]:
    spec = get_builtin(template_id)
    ours = spec.load(date=date)
    theirs = ChatTemplate(
        original(template_id), special_tokens=dict(spec.special_tokens), date=date
    )
    return ours, theirs


def _mismatches(ours: ChatTemplate, theirs: ChatTemplate, cases: list[tuple[list, dict]]) -> list:
    bad = []
    for messages, options in cases:
        for gen in (False, True):
            a = _outcome(ours, messages, add_generation_prompt=gen, **options)
            b = _outcome(theirs, messages, add_generation_prompt=gen, **options)
            if a != b:
                bad.append((messages, options, gen, a, b))
    return bad


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 200
    assert sum(1 for c in CORPUS if c and c[0]["role"] == "system") >= 50
    assert sum(1 for c in CORPUS if len(c) >= 5) >= 50
    assert any(any(ord(ch) > 127 for m in c for ch in m["content"]) for c in CORPUS)


@pytest.mark.parametrize("template_id", sorted(BUILTIN_TEMPLATES))
def test_builtin_matches_original_on_corpus(template_id: str) -> None:
    ours, theirs = _pair(template_id)
    assert ours.source != theirs.source  # our own text, not a copy
    bad = _mismatches(ours, theirs, [(c, {}) for c in CORPUS])
    assert not bad, f"{len(bad)} differences, first: {bad[0]}"


@pytest.mark.parametrize("template_id", sorted(BUILTIN_TEMPLATES))
def test_corpus_renders_mostly_text(template_id: str) -> None:
    # Guards the parity test against passing only because both sides fail.
    ours, _ = _pair(template_id)
    texts = sum(1 for c in CORPUS if _outcome(ours, c)[0] == "text")
    assert texts >= len(CORPUS) * 2 // 5  # the legacy Mistral template rejects every system turn


@pytest.mark.parametrize("template_id", sorted(BUILTIN_TEMPLATES))
def test_builtin_matches_original_without_system_turns(template_id: str) -> None:
    ours, theirs = _pair(template_id)
    stripped = [[m for m in c if m["role"] != "system"] for c in CORPUS]
    bad = _mismatches(ours, theirs, [(c, {}) for c in stripped])
    assert not bad, f"{len(bad)} differences, first: {bad[0]}"


@pytest.mark.parametrize("template_id", ["llama3.1", "llama3.2"])
def test_tool_conversations_match_original(template_id: str) -> None:
    ours, theirs = _pair(template_id)
    cases = tool_conversations()
    bad = _mismatches(ours, theirs, cases)
    assert not bad, f"{len(bad)} differences, first: {bad[0]}"
    outcomes = [_outcome(ours, m, **o) for m, o in cases]
    assert sum(o[0] == "text" for o in outcomes) >= 40
    assert any(o[0] == "error" and o[1] for o in outcomes)  # the single-tool-call rule fires


@pytest.mark.parametrize("template_id", ["llama3.1", "llama3.2"])
@pytest.mark.parametrize("date", [None, PINNED, dt.date(2025, 2, 1)])
def test_dated_templates_match_with_and_without_pin(template_id: str, date: dt.date | None) -> None:
    ours, theirs = _pair(template_id, date)
    bad = _mismatches(ours, theirs, [(c, {}) for c in CORPUS[:60]])
    assert not bad, f"{len(bad)} differences, first: {bad[0]}"


def test_llama2_chat_matches_transformers_legacy_default_on_valid_chats() -> None:
    # A second, independent source: transformers' old LlamaTokenizer default
    # renders Llama 2 Chat identically whenever system is first or absent.
    ours = get_builtin("llama2-chat").load()
    legacy = ChatTemplate(original("llama2-default"), special_tokens=dict(ours.special_tokens))
    valid = [c for c in CORPUS if c and all(m["role"] != "system" for m in c[1:])]
    assert len(valid) >= 150
    bad = _mismatches(ours, legacy, [(c, {}) for c in valid])
    assert not bad, f"{len(bad)} differences, first: {bad[0]}"


# Published expected renders of the original Hub templates (used by other
# projects' test suites): a system prompt, then "Hello" / "Hi there" /
# "Who are you" / "   I am an assistant   " / "Another question".
_CHAT = [
    {"role": "system", "content": "You are a helpful assistant"},
    {"role": "user", "content": "Hello"},
    {"role": "assistant", "content": "Hi there"},
    {"role": "user", "content": "Who are you"},
    {"role": "assistant", "content": "   I am an assistant   "},
    {"role": "user", "content": "Another question"},
]


def test_llama2_chat_known_render() -> None:
    text = get_builtin("llama2-chat").load().render(_CHAT, add_generation_prompt=True)
    assert text == (
        "<s>[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s>"
        "<s>[INST] Who are you [/INST] I am an assistant </s><s>[INST] Another question [/INST]"
    )


def test_mistral_legacy_known_render() -> None:
    text = (
        get_builtin("mistral-instruct-legacy").load().render(_CHAT[1:], add_generation_prompt=True)
    )
    assert text == (
        "<s>[INST] Hello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>"
        "[INST] Another question [/INST]"
    )


def test_training_variant_renders_like_original() -> None:
    # {% generation %} is a pass-through: trl's training copy of the Llama 3
    # template renders exactly what the plain original renders.
    tokens = dict(get_builtin("llama3").special_tokens)
    plain = ChatTemplate(original("llama3"), special_tokens=tokens)
    training = ChatTemplate(original("llama3-training"), special_tokens=tokens)
    assert "generation" in training.source
    bad = _mismatches(training, plain, [(c, {}) for c in CORPUS[:80]])
    assert not bad, f"{len(bad)} differences, first: {bad[0]}"
