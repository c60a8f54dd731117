"""The token options on the command line, over sample_data/."""

from __future__ import annotations

import json

from conftest import SAMPLE_DATA
from json_schemas import validator

from ftdata.cli import main

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
    code, out = run(
        [
            "validate",
            str(SAMPLE_DATA / "chat"),
            "--model",
            MISTRAL,
            "--format",
            "json",
            "--date",
            "2026-01-01",
            "--epochs",
            "2",
        ],
        capsys,
    )
    report = json.loads(out)
    assert validator("report").is_valid(report)
    assert report["tokens"]["epochs"] == 2 and report["tokens"]["date"] == "2026-01-01"


def test_good_samples_stay_valid_with_the_model(capsys):
    code, out = run(
        [
            "validate",
            str(SAMPLE_DATA / "chat" / "support_good.jsonl"),
            str(SAMPLE_DATA / "instruction" / "qa_good.jsonl"),
            "--model",
            MISTRAL,
            "--format",
            "json",
        ],
        capsys,
    )
    report = json.loads(out)
    assert report["summary"]["invalid"] == 0
    assert set(report["summary"]["by_code"]) == {"DS004"}  # tiny samples: below one context length


def test_stats_per_example(capsys):
    path = SAMPLE_DATA / "instruction" / "qa_good.jsonl"
    code, out = run(["stats", str(path), "--model", MISTRAL, "--per-example"], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert all(
        r["source"] == str(path) and r["tokens"] >= r["trainable_tokens"] > 0 for r in records
    )


def test_stats_needs_a_model(capsys):
    assert run(["stats", str(SAMPLE_DATA)], capsys)[0] == 2


def test_bad_token_options_are_usage_errors(capsys):
    path = str(SAMPLE_DATA / "chat" / "support_good.jsonl")
    assert run(["validate", path, "--model", MISTRAL, "--target-prompts", "some"], capsys)[0] == 2
    assert run(["validate", path, "--model", MISTRAL, "--date", "yesterday"], capsys)[0] == 2
    assert run(["validate", path, "--tokenizer", "/no/such/tokenizer.json"], capsys)[0] == 2
    assert run(["validate", path, "--per-role"], capsys)[0] == 2  # nothing to count with
    assert run(["models"], capsys)[0] == 0


def test_per_role_statistics_follow_schema_and_add_up(capsys):
    """``--per-role``: each role's content tokens, checked against encoding each content alone."""
    from ftdata.tokens.counting.batches import TokenSettings, TokenStage

    path = SAMPLE_DATA / "chat" / "support_good.jsonl"
    code, out = run(
        ["validate", str(path), "--model", MISTRAL, "--per-role", "--format", "json"], capsys
    )
    report = json.loads(out)
    assert validator("report").is_valid(report)
    per_role = report["tokens"]["by_task"]["chat"]["per_role"]
    tokenizer = TokenStage(TokenSettings(model=MISTRAL)).tokenizer
    expected: dict[str, list[int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        by_role: dict[str, int] = {}
        for message in json.loads(line)["messages"]:
            n = len(tokenizer.encode(message["content"]))
            by_role[message["role"]] = by_role.get(message["role"], 0) + n
        for role, n in by_role.items():
            expected.setdefault(role, []).append(n)
    assert set(per_role) == set(expected) >= {"user", "assistant"}
    for role, values in expected.items():
        assert per_role[role]["count"] == len(values) and per_role[role]["total"] == sum(values)
        assert (per_role[role]["min"], per_role[role]["max"]) == (min(values), max(values))


def test_per_role_in_text_report_and_per_example_lines(capsys):
    path = SAMPLE_DATA / "instruction" / "qa_good.jsonl"
    code, out = run(["stats", str(path), "--model", MISTRAL, "--per-role"], capsys)
    assert "prompt (content, 6 examples)" in out and "response (content, 6 examples)" in out
    code, out = run(["stats", str(path), "--model", MISTRAL, "--per-role", "--per-example"], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert all(set(r["roles"]) == {"prompt", "response"} for r in records)
    assert all(r["roles"]["prompt"] > 0 and r["roles"]["response"] > 0 for r in records)


def test_without_per_role_no_role_statistics(capsys):
    path = SAMPLE_DATA / "chat" / "support_good.jsonl"
    code, out = run(["validate", str(path), "--model", MISTRAL, "--format", "json"], capsys)
    assert "per_role" not in json.loads(out)["tokens"]["by_task"]["chat"]
