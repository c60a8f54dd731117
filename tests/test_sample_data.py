"""Acceptance: every file in sample_data/ gives exactly the findings in expected.json."""

from __future__ import annotations

import json
import os

from conftest import ROOT, SAMPLE_DATA

import ftdata


def findings_by_file() -> dict[str, list[list]]:
    result = ftdata.validate(str(SAMPLE_DATA), keep_per_code=10**6)
    found: dict[str, list[list]] = {}
    for f in result.findings:
        key = os.path.relpath(f.location.source, SAMPLE_DATA)
        found.setdefault(key, []).append([f.location.line, f.code, f.location.pointer])
    return found


def test_sample_data_matches_expected():
    expected = json.loads((SAMPLE_DATA / "expected.json").read_text(encoding="utf-8"))
    assert findings_by_file() == expected


def test_good_files_have_no_errors_and_bad_files_do():
    result = ftdata.validate(str(SAMPLE_DATA))
    for source in result.sources:
        if "good" in source.source:
            assert source.invalid == 0, source.source
        elif "bad" in source.source:
            assert source.invalid > 0, source.source


def test_readme_quickstart_has_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    assert "sample_data" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci


def test_readme_rule_table_matches_the_registry():
    from ftdata.catalog_cli import rules_markdown

    assert rules_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
