"""Loading the chat template of a Hugging Face model folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftdata.errors import TokenizerError
from ftdata.tokens.chat_templates.jinja_render import ChatTemplate

USER = [{"role": "user", "content": "hi"}]


def make_folder(tmp_path: Path, config: dict | None = None, jinja: str | None = None) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    if config is not None:
        (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    if jinja is not None:
        (folder / "chat_template.jinja").write_text(jinja, encoding="utf-8")
    return folder


def test_config_template_and_special_tokens(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        {
            "chat_template": (
                "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}|{{ pad_token }}"
            ),
            "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": False},
            "eos_token": "</s>",
            "pad_token": None,
        },
    )
    template = ChatTemplate.from_hf_folder(folder)
    assert template.special_tokens == {"bos_token": "<s>", "eos_token": "</s>"}
    assert template.render(USER) == "<s>hi</s>|"


def test_jinja_file_wins_over_config(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path, {"chat_template": "config", "bos_token": "<s>"}, jinja="file {{ bos_token }}\n"
    )
    assert ChatTemplate.from_hf_folder(folder).render(USER) == "file <s>"


def test_named_templates_list_and_dict(tmp_path: Path) -> None:
    named = [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]
    folder = make_folder(tmp_path, {"chat_template": named})
    assert ChatTemplate.from_hf_folder(folder).render(USER) == "D"
    assert ChatTemplate.from_hf_folder(folder, name="tool_use").render(USER) == "T"
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": {"default": "DD"}}))
    assert ChatTemplate.from_hf_folder(folder).render(USER) == "DD"


def test_additional_chat_templates_folder(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {"chat_template": "D"})
    (folder / "additional_chat_templates").mkdir()
    (folder / "additional_chat_templates" / "rag.jinja").write_text("R", encoding="utf-8")
    assert ChatTemplate.from_hf_folder(folder, name="rag").render(USER) == "R"


def test_date_is_pinned_for_folder_templates(tmp_path: Path) -> None:
    import datetime as dt

    folder = make_folder(tmp_path, {}, jinja="{{ date_string }}")
    assert (
        ChatTemplate.from_hf_folder(folder, date=dt.date(2024, 1, 2)).render(USER) == "02 Jan 2024"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "no chat template"),
        ({"chat_template": [{"name": "x", "template": "X"}]}, "no chat template named 'default'"),
        ({"chat_template": 3}, "must be a string"),
    ],
)
def test_missing_or_bad_templates(tmp_path: Path, config: dict, message: str) -> None:
    folder = make_folder(tmp_path, config)
    with pytest.raises(TokenizerError, match=message):
        ChatTemplate.from_hf_folder(folder)


def test_named_template_absent_from_single_template(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {"chat_template": "D"})
    with pytest.raises(TokenizerError, match="single chat template"):
        ChatTemplate.from_hf_folder(folder, name="tool_use")


def test_missing_folder_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(TokenizerError, match="not found"):
        ChatTemplate.from_hf_folder(tmp_path / "nope")
    folder = make_folder(tmp_path)
    (folder / "tokenizer_config.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(TokenizerError, match="not valid JSON"):
        ChatTemplate.from_hf_folder(folder)


@pytest.mark.parametrize(
    "config_bytes",
    [b"{oops", b"[1, 2]", b'"text"', b"\xff\xfe{}"],
    ids=["invalid-json", "array", "string", "not-utf8"],
)
def test_tokenizer_and_template_read_a_bad_config_the_same_way(tmp_path, config_bytes):
    """One reader of ``tokenizer_config.json``: the tokenizer and the template see the
    same file, so a broken one gives the same one-line error whichever reads it first."""
    from ftdata.tokens.encoding.tokenizer import load_tokenizer

    folder = make_folder(tmp_path)
    (folder / "tokenizer_config.json").write_bytes(config_bytes)
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    with pytest.raises(TokenizerError) as by_template:
        ChatTemplate.from_hf_folder(folder)
    with pytest.raises(TokenizerError) as by_tokenizer:
        load_tokenizer(folder)
    assert str(by_template.value) == str(by_tokenizer.value)
    assert "tokenizer_config.json" in str(by_template.value)
    assert "\n" not in str(by_template.value)


@pytest.mark.parametrize(
    "value, expected",
    [("<s>", "<s>"), ({"content": "<s>", "special": True}, "<s>"), (None, None), (3, None)],
)
def test_tokenizer_and_template_see_the_same_special_tokens(tmp_path, value, expected):
    from ftdata.tokens.encoding import hf_folder

    config = {"bos_token": value, "eos_token": "</s>", "chat_template": "{{ bos_token }}"}
    folder = make_folder(tmp_path, config)
    _, template_tokens = hf_folder.read_template(folder)
    assert template_tokens.get("bos_token") == expected
    assert hf_folder.read_config(folder).named == template_tokens
