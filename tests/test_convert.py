"""ftdata convert: ShareGPT, Alpaca, OpenAI and mapped JSONL into the service's shape (issue 17)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import ROOT, assert_golden, write_jsonl

import ftdata
from ftdata.cli import main

DATA = ROOT / "tests" / "data" / "convert"
LLAMA = "meta-llama/Meta-Llama-3.1-8B-Instruct"


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def snapshot(result, tmp_path: Path) -> str:
    """Summary, output, rejects and change log as one text, paths relative to the run."""
    data = result.to_dict()
    for key in ("out", "rejects", "change_log", "source"):
        if key in data:
            data[key] = Path(data[key]).name
    parts = [json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)]
    for name in ("out", "rejects", "changes"):
        path = getattr(result.targets, name)
        text = (
            path.read_text(encoding="utf-8")
            .replace(str(DATA) + "/", "")
            .replace(str(tmp_path) + "/", "")
        )
        parts.append(f"== {name}\n{text}")
    return "\n".join(parts)


def assert_accounting(result) -> None:
    summary = result.summary
    assert summary.examples_in == summary.written + summary.rejected
    assert len(read_lines(result.targets.out)) == summary.written
    rejects = read_lines(result.targets.rejects)
    assert len(rejects) == summary.rejected
    assert all(r["codes"] for r in rejects)


@pytest.mark.parametrize("fmt", ["sharegpt", "alpaca", "openai"])
def test_each_format_converts_as_the_golden_file_says(fmt, tmp_path):
    result = ftdata.convert(DATA / f"{fmt}.jsonl", out=tmp_path / "out.jsonl")
    assert result.format == fmt and result.detected.startswith(fmt)
    assert_accounting(result)
    assert_golden(snapshot(result, tmp_path), f"convert_{fmt}.txt")


@pytest.mark.parametrize("fmt", ["sharegpt", "alpaca", "openai"])
def test_converted_repository_files_validate_with_a_model(fmt, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "convert",
            str(DATA / f"{fmt}.jsonl"),
            "--out",
            str(out),
            "--model",
            LLAMA,
            "--context-length",
            "256",
        ]
    )
    text = capsys.readouterr().out
    assert f"validated {out} (databricks profile with {LLAMA}): clean" in text
    assert code == (1 if fmt == "openai" else 0)  # the tool-call examples are refused
    assert main(["validate", str(out), "--model", LLAMA, "--context-length", "256"]) == 0
    assert main(["validate", str(out)]) == 0


def test_every_dropped_openai_field_is_in_the_change_log(tmp_path):
    result = ftdata.convert(DATA / "openai.jsonl", out=tmp_path / "out.jsonl")
    rejected = {r["line"] for r in read_lines(result.targets.rejects)}
    expected = set()
    for number, example in enumerate(read_lines(DATA / "openai.jsonl"), start=1):
        if number in rejected:
            continue
        expected |= {(number, f"/{key}") for key in example if key != "messages"}
        for index, message in enumerate(example["messages"]):
            expected |= {
                (number, f"/messages/{index}/{key}")
                for key in message
                if key not in ("role", "content")
            }
    logged = {
        (c["line"], c["pointer"])
        for c in read_lines(result.targets.changes)
        if c["fix"] == "drop-key"
    }
    assert expected and logged == expected


def test_tool_calls_are_refused_and_kept_whole_in_the_rejects(tmp_path):
    result = ftdata.convert(DATA / "openai.jsonl", out=tmp_path / "out.jsonl")
    rejects = {r["line"]: r for r in read_lines(result.targets.rejects)}
    source = read_lines(DATA / "openai.jsonl")
    assert rejects[4]["codes"] == ["CH005", "CH006"] and rejects[4]["example"] == source[3]
    assert rejects[7]["codes"] == ["CH005"]  # weight 0 on the final reply


def test_unicode_and_long_texts_are_written_exactly(tmp_path):
    result = ftdata.convert(DATA / "sharegpt.jsonl", out=tmp_path / "out.jsonl")
    source = read_lines(DATA / "sharegpt.jsonl")
    written = read_lines(result.targets.out)
    assert [[t["value"] for t in s["conversations"]] for s in source] == [
        [m["content"] for m in w["messages"]] for w in written
    ]
    raw = result.targets.out.read_text(encoding="utf-8")
    assert "ありがとう" in raw and "\\u" not in raw  # UTF-8 as is, not escaped
    changes = result.targets.changes.read_text(encoding="utf-8")
    assert max(map(len, changes.splitlines())) < 1200  # long texts are cut in the log


def test_the_input_is_never_modified_and_runs_are_deterministic(tmp_path):
    path = DATA / "openai.jsonl"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    first = ftdata.convert(path, out=tmp_path / "a.jsonl")
    second = ftdata.convert(path, out=tmp_path / "b.jsonl")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    for name in ("out", "rejects"):
        assert (
            getattr(first.targets, name).read_bytes() == getattr(second.targets, name).read_bytes()
        )
    assert first.targets.changes.read_bytes() == second.targets.changes.read_bytes()


def test_existing_targets_and_the_input_itself_are_refused(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"instruction": "a", "output": "b"}])
    taken = tmp_path / "taken.jsonl"
    taken.write_text("mine\n", encoding="utf-8")
    assert main(["convert", str(source), "--out", str(taken)]) == 2
    assert main(["convert", str(source), "--out", str(source)]) == 2
    assert (
        main(["convert", str(source), "--out", str(tmp_path / "x.jsonl"), "--rejects", str(taken)])
        == 2
    )
    assert "exists" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "taken.jsonl"]


def test_dry_run_prints_the_changes_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    code = main(["convert", str(DATA / "alpaca.jsonl"), "--out", str(out), "--dry-run"])
    text = capsys.readouterr().out
    assert code == 0 and not list(tmp_path.iterdir())
    assert '"fix": "alpaca-prompt"' in text and "dry run: nothing written" in text
    assert "detected format: alpaca" in text


MALFORMED = [
    '{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}',
    '{"conversations": [{"from": "human", "value": "Hi"}',  # invalid JSON
    '["not", "an", "object"]',
    '{"conversations": "human: hi"}',
    '{"conversations": [{"from": "robot", "value": "beep"}, {"from": "gpt", "value": "x"}]}',
    '{"conversations": [{"from": "human"}, {"from": "gpt", "value": "x"}]}',
    '{"conversations": ["hi", {"from": "gpt", "value": "x"}]}',
    '{"conversations": [{"from": "human", "value": 7}, {"from": "gpt", "value": "x"}]}',
    '{"conversations": [{"from": "human", "value": "a", "value": "b"}, '
    '{"from": "gpt", "value": "x"}]}',
    '{"conversations": [{"from": "human", "value": NaN}]}',
    "",
    '{"conversations": [{"from": ["human"], "value": "Hi"}, {"from": "gpt", "value": "x"}]}',
    '{"prompt": "a different task", "response": "b"}',
]


def test_malformed_input_becomes_rejects_not_crashes(tmp_path, capsys):
    source = tmp_path / "bad.jsonl"
    data = (
        "\n".join(MALFORMED).encode()
        + b"\n"
        + b'{"conversations": "caf\xe9"}\n'
        + b'{"conversations": [{"from": "human", "value": "cut'
    )
    source.write_bytes(data)
    code = main(
        ["convert", str(source), "--from", "sharegpt", "--out", str(tmp_path / "out.jsonl")]
    )
    assert code == 1
    assert "validated" in capsys.readouterr().out
    rejects = {r["line"]: r["codes"] for r in read_lines(tmp_path / "out.rejects.jsonl")}
    assert rejects == {
        2: ["LD001"],
        3: ["LD002"],
        4: ["SC001"],
        5: ["CH006"],
        6: ["CH004"],
        7: ["CH003"],
        8: ["CH007"],
        9: ["LD006"],
        10: ["LD005"],
        12: ["CH006"],
        13: ["SC001"],
        14: ["LD003"],
        15: ["LD004"],
    }
    assert len(read_lines(tmp_path / "out.jsonl")) == 1
    assert main(["validate", str(tmp_path / "out.jsonl")]) == 0
    files = [
        f"== {name}\n"
        + (tmp_path / name).read_text(encoding="utf-8").replace(str(tmp_path) + "/", "")
        for name in ("out.jsonl", "out.rejects.jsonl", "out.changes.jsonl")
    ]
    assert_golden("\n".join(files), "convert_malformed.txt")


def test_a_line_over_the_limit_is_rejected(tmp_path):
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [{"instruction": "x" * 500, "output": "y"}, {"instruction": "a", "output": "b"}],
    )
    result = ftdata.convert(source, out=tmp_path / "out.jsonl", max_line_bytes=200)
    assert [r["codes"] for r in read_lines(result.targets.rejects)] == [["LD008"]]
    assert result.summary.written == 1 and result.clean


def test_undetectable_format_is_a_usage_error(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"question": "q", "answer": "a"}])
    assert main(["convert", str(source), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "--from" in capsys.readouterr().err


def test_map_renames_columns_and_drops_the_rest(tmp_path, capsys):
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": 1, "question": "2+2?", "answer": "4"},
            {"id": 2, "question": "3+3?", "answer": "6"},
        ],
    )
    out = tmp_path / "o.jsonl"
    code = main(
        ["convert", str(source), "--map", "prompt=question,response=answer", "--out", str(out)]
    )
    assert code == 0 and "detected format: columns" in capsys.readouterr().out
    assert read_lines(out) == [
        {"prompt": "2+2?", "response": "4"},
        {"prompt": "3+3?", "response": "6"},
    ]
    fixes = [(c["fix"], c["pointer"]) for c in read_lines(tmp_path / "o.changes.jsonl")]
    assert fixes[:3] == [
        ("rename-key", "/question"),
        ("rename-key", "/answer"),
        ("drop-key", "/id"),
    ]


def test_role_option_maps_another_speaker(tmp_path):
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {
                "conversations": [
                    {"from": "Customer", "value": "Hi"},
                    {"from": "bot", "value": "Hello"},
                ]
            }
        ],
    )
    result = ftdata.convert(
        source, out=tmp_path / "o.jsonl", roles={"customer": "user", "BOT": "assistant"}
    )
    assert read_lines(result.targets.out)[0]["messages"][1] == {
        "role": "assistant",
        "content": "Hello",
    }


def test_alpaca_template_is_overridable(tmp_path):
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"instruction": "Add {input}", "input": "1 and 2", "output": "3"},
            {"instruction": "Say hi", "input": "", "output": "hi"},
        ],
    )
    out = tmp_path / "o.jsonl"
    assert (
        main(
            [
                "convert",
                str(source),
                "--out",
                str(out),
                "--template",
                "### Instruction:\\n{instruction}\\n### Input:\\n{input}",
                "--template-no-input",
                "### Instruction:\\n{instruction}",
            ]
        )
        == 0
    )
    prompts = [r["prompt"] for r in read_lines(out)]
    # Placeholders in the data are not filled again.
    assert prompts == [
        "### Instruction:\nAdd {input}\n### Input:\n1 and 2",
        "### Instruction:\nSay hi",
    ]
    assert (
        main(
            [
                "convert",
                str(source),
                "--out",
                str(tmp_path / "p.jsonl"),
                "--template",
                "no placeholder",
            ]
        )
        == 2
    )


def test_memory_stays_bounded_while_streaming(tmp_path, monkeypatch):
    from ftdata.reshape import stream

    rows = [{"instruction": f"q{i}", "output": f"a{i}"} for i in range(20_000)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    held = []
    verdict = stream.Run._verdict

    def spy(self, outcome):
        held.append(len(self._queue) + len(self._pending))
        verdict(self, outcome)

    monkeypatch.setattr(stream.Run, "_verdict", spy)
    result = ftdata.convert(source, out=tmp_path / "o.jsonl")
    assert result.summary.written == 20_000
    assert max(held) <= 2 * 4096  # one or two checker batches in flight, not the file


def readme_commands() -> list[list[str]]:
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Convert and fix", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def test_readme_convert_and_fix_block_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    codes = []
    for argv in readme_commands():
        assert argv[0] == "ftdata"
        codes.append(main(argv[1:]))
    out = capsys.readouterr().out
    assert codes == [0, 1, 0, 0, 0]  # the OpenAI file's tool-call examples are refused
    assert out.count(": clean") == 4 and "dry run: nothing written" in out
    prompts = read_lines(tmp_path / "prompts.jsonl")
    assert prompts[1]["prompt"].startswith("### Instruction:\nTranslate")


def test_a_parquet_table_is_converted_with_its_columns_mapped(tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "id": [1, 2, 3],
            "question": ["2+2?", "Capital of Peru?", ""],
            "answer": ["4", "Lima", "nothing asked"],
        }
    )
    pq.write_table(table, tmp_path / "qa.parquet")
    out = tmp_path / "qa.jsonl"
    code = main(
        [
            "convert",
            str(tmp_path / "qa.parquet"),
            "--map",
            "prompt=question,response=answer",
            "--out",
            str(out),
        ]
    )
    assert "detected format: columns" in capsys.readouterr().out
    assert read_lines(out) == [
        {"prompt": "2+2?", "response": "4"},
        {"prompt": "Capital of Peru?", "response": "Lima"},
    ]
    rejects = read_lines(tmp_path / "qa.rejects.jsonl")
    assert [(r["row"], r["codes"]) for r in rejects] == [(2, ["PR004"])] and code == 1
    changes = read_lines(tmp_path / "qa.changes.jsonl")
    assert {(c["row"], c["pointer"]) for c in changes if c["fix"] == "drop-key"} == {
        (0, "/id"),
        (1, "/id"),
        (2, "/id"),
    }


def test_a_sharegpt_parquet_table_is_detected_and_converted(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    turns = [[{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]]
    pq.write_table(pa.table({"conversations": turns}), tmp_path / "sg.parquet")
    result = ftdata.convert(tmp_path / "sg.parquet", out=tmp_path / "sg.jsonl")
    assert result.format == "sharegpt" and result.ok
    assert read_lines(tmp_path / "sg.jsonl") == [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    ]


def test_a_folder_that_is_no_table_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    assert (
        main(
            [
                "convert",
                str(tmp_path / "docs"),
                "--from",
                "alpaca",
                "--out",
                str(tmp_path / "o.jsonl"),
            ]
        )
        == 2
    )
    assert main(["fix", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert not (tmp_path / "o.jsonl").exists()
