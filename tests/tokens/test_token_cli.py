"""The token options on the command line, over sample_data/."""

from __future__ import annotations

import json

from ftdata.cli import main
from ftdata.schemas import validator
from conftest import SAMPLE_DATA

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"


def run(argv, capsys):
    code = main(argv)
    return code, capsys.readouterr().out


def test_validate_with_model_shows_token_checks(capsys):
    code, out = run(["validate", str(SAMPLE_DATA), "--model", MISTRAL], capsys)
    assert code == 1
    assert "Tokens" in out and "billed estimate" in out and "DS004" in out
    assert "system_prompts.jsonl:1: TK001" in out


def test_json_report_with_tokens_follows_schema(capsys):
    code, out = run(["validate", str(SAMPLE_DATA / "chat"), "--model", MISTRAL,
                     "--format", "json", "--date", "2026-01-01", "--epochs", "2"], capsys)
    report = json.loads(out)
    assert validator("report").is_valid(report)
    assert report["tokens"]["epochs"] == 2 and report["tokens"]["date"] == "2026-01-01"


def test_good_samples_stay_valid_with_the_model(capsys):
    code, out = run(["validate", str(SAMPLE_DATA / "chat" / "support_good.jsonl"),
                     str(SAMPLE_DATA / "instruction" / "qa_good.jsonl"), "--model", MISTRAL,
                     "--format", "json"], capsys)
    report = json.loads(out)
    assert report["summary"]["invalid"] == 0
    assert set(report["summary"]["by_code"]) == {"DS004"}  # tiny samples: below one context length


def test_stats_per_example(capsys):
    path = SAMPLE_DATA / "instruction" / "qa_good.jsonl"
    code, out = run(["stats", str(path), "--model", MISTRAL, "--per-example"], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert all(r["source"] == str(path) and r["tokens"] >= r["trainable_tokens"] > 0
               for r in records)


def test_stats_needs_a_model(capsys):
    assert run(["stats", str(SAMPLE_DATA)], capsys)[0] == 2


def test_bad_token_options_are_usage_errors(capsys):
    path = str(SAMPLE_DATA / "chat" / "support_good.jsonl")
    assert run(["validate", path, "--model", MISTRAL, "--target-prompts", "some"], capsys)[0] == 2
    assert run(["validate", path, "--model", MISTRAL, "--date", "yesterday"], capsys)[0] == 2
    assert run(["validate", path, "--tokenizer", "/no/such/tokenizer.json"], capsys)[0] == 2
    assert run(["models"], capsys)[0] == 0
