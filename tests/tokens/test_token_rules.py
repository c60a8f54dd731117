"""Token findings in `validate`: thresholds, truncation and drops at their boundaries.

They use the real Mistral-7B vocabulary (mistral-common, a test dependency) so
the counts are the ones training would see.
"""

from __future__ import annotations

import json

import pytest
from json_schemas import validator

import ftdata

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
CHAT = {
    "messages": [
        {"role": "user", "content": "How many legs does a spider have?"},
        {"role": "assistant", "content": "Eight."},
    ]
}
LONG = {
    "messages": [
        {"role": "user", "content": "Tell me about " + "spiders " * 40},
        {"role": "assistant", "content": "They have eight legs."},
    ]
}
INSTRUCTION = {"prompt": "Capital of Norway?", "response": "Oslo"}


def counts_of(records, **options):
    found = []
    result = ftdata.validate(records, model=MISTRAL, on_example=found.append, **options)
    return result, found


def test_counts_and_report_section_follow_the_schema():
    result, found = counts_of([CHAT, LONG])
    tokens = result.to_dict()["tokens"]
    assert [f["row"] for f in found] == [0, 1]
    assert tokens["total"] == sum(f["tokens"] for f in found)
    assert tokens["model"] == MISTRAL and len(tokens["tokenizer"]["sha256"]) == 64
    assert tokens["by_task"]["chat"]["per_example"]["count"] == 2
    assert tokens["per_example"]["total"] == tokens["total"]
    assert validator("report").is_valid(result.to_dict())


def test_too_few_tokens_boundary():
    _, found = counts_of([CHAT, LONG])
    total = sum(f["tokens"] for f in found)
    longest = max(f["tokens"] for f in found)
    at_boundary, _ = counts_of([CHAT, LONG], context_length=total)
    assert "DS004" not in at_boundary.by_code
    one_short, _ = counts_of([CHAT, LONG], context_length=total + 1)
    assert one_short.by_code.get("DS004") == 1
    assert "1 missing" in next(f.message for f in one_short.findings if f.code == "DS004")
    assert longest < total  # the window is larger than any example: nothing is truncated
    assert "TK003" not in one_short.by_code


def test_truncation_boundary():
    _, found = counts_of([LONG, CHAT])
    n = found[0]["tokens"]
    fits, _ = counts_of([LONG, CHAT], context_length=n)
    assert "TK003" not in fits.by_code
    cut, _ = counts_of([LONG, CHAT], context_length=n - 1)
    finding = next(f for f in cut.findings if f.code == "TK003")
    assert finding.location.row == 0 and "1 past the context length" in finding.message


def test_drop_when_the_prompt_fills_the_window_and_all_dropped_is_an_error():
    _, found = counts_of([LONG])
    prompt = found[0]["prompt_tokens"]
    kept, _ = counts_of([LONG], context_length=prompt + 1)
    assert "TK004" not in kept.by_code
    dropped, _ = counts_of([LONG], context_length=prompt)
    assert dropped.by_code.get("TK004") == 1 and dropped.by_code.get("DS007") == 1
    assert dropped.invalid == 0  # a drop is a warning on the row; DS007 is about the dataset
    trained_prompts, _ = counts_of([LONG], context_length=prompt, target_prompts="all")
    assert "TK004" not in trained_prompts.by_code


def test_template_error_is_a_finding_on_its_line(tmp_path):
    path = tmp_path / "chat.jsonl"
    system = {"messages": [{"role": "system", "content": "Be brief."}, *CHAT["messages"]]}
    path.write_text(json.dumps(CHAT) + "\n" + json.dumps(system) + "\n")
    result = ftdata.validate(str(path), model=MISTRAL)
    finding = next(f for f in result.findings if f.code == "TK001")
    assert finding.location.line == 2 and "alternate" in finding.message
    assert (result.valid, result.invalid) == (1, 1)


def test_special_token_text_and_doubled_bos():
    typed = {"prompt": "<s>[INST] hi [/INST]", "response": "hello</s>"}
    result, _ = counts_of([typed, INSTRUCTION])
    pointers = {f.location.pointer for f in result.findings if f.code == "TK005"}
    assert pointers == {"/prompt", "/response"}
    assert result.by_code.get("TK006") == 1


def test_no_tokenizer_is_a_warning_and_structure_still_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    result = ftdata.validate([CHAT, {"messages": []}], model="meta-llama/Llama-2-7b-chat-hf")
    assert {"TK008", "DS008", "CH002"} <= set(result.by_code)
    skipped = next(f for f in result.findings if f.code == "TK008")
    assert "Tried" in skipped.message and "--tokenizer" in skipped.message
    assert result.to_dict()["tokens"]["skipped"]
    assert validator("report").is_valid(result.to_dict())


def test_unknown_model_is_a_usage_error():
    with pytest.raises(ftdata.errors.UsageError, match="did you mean"):
        ftdata.validate([CHAT], model="mistral-7b-instrukt")


def test_pretraining_counts_windows_and_small_corpus(tmp_path):
    (tmp_path / "a.txt").write_text("The quick brown fox jumps over the lazy dog. " * 50)
    result = ftdata.validate(str(tmp_path), model=MISTRAL, context_length=64, ignore=["TX003"])
    section = result.to_dict()["tokens"]["by_task"]["pretraining"]
    assert section["full_windows"] == section["total"] // 64 > 0
    assert section["billed_tokens"] == section["full_windows"] * 64 * 3
    assert "DS005" in result.by_code


def test_epochs_scale_the_estimate():
    one, _ = counts_of([CHAT], epochs=1)
    four, _ = counts_of([CHAT], epochs=4)
    assert four.to_dict()["tokens"]["billed_tokens"] == 4 * one.to_dict()["tokens"]["billed_tokens"]


def test_date_is_pinned_in_date_stamped_templates(tmp_path):
    import datetime as dt

    from ftdata.tokens.chat_templates.builtin import get_builtin

    template = get_builtin("llama3.1").load(date=dt.date(2026, 1, 2))
    text = template.render(CHAT["messages"], add_generation_prompt=False)
    assert "02 Jan 2026" in text


def test_a_token_finding_raised_to_error_makes_its_row_invalid():
    """`--severity TK003=error`: the truncated row counts as invalid, as any error finding's row."""
    _, found = counts_of([LONG, CHAT])
    cut, _ = counts_of([LONG, CHAT], context_length=found[0]["tokens"] - 1)
    assert cut.by_code.get("TK003") == 1 and cut.invalid == 0  # a warning: still valid
    strict, counted = counts_of(
        [LONG, CHAT], context_length=found[0]["tokens"] - 1, severity={"TK003": "error"}
    )
    assert strict.by_code.get("TK003") == 1 and not strict.ok
    assert (strict.rows, strict.valid, strict.invalid) == (2, 1, 1)
    assert len(counted) == 2  # its tokens are still counted: the statistics do not change
    rows = []
    ftdata.validate(
        [LONG, CHAT],
        model=MISTRAL,
        context_length=found[0]["tokens"] - 1,
        severity={"TK003": "error"},
        on_row=rows.append,
    )
    assert [row.valid for row in rows] == [False, True]
