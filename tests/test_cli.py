"""The command line: exit codes, rule selection, configuration, formats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ftdata.cli import main

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
WARN_ONLY = {"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "?"}]}
BAD = {"messages": [{"role": "user", "content": "hi"}]}


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exit_codes(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(["validate", str(jsonl([GOOD]))], capsys)[0] == 0
    assert run(["validate", str(jsonl([GOOD, BAD]))], capsys)[0] == 1
    code, _, err = run(["validate", "missing.jsonl"], capsys)
    assert code == 2 and "no such file" in err
    assert run(["validate", str(jsonl([GOOD])), "--task", "nope"], capsys)[0] == 2
    assert run([], capsys)[0] == 2


def test_fail_on_warning(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = str(jsonl([WARN_ONLY]))
    assert run(["validate", path], capsys)[0] == 0
    assert run(["validate", path, "--fail-on", "warning"], capsys)[0] == 1


def test_select_ignore_and_severity(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = str(jsonl([BAD, GOOD]))
    code, out, _ = run(["validate", path, "--format", "json", "--ignore", "CH002,CH011"], capsys)
    assert code == 0 and json.loads(out)["summary"]["by_code"] == {}
    code, out, _ = run(
        [
            "validate",
            path,
            "--format",
            "json",
            "--select",
            "CH*",
            "--severity",
            "CH002=warning,CH011=info",
        ],
        capsys,
    )
    report = json.loads(out)
    assert code == 0 and report["summary"]["warnings"] == 1 and report["summary"]["infos"] == 1
    assert report["summary"]["invalid"] == 0
    assert run(["validate", path, "--ignore", "ZZ999"], capsys)[0] == 2


def test_pyproject_configuration_and_flags_win(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ftdata]\nignore = ["CH002"]\nseverity = {CH011 = "warning"}\nfail-on = "warning"\n'
    )
    path = str(jsonl([BAD, GOOD]))
    code, out, _ = run(["validate", path, "--format", "json"], capsys)
    assert code == 1 and json.loads(out)["summary"]["by_code"] == {"CH011": 1}
    assert run(["validate", path, "--fail-on", "error"], capsys)[0] == 0
    assert run(["validate", path, "--no-config"], capsys)[0] == 1
    (tmp_path / "pyproject.toml").write_text("[tool.ftdata]\nunknown-key = 1\n")
    code, _, err = run(["validate", path], capsys)
    assert code == 2 and "unknown-key" not in err or "unknown" in err


def test_every_documented_config_key_is_accepted(jsonl, capsys, tmp_path, monkeypatch):
    """`chat-template` (the README documents it in `[tool.ftdata]`) and the token keys load."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ftdata]\nchat-template = "mistral-instruct"\nepochs = 2\nper-role = false\n'
        'format = "json"\nmax-per-code = 5\n'
    )
    code, out, err = run(["validate", str(jsonl([GOOD]))], capsys)
    assert code == 0 and "unknown" not in err
    assert json.loads(out)["summary"]["invalid"] == 0


def test_profile_flag(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tool = {
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "tool", "content": "y"},
            {"role": "assistant", "content": "z"},
        ]
    }
    path = str(jsonl([tool]))
    assert run(["validate", path], capsys)[0] == 1
    assert run(["validate", path, "--profile", "llm-foundry"], capsys)[0] == 0


def test_output_file_and_formats(jsonl, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = str(jsonl([BAD, GOOD]))
    report = tmp_path / "report.json"
    assert run(["validate", path, "--format", "json", "-o", str(report)], capsys)[0] == 1
    assert json.loads(report.read_text())["ok"] is False
    _, out, _ = run(["validate", path, "--format", "github"], capsys)
    assert out.startswith("::error file=")


def test_rules_command(capsys):
    code, out, _ = run(["rules"], capsys)
    assert code == 0 and "CH011" in out and "LD001" in out
    code, out, _ = run(["rules", "ch011"], capsys)
    assert code == 0 and "Bad:" in out and "Good:" in out
    assert run(["rules", "XX000"], capsys)[0] == 2


def test_python_dash_m_and_broken_pipe():
    proc = subprocess.run(
        [sys.executable, "-m", "ftdata", "--version"], capture_output=True, text=True, check=True
    )
    assert proc.stdout.startswith("ftdata ")


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--format", "xml", "x"]])
def test_usage_errors_do_not_trace(argv, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2 and "Traceback" not in err
