"""Golden-file tests for the reporters, and the JSON report against its schema.

Regenerate the golden files after an intended change with
``FTDATA_UPDATE_GOLDEN=1 python -m pytest tests/test_reporters.py``.
"""

from __future__ import annotations

import io
import json
import os

import pytest
from conftest import ROOT, assert_golden
from json_schemas import validator

import ftdata
from ftdata.findings import Finding, Location, Severity
from ftdata.reporters import REPORTERS, ReportOptions
from ftdata.reporters.github import escape_data, escape_property, format_annotation

INPUTS = ["sample_data/chat/support_bad.jsonl", "sample_data/instruction/qa_bad.jsonl"]


@pytest.fixture(scope="module")
def result():
    cwd = os.getcwd()
    os.chdir(ROOT)  # relative paths keep the golden files machine-independent
    try:
        return ftdata.validate(INPUTS)
    finally:
        os.chdir(cwd)


def render(result, fmt: str, max_per_code: int = 20) -> str:
    stream = io.StringIO()
    REPORTERS[fmt](result, stream, ReportOptions(max_per_code=max_per_code))
    return stream.getvalue().replace(ftdata.__version__, "<version>")


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("text", "report.txt"), ("json", "report.json"), ("github", "report.github.txt")],
)
def test_golden(result, fmt, name):
    assert_golden(render(result, fmt), name)


def test_json_report_follows_schema(result):
    report = json.loads(render(result, "json"))
    errors = [e.message for e in validator("report").iter_errors(report)]
    assert errors == []
    summary = report["summary"]
    assert summary["rows"] == summary["valid"] + summary["invalid"] == 26


def test_text_caps_findings_per_code_but_counts_stay_exact(result):
    text = render(result, "text", max_per_code=0)
    assert "hint:" not in text and "... 2 more SC003 finding(s) not shown" in text
    assert "... 1 more CH006 finding(s) not shown" in text
    assert "SC003  extra-keys" in text and text.rstrip().endswith("0 infos")


def test_kept_findings_are_capped_in_the_result_too():
    records = [{"prompt": "", "response": "x"}] * 50 + [{"prompt": "a", "response": "b"}]
    result = ftdata.validate(records, keep_per_code=5, ignore=["DS002"])
    assert len(result.findings) == 5 and result.by_code == {"PR004": 50}
    report = result.to_dict()
    assert report["findings_truncated"] is True
    assert validator("report").is_valid(report)


def test_github_escaping():
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    finding = Finding(
        "CH006",
        "invalid-role",
        Severity.ERROR,
        "bad\nrole: 100%",
        "fix, it",
        Location("dir,1/a:b.jsonl", line=3, pointer="/messages/0/role"),
    )
    line = format_annotation(finding)
    assert line.startswith("::error file=dir%2C1/a%3Ab.jsonl,line=3,title=CH006 invalid-role::")
    assert "\n" not in line and "bad%0Arole: 100%25" in line


def test_findings_frame(result):
    frame = result.findings_frame()
    assert frame.height == len(result.findings)
    assert set(frame["code"]) == {f.code for f in result.findings}
