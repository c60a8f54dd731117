"""The renderer: transformers-compatible environment, errors, pinned dates."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from ftdata.errors import TokenizerError
from ftdata.tokens.chat_templates.builtin import get_builtin, template_for_model
from ftdata.tokens.chat_templates.jinja_render import ChatTemplate, TemplateRenderError, date_string

USER = [{"role": "user", "content": "hi"}]


def render(source: str, messages=USER, **kwargs) -> str:
    return ChatTemplate(source, special_tokens={"bos_token": "<s>"}).render(messages, **kwargs)


def test_tojson_keeps_non_ascii_and_html_characters() -> None:
    out = render("{{ messages[0] | tojson }}", [{"role": "user", "content": "<é> & 'x'"}])
    assert out == '{"role": "user", "content": "<é> & \'x\'"}'


def test_tojson_accepts_indent_and_separators() -> None:
    assert render("{{ {'a': [1]} | tojson(indent=2) }}") == '{\n  "a": [\n    1\n  ]\n}'
    assert render("{{ {'a': 1} | tojson(separators=(',', ':')) }}") == '{"a":1}'


def test_trim_and_lstrip_blocks_and_trailing_newline() -> None:
    source = "A\n  {% if true %}\nB\n  {% endif %}\nC\n"
    assert render(source) == "A\nB\nC"


def test_loop_controls() -> None:
    assert (
        render("{% for i in range(5) %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}")
        == "01"
    )


def test_generation_tag_is_a_pass_through() -> None:
    assert render("x{% generation %}{{ messages[0].content }}{% endgeneration %}y") == "xhiy"


def test_special_tokens_and_extra_variables() -> None:
    t = ChatTemplate(
        "{{ bos_token }}{{ eos_token }}{{ flavour }}",
        special_tokens={"bos_token": "<s>", "eos_token": "</s>"},
    )
    assert t.render(USER, flavour="!") == "<s></s>!"
    assert t.render(USER, bos_token="[B]") == "[B]</s>"


def test_none_values_are_dropped_and_subclasses_made_plain() -> None:
    class Text(str):
        pass

    messages = [{"role": "user", "content": Text("hi"), "name": None}]
    assert render("{{ 'name' in messages[0] }}|{{ messages[0].content }}", messages) == "False|hi"


def test_reasoning_keys_are_aliased() -> None:
    messages = [{"role": "assistant", "content": "a", "reasoning": "r"}]
    assert (
        render("{{ messages[0].reasoning_content }}/{{ messages[0].thinking }}", messages) == "r/r"
    )


def test_tools_and_generation_prompt_variables() -> None:
    source = "{{ tools | length if tools is not none else 'none' }}/{{ add_generation_prompt }}"
    assert render(source) == "none/False"
    assert render(source, tools=[{"name": "f"}], add_generation_prompt=True) == "1/True"


def test_dict_and_namespace_globals() -> None:
    assert (
        render("{{ dict(a=1) | tojson }}{{ dict.fromkeys(['b'], 2) | tojson }}")
        == '{"a": 1}{"b": 2}'
    )
    source = (
        "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }}"
    )
    assert render(source, USER * 3) == "3"


def test_raise_exception_becomes_template_render_error() -> None:
    with pytest.raises(TemplateRenderError) as info:
        render("{{ raise_exception('System role not supported') }}")
    assert info.value.message == "System role not supported"
    assert info.value.raised_by_template


def test_mistral_legacy_rejects_a_system_message() -> None:
    template = get_builtin("mistral-instruct-legacy").load()
    with pytest.raises(TemplateRenderError) as info:
        template.render([{"role": "system", "content": "s"}, *USER])
    assert "roles must alternate" in info.value.message and info.value.raised_by_template


def test_template_failure_is_a_render_error_not_raised_by_template() -> None:
    with pytest.raises(TemplateRenderError) as info:
        render("{{ messages[0].content + 1 }}")
    assert not info.value.raised_by_template
    with pytest.raises(TemplateRenderError):
        render("{{ messages[5].role.upper() }}")


def test_syntax_error_is_a_tokenizer_error() -> None:
    with pytest.raises(TokenizerError, match="does not compile"):
        ChatTemplate("{% for %}")
    with pytest.raises(TokenizerError):
        ChatTemplate(None)  # type: ignore[arg-type]


def test_sha256_is_of_the_source() -> None:
    source = "{{ bos_token }}"
    assert ChatTemplate(source).sha256 == hashlib.sha256(source.encode()).hexdigest()


def test_date_string_format_is_locale_free() -> None:
    assert date_string(dt.date(2024, 7, 26)) == "26 Jul 2024"
    assert date_string(dt.date(2025, 1, 5)) == "05 Jan 2025"


def test_pinned_date_drives_strftime_now_and_date_string() -> None:
    t = ChatTemplate(
        "{{ strftime_now('%Y-%m-%d %H:%M') }}|{{ date_string }}", date=dt.date(2024, 3, 5)
    )
    assert t.render(USER) == "2024-03-05 00:00|05 Mar 2024"
    assert t.render(USER, date_string="01 Jan 2000").endswith("|01 Jan 2000")


def test_unpinned_clock_is_local_now_and_no_date_string() -> None:
    before = dt.datetime.now().strftime("%d %b %Y")
    out = ChatTemplate("{{ strftime_now('%d %b %Y') }}|{{ date_string is defined }}").render(USER)
    after = dt.datetime.now().strftime("%d %b %Y")
    assert out in (f"{before}|False", f"{after}|False")


@pytest.mark.parametrize("model", ["Llama-3.2-1B-Instruct", "Meta-Llama-3.1-8B-Instruct"])
def test_llama_today_date_is_pinned(model: str) -> None:
    template = template_for_model(model, date=dt.date(2024, 12, 13))
    out = template.render(USER)
    assert "Cutting Knowledge Date: December 2023\nToday Date: 13 Dec 2024\n\n" in out
    assert out.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>")


def test_llama31_unpinned_uses_its_default_date() -> None:
    assert "Today Date: 26 Jul 2024" in template_for_model("Meta-Llama-3.1-8B-Instruct").render(
        USER
    )


def test_dbrx_inserts_its_default_system_prompt() -> None:
    out = template_for_model("dbrx-instruct").render(USER, add_generation_prompt=True)
    assert out.startswith("<|im_start|>system\nYou are DBRX, created by Databricks.")
    assert out.endswith("<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    own = template_for_model("dbrx-instruct").render([{"role": "system", "content": " S "}, *USER])
    assert own == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhi<|im_end|>"


def test_builtin_special_tokens_can_be_overridden() -> None:
    template = get_builtin("llama2-chat").load(special_tokens={"bos_token": "<BOS>"})
    assert template.render(USER) == "<BOS>[INST] hi [/INST]"
