"""The model registry: every supported model, lookups, suggestions, deprecation."""

from __future__ import annotations

import datetime as dt

import pytest

from ftdata.errors import UsageError
from ftdata.tokens.chat_templates.builtin import BUILTIN_TEMPLATES
from ftdata.tokens.models import MODELS, ModelSpec, get_model, list_models

EXPECTED_CONTEXT = {
    "databricks/dbrx-base": 32768,
    "databricks/dbrx-instruct": 32768,
    **{f"meta-llama/Llama-3.2-{s}{k}": 131072 for s in ("1B", "3B") for k in ("", "-Instruct")},
    **{
        f"meta-llama/Meta-Llama-3.1-{s}{k}": 131072
        for s in ("8B", "70B", "405B")
        for k in ("", "-Instruct")
    },
    **{f"meta-llama/Meta-Llama-3-{s}{k}": 8192 for s in ("8B", "70B") for k in ("", "-Instruct")},
    **{f"meta-llama/Llama-2-{s}{k}-hf": 4096 for s in ("7b", "13b", "70b") for k in ("", "-chat")},
    **{
        f"codellama/CodeLlama-{s}{k}-hf": 16384
        for s in ("7b", "13b", "34b")
        for k in ("", "-Instruct", "-Python")
    },
    "mistralai/Mistral-7B-v0.1": 32768,
    "mistralai/Mistral-7B-Instruct-v0.2": 32768,
    "mistralai/Mixtral-8x7B-v0.1": 32768,
}


def test_every_design_model_is_registered_with_its_context_length() -> None:
    assert {m.name: m.context_length for m in MODELS} == EXPECTED_CONTEXT


def test_names_are_unique_and_short_names_too() -> None:
    assert len({m.name.lower() for m in MODELS}) == len(MODELS)
    assert len({m.short_name.lower() for m in MODELS}) == len(MODELS)


@pytest.mark.parametrize(
    "query",
    [
        "meta-llama/Meta-Llama-3.1-8B-Instruct",
        "Meta-Llama-3.1-8B-Instruct",
        "META-LLAMA/meta-llama-3.1-8b-instruct",
        "  meta-llama-3.1-8b-instruct ",
    ],
)
def test_lookup_by_full_or_short_name_any_case(query: str) -> None:
    assert get_model(query).name == "meta-llama/Meta-Llama-3.1-8B-Instruct"


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(UsageError) as info:
        get_model("Meta-Llama-3.1-8B-Instruc")
    assert "meta-llama/Meta-Llama-3.1-8B-Instruct" in str(info.value)
    with pytest.raises(UsageError, match="dbrx-instruct"):
        get_model("dbrx-instrcut")


def test_unknown_name_without_neighbours_still_explains() -> None:
    with pytest.raises(UsageError, match="unknown model 'zzz'"):
        get_model("zzz")


def test_every_model_has_a_builtin_template() -> None:
    for spec in MODELS:
        assert spec.template in BUILTIN_TEMPLATES, spec.name


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("databricks/dbrx-instruct", "dbrx-instruct"),
        ("meta-llama/Meta-Llama-3-8B-Instruct", "llama3"),
        ("meta-llama/Meta-Llama-3.1-70B-Instruct", "llama3.1"),
        ("meta-llama/Llama-3.2-1B-Instruct", "llama3.2"),
        ("meta-llama/Llama-2-7b-chat-hf", "llama2-chat"),
        ("codellama/CodeLlama-34b-Instruct-hf", "codellama-instruct"),
        ("mistralai/Mistral-7B-Instruct-v0.2", "mistral-instruct-legacy"),
        ("mistralai/Mixtral-8x7B-v0.1", "chatml"),
    ],
)
def test_template_of_model(name: str, template: str) -> None:
    assert get_model(name).template == template


def test_families_and_instruct_flags() -> None:
    assert get_model("Llama-3.2-3B").family == "llama3.2"
    assert get_model("Meta-Llama-3.1-405B").family == "llama3.1"
    assert get_model("Meta-Llama-3-70B").family == "llama3"
    assert get_model("Llama-2-70b-hf").family == "llama2"
    assert get_model("CodeLlama-7b-Python-hf").family == "codellama"
    assert get_model("Mixtral-8x7B-v0.1").family == "mistral"
    assert get_model("dbrx-base").family == "dbrx"
    assert get_model("CodeLlama-7b-Instruct-hf").instruct
    assert not get_model("CodeLlama-7b-Python-hf").instruct
    assert get_model("Llama-2-13b-chat-hf").instruct


def test_llama3_deprecation_date_and_successor() -> None:
    spec = get_model("Meta-Llama-3-70B-Instruct")
    assert spec.deprecated and spec.deprecated_after == dt.date(2024, 12, 13)
    assert spec.successor == "meta-llama/Meta-Llama-3.1-70B-Instruct"
    message = spec.deprecation_message()
    assert message and "2024-12-13" in message and "Meta-Llama-3.1-70B-Instruct" in message


@pytest.mark.parametrize(
    ("name", "successor"),
    [
        ("Llama-2-7b-hf", "meta-llama/Meta-Llama-3.1-8B"),
        ("Llama-2-13b-chat-hf", "meta-llama/Meta-Llama-3.1-8B-Instruct"),
        ("Llama-2-70b-chat-hf", "meta-llama/Meta-Llama-3.1-70B-Instruct"),
        ("CodeLlama-13b-Python-hf", "meta-llama/Meta-Llama-3.1-8B-Instruct"),
        ("CodeLlama-34b-Instruct-hf", "meta-llama/Meta-Llama-3.1-70B-Instruct"),
    ],
)
def test_undated_deprecations_name_a_successor(name: str, successor: str) -> None:
    spec = get_model(name)
    assert spec.deprecated and spec.deprecated_after is None
    assert spec.successor == successor


def test_successors_are_supported_current_models() -> None:
    for spec in MODELS:
        if spec.successor:
            assert not get_model(spec.successor).deprecated


def test_current_models_have_no_deprecation() -> None:
    spec = get_model("Llama-3.2-1B")
    assert not spec.deprecated and spec.deprecation_message() is None


def test_list_models() -> None:
    everything = list_models()
    assert everything == list(MODELS) and len(everything) == 34
    current = list_models(include_deprecated=False)
    assert all(not m.deprecated for m in current) and len(current) == 15


def test_spec_is_frozen() -> None:
    spec = get_model("dbrx-base")
    assert isinstance(spec, ModelSpec)
    with pytest.raises(AttributeError):
        spec.context_length = 1  # type: ignore[misc]


def test_builtin_templates_and_found_tokenizers_share_one_named_token_table():
    """The named special tokens of a family are written once (``encoding.named_tokens``):
    a built-in template renders with exactly the BOS/EOS its tokenizer is given."""
    from ftdata.tokens.chat_templates.builtin import BUILTIN_TEMPLATES
    from ftdata.tokens.encoding import named_tokens

    families = {
        "llama3": named_tokens.LLAMA3_INSTRUCT,
        "llama3.1": named_tokens.LLAMA3_INSTRUCT,
        "llama3.2": named_tokens.LLAMA3_INSTRUCT,
        "llama2-chat": named_tokens.SENTENCEPIECE,
        "codellama-instruct": named_tokens.SENTENCEPIECE,
        "mistral-instruct": named_tokens.SENTENCEPIECE,
        "mistral-instruct-legacy": named_tokens.SENTENCEPIECE,
        "dbrx-instruct": named_tokens.DBRX,
    }
    for template_id, table in families.items():
        assert dict(BUILTIN_TEMPLATES[template_id].special_tokens) == dict(table), template_id
