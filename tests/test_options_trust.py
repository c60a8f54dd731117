"""Option and configuration values never give an internal error (issue #11 item 24).

Every bad value (nan, inf, negative, huge, empty, a wrong TOML type, an
output the system refuses, a very long path) is a one-line usage error that
names the option, with exit 2; an empty chat template is a finding, not a
silent default. Property tests push edge values through every numeric and
path option and through every key of ``[tool.ftdata]``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.cli import main
from ftdata.errors import UsageError

EXAMPLE = '{"prompt": "What is 2+2?", "response": "4"}\n'
CHAT = (
    '{"messages": [{"role": "user", "content": "hi there"}, '
    '{"role": "assistant", "content": "hello you"}]}\n'
)
LONG = "a" * 5000


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "d.jsonl"
    path.write_text(EXAMPLE)
    return path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_usage_error(code: int, err: str, *names: str) -> None:
    """Exit 2 with exactly one line that names the option, and no internal error."""
    assert code == 2, err
    assert "internal error" not in err
    assert err.count("\n") == 1 and err.startswith("ftdata: error: "), err
    assert any(name in err for name in names), err


# --- each case the issue lists ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3", "1e400"])
def test_epochs_must_be_finite_and_positive(data, capsys, value):
    code, _, err = run(["validate", str(data), "--no-config", f"--epochs={value}"], capsys)
    assert_usage_error(code, err, "--epochs")


@pytest.mark.parametrize("option", ["--shard-mb", "--file-mb"])
@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "1e300"])
def test_prepare_sizes_must_be_finite_and_positive(data, tmp_path, capsys, option, value):
    argv = [
        "prepare",
        str(data),
        "--out",
        str(tmp_path / "out"),
        "--no-tokenize",
        f"{option}={value}",
    ]
    code, _, err = run(argv, capsys)
    assert_usage_error(code, err, option)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "output", ["{tmp}/missing/report.json", "/dev/full", "{tmp}/" + LONG, "{tmp}", ""]
)
def test_output_the_system_refuses(data, tmp_path, capsys, output):
    """A missing folder, a full disk, a name too long, a folder, an empty name."""
    argv = [
        "validate",
        str(data),
        "--no-config",
        "--format",
        "json",
        "--output",
        output.format(tmp=tmp_path),
    ]
    code, out, err = run(argv, capsys)
    assert_usage_error(code, err, "--output")
    assert len(err) < 300  # the 5,000-character path is quoted shortened
    assert out == ""


@pytest.mark.parametrize("out", ["/proc/ftdata-test-out", "{tmp}/" + LONG, ""])
def test_prepare_out_the_system_refuses(data, tmp_path, capsys, out):
    argv = ["prepare", str(data), "--out", out.format(tmp=tmp_path), "--format", "jsonl"]
    code, _, err = run(argv, capsys)
    assert_usage_error(code, err, "--out")
    assert len(err) < 300


def test_a_very_long_input_path(capsys):
    code, _, err = run(["validate", LONG, "--no-config"], capsys)
    assert_usage_error(code, err, "PATH")
    assert len(err) < 300


@pytest.mark.parametrize(
    "line",
    [
        'max-per-code = "abc"',
        "ignore = [1, 2]",
        'fail-on = ["error", "warning"]',
        "model = 7",
        "epochs = nan",
        "max-line-bytes = -1",
        'format = ["json"]',
        "per-role = 1",
        "context-length = inf",
        'severity = {DS002 = "loud"}',
        "select = 5",
    ],
)
def test_wrong_values_in_tool_ftdata(data, tmp_path, monkeypatch, capsys, line):
    (tmp_path / "pyproject.toml").write_text(f"[tool.ftdata]\n{line}\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate", str(data)], capsys)
    key = line.split(" ")[0]
    assert_usage_error(code, err, f"{key} in [tool.ftdata]")


def test_tool_ftdata_that_is_not_a_table(data, tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool]\nftdata = 5\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["validate", str(data)], capsys)
    assert_usage_error(code, err, "[tool.ftdata]")


def test_validate_empty_path_is_a_usage_error(tmp_path, monkeypatch, capsys):
    """`ftdata validate ''` used to validate the current folder."""
    (tmp_path / "d.jsonl").write_text(EXAMPLE)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["validate", ""], capsys)
    assert_usage_error(code, err, "PATH")
    assert out == ""
    with pytest.raises(UsageError):
        ftdata.validate("")
    with pytest.raises(UsageError):
        ftdata.validate(["d.jsonl", ""])


def test_library_keywords_are_checked_too(data):
    for keywords in (
        {"epochs": math.nan, "model": "x"},
        {"max_line_bytes": 0},
        {"keep_per_code": -1},
        {"context_length": 1.5},
        {"model": ""},
    ):
        with pytest.raises(UsageError, match="must be"):
            ftdata.validate(str(data), **keywords)


# --- an empty chat template is a finding -----------------------------------------------------


def _model_folder(root: Path, template: str | None) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["<unk>", "hi", "there", "hello", "you", "user", "assistant"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    root.mkdir()
    tokenizer.save(str(root / "tokenizer.json"))
    config = {} if template is None else {"chat_template": template}
    (root / "tokenizer_config.json").write_text(json.dumps(config))
    return root


def test_empty_chat_template_is_a_finding_not_a_default(tmp_path, capsys):
    """chat_template "" used to be replaced by ChatML silently; every chat is TK001 now."""
    pytest.importorskip("tokenizers")
    chats = tmp_path / "chats.jsonl"
    chats.write_text(CHAT * 2)
    real = "{% for m in messages %}{{ m.role }} {{ m.content }} {% endfor %}"
    for template, expected in (("", 2), ("  \n", 2), (real, 0), (None, 0)):
        folder = _model_folder(tmp_path / f"model{len(list(tmp_path.iterdir()))}", template)
        result = ftdata.validate(str(chats), tokenizer=str(folder), ignore=["DS"])
        found = [f for f in result.findings if f.code == "TK001"]
        assert len(found) == expected, (template, [f.message for f in result.findings])
        assert all("chat_template is empty" in f.message for f in found)
        assert result.invalid == expected
    code, out, _ = run(
        [
            "validate",
            str(chats),
            "--no-config",
            "--tokenizer",
            str(_model_folder(tmp_path / "empty-cli", "")),
        ],
        capsys,
    )
    assert code == 1 and "TK001" in out and "chat_template is empty" in out


# --- property tests: edge values through every option and every configuration key ----------

EDGE_TEXT = st.one_of(
    st.sampled_from(
        [
            "nan",
            "NaN",
            "inf",
            "-inf",
            "+inf",
            "-1",
            "0",
            "-0",
            "1",
            "0.5",
            "1e-9",
            "1e308",
            "1e400",
            str(10**30),
            str(-(10**30)),
            "",
            " ",
            "abc",
            "x=y",
            "CH013=error",
            "DS002=bad",
            "zstd:abc",
            "2024-13-45",
            "2026-01-01",
            "length>=3",
            LONG,
            "\x1b[2J",
            "/dev/full",
            "/proc/x/y",
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)

VALIDATE_OPTIONS = [
    "--max-per-code",
    "--max-line-bytes",
    "--context-length",
    "--epochs",
    "--date",
    "--severity",
    "--version",
    "--target-prompts",
    "--select",
    "--ignore",
    "--output",
    "--model",
    "--tokenizer",
    "--timestamp",
    "--storage-option",
    "--map",
    "--columns",
    "--id-column",
    "--fail-on",
    "--format",
    "--task",
    "--profile",
]
PREPARE_OPTIONS = [
    "--shard-mb",
    "--file-mb",
    "--eval-fraction",
    "--seed",
    "--context-length",
    "--compression",
    "--hash",
    "--out",
    "--date",
    "--target-prompts",
    "--model",
    "--task",
]


def _check_outcome(code: int, err: str, option: str, value: str) -> None:
    assert code in (0, 1, 2), (option, value, code)
    assert "internal error" not in err, (option, value, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1, (option, value, err)
        shown = value.strip()[:20]
        assert option in err or option.lstrip("-") in err or (shown and shown in err), (
            option,
            value,
            err,
        )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(option=st.sampled_from(VALIDATE_OPTIONS), value=EDGE_TEXT)
def test_validate_option_edge_values(tmp_path_factory, capsys, option, value):
    folder = tmp_path_factory.mktemp("opt")
    (folder / "d.jsonl").write_text(EXAMPLE)
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # a relative --output lands here
        code, _, err = run(["validate", "d.jsonl", "--no-config", f"{option}={value}"], capsys)
    _check_outcome(code, err, option, value)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(option=st.sampled_from(PREPARE_OPTIONS), value=EDGE_TEXT)
def test_prepare_option_edge_values(tmp_path_factory, capsys, option, value):
    folder = tmp_path_factory.mktemp("prep")
    data = folder / "d.jsonl"
    data.write_text(EXAMPLE)
    argv = ["prepare", str(data), "--format", "jsonl", "--quiet", f"{option}={value}"]
    if option != "--out":
        argv += ["--out", str(folder / "out")]
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # a relative --out lands here
        code, _, err = run(argv, capsys)
    _check_outcome(code, err, option, value)


TOML_VALUES = st.one_of(
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            -1,
            0,
            10**18,
            -(10**18),
            1e308,
            "",
            "abc",
            True,
            False,
            [],
            [1, 2],
            ["DS002"],
            {},
            {"DS002": "error"},
            {"a": 1},
            "2026-01-01",
            LONG,
        ]
    ),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=10),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
)
KEYS = [
    "task",
    "profile",
    "select",
    "ignore",
    "severity",
    "fail-on",
    "max-per-code",
    "keep-per-code",
    "max-line-bytes",
    "tasks",
    "format",
    "model",
    "tokenizer",
    "context-length",
    "epochs",
    "date",
    "target-responses",
    "target-prompts",
    "per-role",
]


def _toml(value) -> str:
    """A TOML literal for the few shapes above (tomllib reads; the stdlib writes none)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        # JSON escapes are TOML's, but for surrogate pairs (so keep non-ASCII) and DEL.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(KEYS), value=TOML_VALUES)
def test_configuration_edge_values(tmp_path_factory, capsys, key, value):
    folder = tmp_path_factory.mktemp("cfg")
    (folder / "d.jsonl").write_text(EXAMPLE)
    (folder / "pyproject.toml").write_text(f"[tool.ftdata]\n{key} = {_toml(value)}\n")
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        code, _, err = run(["validate", "d.jsonl"], capsys)
    shown = value if isinstance(value, str) else key
    _check_outcome(code, err, key, shown)


def test_per_example_records_go_to_output(tmp_path, capsys):
    """`stats --per-example --output F` used to print to stdout and ignore F silently."""
    pytest.importorskip("tokenizers")
    chats = tmp_path / "chats.jsonl"
    chats.write_text(CHAT * 3)
    template = "{% for m in messages %}{{ m.content }} {% endfor %}"
    folder = _model_folder(tmp_path / "model", template)
    target = tmp_path / "records.jsonl"
    argv = ["stats", str(chats), "--no-config", "--tokenizer", str(folder), "--per-example"]
    code, out, _ = run([*argv, "--output", str(target)], capsys)
    assert code in (0, 1) and out == ""
    assert [json.loads(line)["line"] for line in target.read_text().splitlines()] == [1, 2, 3]
    code, out, err = run([*argv, "--output", "/dev/full"], capsys)
    assert_usage_error(code, err, "--output")


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=40),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=4))),
)


@settings(max_examples=300, deadline=None)
@given(value=ANY_VALUE)
def test_every_check_returns_its_type_or_names_the_option(value):
    """Whatever the value, each check returns a value in range or raises one usage error line."""
    from ftdata import option_values as ov

    checks = {
        "whole": (lambda n, v: ov.whole(n, v, minimum=1), lambda r: isinstance(r, int) and r >= 1),
        "real": (
            lambda n, v: ov.real(n, v, above=0, maximum=10),
            lambda r: isinstance(r, float) and 0 < r <= 10,
        ),
        "text": (ov.text, lambda r: isinstance(r, str) and r.strip()),
        "path": (ov.path, lambda r: isinstance(r, str) and r and "\0" not in r),
        "codes": (ov.codes, lambda r: all(isinstance(c, str) and c for c in r)),
        "flag": (ov.flag, lambda r: isinstance(r, bool)),
        "table": (ov.table, lambda r: all(isinstance(v, str) for v in r.values())),
        "date": (ov.date, lambda r: hasattr(r, "isoformat")),
    }
    for kind, (check, valid) in checks.items():
        try:
            result = check("--some-option", value)
        except UsageError as exc:
            message = str(exc)
            assert message.startswith("--some-option") and "\n" not in message
            assert len(message) < 250
            continue
        assert valid(result), (kind, value, result)


def test_a_full_disk_in_prepare_names_the_out_folder(data, tmp_path, capsys, monkeypatch):
    """ENOSPC names no file: the message names --out and its folder, not an internal error."""
    import errno
    import importlib

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # The module (the package exports the function as ftdata.prepare).
    monkeypatch.setattr(importlib.import_module("ftdata.preparation"), "prepare", full_disk)
    out = tmp_path / "prepared"
    code, _, err = run(["prepare", str(data), "--out", str(out), "--format", "jsonl"], capsys)
    assert_usage_error(code, err, "--out")
    assert str(out) in err and "No space left on device" in err
