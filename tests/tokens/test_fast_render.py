"""The plain-Python turn builder (``fast_render``) against the Jinja path.

For every template the fast path claims (built-ins and the pinned originals),
its turns must equal ``split_chat_turns`` over Jinja renders, with and without
a pinned date; conversations outside its domain must return None so that the
Jinja path (and its errors) is used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tok_corpus import TEXTS, conversations, tool_conversations
from tok_originals import original

from ftdata.tokens.chat_templates.builtin import BUILTIN_TEMPLATES
from ftdata.tokens.chat_templates.fast_families import ORIGINAL_SHAS, family_by_sha
from ftdata.tokens.chat_templates.fast_render import canonical, fast_turns_for
from ftdata.tokens.chat_templates.jinja_render import ChatTemplate, TemplateRenderError
from ftdata.tokens.chat_templates.turns import NotPrefixConsistent, split_chat_turns

PINNED = dt.date(2024, 12, 13)
CORPUS = conversations(600)
IDS = sorted(BUILTIN_TEMPLATES)
# llama2-chat has no pinned original file (tok_originals derives it from Code Llama).
ORIGINAL_IDS = [i for i in IDS if i != "llama2-chat"]


def _template(template_id: str, source: str, date: dt.date | None) -> ChatTemplate:
    tokens = dict(BUILTIN_TEMPLATES[template_id].special_tokens)
    text = BUILTIN_TEMPLATES[template_id].source() if source == "builtin" else original(template_id)
    return ChatTemplate(text, special_tokens=tokens, date=date)


def _jinja_turns(template: ChatTemplate, messages: list[dict[str, Any]]):
    def render(msgs, generation):
        return template.render(msgs, add_generation_prompt=generation)

    try:
        return split_chat_turns(messages, render)
    except (TemplateRenderError, NotPrefixConsistent) as exc:
        return ("error", str(exc))


def _check(template: ChatTemplate, messages: list[dict[str, Any]]) -> bool:
    """Fast == Jinja when the fast path answers; returns whether it answered."""
    fast = fast_turns_for(template)
    assert fast is not None
    got = fast(messages)
    if got is not None:
        assert got == _jinja_turns(template, messages), messages
    return got is not None


@pytest.mark.parametrize("date", [None, PINNED])
@pytest.mark.parametrize(
    ("template_id", "source"),
    [(t, "builtin") for t in IDS] + [(t, "original") for t in IDS if t in ORIGINAL_IDS],
)
def test_fast_turns_equal_jinja_on_corpus(template_id: str, source: str, date) -> None:
    template = _template(template_id, source, date)
    answered = sum(_check(template, m) for m in CORPUS)
    assert answered >= len(CORPUS) // 3  # the fast path is really exercised


def test_every_pinned_original_is_claimed() -> None:
    for template_id in ORIGINAL_IDS:
        sha = _template(template_id, "original", None).sha256
        assert sha in ORIGINAL_SHAS, template_id
    for template_id in IDS:
        assert BUILTIN_TEMPLATES[template_id].load().sha256 in family_by_sha()


_LOOKALIKES = [
    "<|im_start|>",
    "<|im_end|>",
    "<|eot_id|>",
    "<s>",
    "</s>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<|start_header_id|>",
    "{{ x }}",
    "{% if %}",
    "<|endoftext|>",
]
_TEXT = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(_LOOKALIKES + list(TEXTS)),
        st.sampled_from([" ", "\n", "\t", "\r\n", "\u2028", "\x0b", "\u3000"]),
    ),
    max_size=5,
).map("".join)


@st.composite
def _chats(draw) -> list[dict[str, Any]]:
    messages = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(_TEXT)})
    for index in range(draw(st.integers(1, 8))):
        messages.append({"role": "user" if index % 2 == 0 else "assistant", "content": draw(_TEXT)})
    return messages


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat=_chats(), template_id=st.sampled_from(IDS), pinned=st.booleans())
def test_fast_turns_equal_jinja_on_random_chats(chat, template_id: str, pinned: bool) -> None:
    template = _template(template_id, "builtin", PINNED if pinned else None)
    answered = _check(template, chat)
    legacy_system = template_id == "mistral-instruct-legacy" and chat[0]["role"] == "system"
    assert answered != legacy_system  # canonical chats always take the fast path, but this one


@settings(max_examples=60, deadline=None)
@given(chat=_chats(), template_id=st.sampled_from(ORIGINAL_IDS))
def test_fast_turns_equal_original_on_random_chats(chat, template_id: str) -> None:
    _check(_template(template_id, "original", PINNED), chat)


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"role": "system", "content": "only"}],
        [{"role": "assistant", "content": "first"}],
        [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        [{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}],
        [{"role": "user", "content": ["parts"]}],
        [{"role": "user", "content": None}],
        [{"role": "user", "content": "a", "name": "bob"}],
        [{"role": "user", "content": "a"}, {"role": "system", "content": "late"}],
        [{"role": "system2", "content": "s"}, {"role": "user", "content": "u"}],
    ],
)
def test_outside_the_domain_falls_back(messages) -> None:
    assert canonical(messages) is None
    for template_id in IDS:
        assert fast_turns_for(BUILTIN_TEMPLATES[template_id].load())(messages) is None


def test_tool_conversations_fall_back() -> None:
    fast = fast_turns_for(BUILTIN_TEMPLATES["llama3.1"].load())
    assert all(fast(messages) is None for messages, _ in tool_conversations())


def test_none_values_are_ignored_like_jinja() -> None:
    template = BUILTIN_TEMPLATES["chatml"].load()
    chat = [{"role": "user", "content": "a", "name": None}, {"role": "assistant", "content": "b"}]
    assert _check(template, chat)


def test_unknown_templates_and_odd_tokens_are_not_claimed() -> None:
    assert fast_turns_for(ChatTemplate("{{ messages[0]['content'] }}")) is None
    spec = BUILTIN_TEMPLATES["mistral-instruct"]
    assert fast_turns_for(spec.load(special_tokens={"extra_var": "x"})) is None
    no_eos = ChatTemplate(spec.source(), special_tokens={"bos_token": "<s>"})
    assert fast_turns_for(no_eos) is None


def test_token_stage_uses_the_fast_path_and_counts_the_same() -> None:
    """The stage's plans with the fast path equal those of the Jinja path."""
    from ftdata.tokens.counting.batches import Outcome, TokenStage

    stage = TokenStage.__new__(TokenStage)  # no tokenizer needed to plan
    stage.template = BUILTIN_TEMPLATES["dbrx-instruct"].load()
    stage._literals = None
    stage._turns = fast_turns_for(stage.template)
    fast_plans = [stage._plan("chat", {"messages": m}, Outcome()) for m in CORPUS]
    stage._turns = None
    jinja_plans = [stage._plan("chat", {"messages": m}, Outcome()) for m in CORPUS]
    assert fast_plans == jinja_plans


def test_builtin_templates_are_read_and_hashed_on_first_use_only() -> None:
    """Importing the fast path reads no template file; the first lookup reads each
    built-in once and later lookups reuse the table."""
    import subprocess
    import sys

    code = (
        "from ftdata.tokens.chat_templates import builtin\n"
        "reads = []\n"
        "original = builtin.BuiltinTemplate.source\n"
        "def counted(self):\n"
        "    reads.append(self.id)\n"
        "    return original(self)\n"
        "builtin.BuiltinTemplate.source = counted\n"
        "from ftdata.tokens.chat_templates import fast_families, fast_render\n"
        "from ftdata.tokens.counting import batches\n"
        "at_import = len(reads)\n"
        "template = builtin.get_builtin('chatml').load()\n"
        "reads.clear()\n"
        "fast_render.fast_turns_for(template)\n"
        "first = len(reads)\n"
        "fast_render.fast_turns_for(template)\n"
        "print(at_import, first, len(reads))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    at_import, first, after_second = map(int, out.stdout.split())
    assert at_import == 0
    assert first == len(BUILTIN_TEMPLATES)
    assert after_second == first
