"""The pre-commit hooks, configuration per glob, and many files in one run.

The acceptance test at the bottom runs the real ``pre-commit`` against a
throwaway git copy of this working tree: pre-commit builds a virtualenv and
pip-installs ftdata into it, so it needs PyPI (CI has it). The install happens
once for the module, in a private ``PRE_COMMIT_HOME``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, write_jsonl

import ftdata
from ftdata.cli import main
from ftdata.config import settings_from
from ftdata.errors import ConfigError

HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
CHAT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
CHAT2 = {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
USER_LAST = {"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "?"}]}
QA = {"prompt": "Capital of France?", "response": "Paris"}
SYSTEM = {"messages": [{"role": "system", "content": "Be brief."}, *CHAT["messages"]]}


def hooks() -> list[dict]:
    """The hooks this repository publishes."""
    return yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))


# --- the hooks file -------------------------------------------------------------------------


def test_hooks_file_is_a_valid_pre_commit_manifest():
    from pre_commit.clientlib import load_manifest

    manifest = load_manifest(str(HOOKS_FILE))  # pre-commit's own schema check
    ids = [hook["id"] for hook in manifest]
    assert ids[:2] == ["ftdata-validate", "ftdata-validate-tokens"]
    for hook in manifest:
        assert hook["entry"].startswith("ftdata validate") and hook["language"] == "python"
        # One process for every file: one report, one exit code, duplicates found across files.
        assert hook["require_serial"] is True


@pytest.mark.parametrize(
    ("path", "checked"),
    [
        ("train.jsonl", True),
        ("data/chat/train.jsonl", True),
        ("x/y.jsonl.gz", True),
        ("data/corpus/doc.txt", True),
        ("project/data/doc.txt", True),
        ("requirements.txt", False),
        ("docs/notes.txt", False),
        ("a.json", False),
        ("train.jsonl.bak", False),
        ("metadata/doc.txt", False),
    ],
)
def test_hook_files_pattern(path, checked):
    for hook in hooks():
        assert bool(re.search(hook["files"], path)) is checked, (hook["id"], path)


def test_readme_documents_every_hook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    for hook in hooks():
        assert f"id: {hook['id']}" in section, hook["id"]
    assert "repos:" in section and "[tool.ftdata.tasks]" in section


# --- many files, one process ------------------------------------------------------------------


def test_many_files_one_report_grouped_per_file_one_exit_code(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "a_good.jsonl", [CHAT, CHAT2])
    write_jsonl(tmp_path / "b_bad.jsonl", [CHAT2, USER_LAST, "{oops"])
    write_jsonl(tmp_path / "c_bad.jsonl", [QA, {"prompt": "", "response": "x"}])
    (tmp_path / "doc.txt").write_text("Some text.\n", encoding="utf-8")
    code = main(
        ["validate", "a_good.jsonl", "b_bad.jsonl", "c_bad.jsonl", "doc.txt", "--ignore", "TX003"]
    )
    out = capsys.readouterr().out
    assert code == 1
    places = re.findall(r"^(\S+?):(\d+): ([A-Z]{2}\d{3})", out, flags=re.MULTILINE)
    assert places == [
        ("b_bad.jsonl", "1", "DS002"),
        ("b_bad.jsonl", "2", "CH009"),
        ("b_bad.jsonl", "2", "CH011"),
        ("b_bad.jsonl", "3", "LD001"),
        ("c_bad.jsonl", "2", "PR004"),
    ]
    # The duplicate of a_good.jsonl line 2 is found across files because one process sees all.
    assert "DS002" in out and "duplicate of a_good.jsonl line 2" in out
    assert out.count("FAILED:") == 1
    for name in (
        "a_good.jsonl (chat)",
        "b_bad.jsonl (chat)",
        "c_bad.jsonl (instruction)",
        "doc.txt (pretraining)",
    ):
        assert name in out


# --- configuration: a task per glob -----------------------------------------------------------


def test_task_globs_from_configuration():
    settings = settings_from(
        {
            "tasks": {
                "data/chat/*": "chat",
                "*.qa.jsonl": "prompt_response",
                "data/raw/*": "auto",
                "data/*": "pretraining",
            }
        }
    )
    assert settings.task_for("data/chat/x/a.jsonl") == "chat"
    assert settings.task_for("/abs/repo/data/chat/a.jsonl") == "chat"
    assert settings.task_for("elsewhere/b.qa.jsonl") == "instruction"
    assert settings.task_for("data/raw/c.jsonl") is None  # "auto" exempts it from "data/*"
    assert settings.task_for("data/d.jsonl") == "pretraining"
    assert settings.task_for("other/e.jsonl") is None
    forced = settings_from({"tasks": {"data/chat/*": "chat"}}, task="instruction")
    assert forced.task_for("data/chat/a.jsonl") == "instruction"  # --task wins
    with pytest.raises(ConfigError):
        settings_from({"tasks": {"*.jsonl": "summarisation"}})
    with pytest.raises(ConfigError):
        settings_from({"tasks": ["chat"]})


@pytest.fixture
def mixed_project(tmp_path, monkeypatch):
    """A project whose configuration says data/chat holds chat data, with an instruction file
    there."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "chat").mkdir(parents=True)
    write_jsonl(tmp_path / "data" / "chat" / "a.jsonl", [QA])
    write_jsonl(tmp_path / "data" / "b.jsonl", [QA])
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ftdata]\nignore = ["DS002"]\n\n[tool.ftdata.tasks]\n"data/chat/*" = "chat"\n'
    )
    return tmp_path


def test_task_per_glob_in_cli_and_library(mixed_project, capsys):
    assert main(["validate", "data", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    tasks = {s["source"]: s["task"] for s in report["sources"]}
    assert tasks == {"data/b.jsonl": "instruction", "data/chat/a.jsonl": "chat"}
    assert report["summary"]["by_code"] == {"SC002": 1}
    assert main(["validate", "data", "--task", "instruction"]) == 0  # the flag wins
    assert main(["validate", "data", "--no-config"]) == 0
    assert not ftdata.validate("data", use_config=True).ok
    assert ftdata.validate("data", use_config=True, task="instruction").ok
    assert not ftdata.validate("data", tasks={"*/chat/*": "chat"}).ok


def test_pretraining_glob_reads_a_file_as_text(tmp_path):
    (tmp_path / "notes.md").write_text("# A document\n\nWith text.\n", encoding="utf-8")
    result = ftdata.validate(
        str(tmp_path / "notes.md"), tasks={"*.md": "pretraining"}, ignore=["TX003"]
    )
    assert result.ok and result.sources[0].task == "pretraining"


# --- the real pre-commit ----------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    env = {
        **_clean_env(),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout


def _clean_env() -> dict[str, str]:
    # Inside a git hook GIT_DIR/GIT_INDEX_FILE point at the outer repository: drop them.
    return {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}


def _working_tree_files() -> list[str]:
    """Tracked and untracked, not ignored files of this checkout, as they are on disk now."""
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({name for name in listed.split("\0") if name and (ROOT / name).is_file()})


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """A one-commit git copy of the current working tree, and its commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    copy = tmp_path_factory.mktemp("ftdata-hook-repo")
    for name in _working_tree_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "snapshot of the working tree")
    return copy, _git(copy, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def project(hook_repo, tmp_path_factory) -> tuple[Path, Path]:
    """A user's repository with good and bad data, configured to use the hooks; hooks installed."""
    repo, rev = hook_repo
    root = tmp_path_factory.mktemp("user-project")
    write_jsonl(_mkdir(root / "data" / "good") / "chat.jsonl", [CHAT, CHAT2])
    with gzip.open(root / "data" / "good" / "qa.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(QA) + "\n")
    (root / "data" / "good" / "doc.txt").write_text("A short document.\n", encoding="utf-8")
    write_jsonl(_mkdir(root / "data" / "bad") / "chat.jsonl", [CHAT, USER_LAST, "{oops", SYSTEM])
    write_jsonl(root / "data" / "bad" / "qa.jsonl", [{"prompt": "2+2?", "response": ""}, QA])
    (root / "requirements.txt").write_text("not data\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.ftdata]\nignore = ["TX003", "DS002"]\nmodel = "mistralai/Mistral-7B-Instruct-v0.2"\n'
    )
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo}\n  rev: {rev}\n  hooks:\n"
        "  - id: ftdata-validate\n  - id: ftdata-validate-tokens\n",
        encoding="utf-8",
    )
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "data")
    home = tmp_path_factory.mktemp("pre-commit-home")
    proc = _pre_commit((root, home), "install-hooks")  # builds the venv, pip-installs ftdata once
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root, home


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pre_commit(project: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess:
    """Run the real pre-commit in a project (its root, its private PRE_COMMIT_HOME)."""
    root, home = project
    env = {**_clean_env(), "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.mark.slow
def test_pre_commit_passes_on_good_files(project):
    good = ["data/good/chat.jsonl", "data/good/qa.jsonl.gz", "data/good/doc.txt"]
    proc = _pre_commit(project, "run", "--verbose", "--files", *good, "requirements.txt")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert output.count("Passed") == 2  # both hooks
    assert "OK: 4 rows, 4 valid, 0 invalid" in output
    assert "TX003" not in output  # [tool.ftdata] of the user's pyproject.toml applies
    assert "requirements.txt" not in output


@pytest.mark.slow
def test_pre_commit_fails_on_bad_files_with_the_findings(project):
    proc = _pre_commit(project, "run", "ftdata-validate", "--all-files")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Failed" in output and "exit code: 1" in output
    for finding in (
        "data/bad/chat.jsonl:2: CH011 error",
        "data/bad/chat.jsonl:3: LD001 error",
        "data/bad/qa.jsonl:1: PR004 warning",
    ):
        assert finding in output
    assert output.count("FAILED:") == 1  # every file in one ftdata process, one report
    assert "data/good/chat.jsonl (chat): 2 rows, 2 valid" in output


@pytest.mark.slow
def test_pre_commit_tokens_hook_adds_the_token_rules_of_the_configured_model(project):
    structure = _pre_commit(project, "run", "ftdata-validate", "--all-files").stdout
    proc = _pre_commit(project, "run", "ftdata-validate-tokens", "--all-files")
    # The empty response: PR004 guesses the drop from the text; with a tokenizer TK007 says it.
    assert proc.returncode == 1 and "data/bad/qa.jsonl:1: TK007" in proc.stdout
    assert "data/bad/qa.jsonl:1: PR004" in structure and "PR004" not in proc.stdout
    # Mistral's chat template rejects the system message: only the tokens hook can know.
    assert "data/bad/chat.jsonl:4: TK001" in proc.stdout and "TK001" not in structure
    assert "Tokens" in proc.stdout and "mistralai/Mistral-7B-Instruct-v0.2" in proc.stdout
