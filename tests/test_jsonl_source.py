"""Bad input is a finding with its line, never a traceback and never a silent skip."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest
import zstandard
from conftest import triples

import ftdata
from ftdata.errors import UsageError

GOOD = (
    '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}'
)


def check(tmp_path, data: bytes, name="d.jsonl", **options):
    path = tmp_path / name
    path.write_bytes(data)
    return ftdata.validate(str(path), **options)


def test_line_numbers_count_every_physical_line(tmp_path):
    data = f"{GOOD}\n\nnot json\n{GOOD.replace('hello', 'hey')}\n".encode()
    result = check(tmp_path, data)
    assert triples(result) == {(2, "LD009", ""), (3, "LD001", "")}
    assert (result.rows, result.valid, result.invalid) == (3, 2, 1)


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"[1, 2]", "LD002"),
        (b'"just a string"', "LD002"),
        (b"42", "LD002"),
        (b"null", "LD002"),
        (b'{"prompt": "a", "response": NaN}', "LD005"),
        (b'{"prompt": "a", "response": Infinity}', "LD005"),
        (b'{"prompt": "caf\xe9", "response": "b"}', "LD003"),
        (b'{"prompt": "a", "prompt": "b", "response": "c"}', "LD006"),
        (b'{"prompt": "a" , "prompt" : "b", "response": "c"}', "LD006"),
        (b"[" * 5000 + b"]" * 5000, "LD007"),
        (b"{'prompt': 'single quotes'}", "LD001"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_lines_are_named(tmp_path, line, code):
    result = check(tmp_path, GOOD.encode() + b"\n" + line + b"\n")
    assert code in result.by_code
    assert any(f.code == code and f.location.line == 2 for f in result.findings)
    assert (result.rows, result.invalid) == (2, 1)


def test_duplicate_key_detection_ignores_colons_inside_strings(tmp_path):
    tricky = {"prompt": 'say "a": 1 and \\": 2', "response": '{"k": "v", "k": "w"}'}
    result = check(tmp_path, (json.dumps(tricky) + "\n").encode())
    assert result.ok and not result.findings


def test_truncated_last_line(tmp_path):
    result = check(tmp_path, (GOOD + "\n" + GOOD[:40]).encode())
    assert triples(result) == {(2, "LD004", "")}


def test_last_line_without_newline_is_fine(tmp_path):
    assert check(tmp_path, GOOD.encode()).ok


def test_bom_and_crlf(tmp_path):
    data = b"\xef\xbb\xbf" + GOOD.encode() + b"\r\n" + GOOD.replace("hi", "yo").encode() + b"\r\n"
    result = check(tmp_path, data)
    assert triples(result) == {(1, "LD010", "")}
    assert result.ok and result.valid == 2


def test_empty_file(tmp_path):
    result = check(tmp_path, b"")
    assert {"LD011", "DS001"} <= set(result.by_code) and not result.ok
    assert result.rows == 0


def test_huge_line_is_reported_without_parsing(tmp_path):
    big = b'{"prompt": "' + b"x" * (100 * 1024 * 1024) + b'", "response": "y"}'
    result = check(tmp_path, GOOD.encode() + b"\n" + big + b"\n" + GOOD.replace("hi", "a").encode())
    assert triples(result) == {(2, "LD008", "")}
    assert (result.rows, result.valid) == (3, 2)


def test_line_limit_is_configurable(tmp_path):
    result = check(tmp_path, (GOOD + "\n").encode(), max_line_bytes=10)
    assert set(result.by_code) >= {"LD008"}


def test_gzip_and_zstd(tmp_path):
    body = (GOOD + "\nbroken\n").encode()
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(body))
    zst = tmp_path / "b.jsonl.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(body))
    for path in (gz, zst):
        assert triples(ftdata.validate(str(path))) == {(2, "LD001", "")}


def test_corrupt_gzip_is_a_finding(tmp_path):
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(((GOOD + "\n") * 1000).encode())[:200])
    result = ftdata.validate(str(gz))
    assert "LD012" in result.by_code and not result.ok


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        ftdata.validate(str(tmp_path / "nope.jsonl"))


def test_globs_and_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.jsonl", "sub/b.jsonl"):
        (tmp_path / name).write_text(GOOD + "\n")
    assert ftdata.validate(str(tmp_path)).rows == 2
    assert ftdata.validate(str(tmp_path / "**" / "*.jsonl")).rows == 2


def test_duplicates_across_files_name_the_first_copy(tmp_path):
    (tmp_path / "a.jsonl").write_text(GOOD + "\n")
    (tmp_path / "b.jsonl").write_text("\n" + GOOD + "\n")
    result = ftdata.validate(str(tmp_path))
    (finding,) = result.findings[1:]  # the first finding is b's blank line
    assert finding.code == "DS002" and finding.location.line == 2
    assert finding.message.endswith("a.jsonl line 1")


def test_stdin():
    proc = subprocess.run(
        [sys.executable, "-m", "ftdata", "validate", "-", "--format", "json"],
        input=(GOOD + "\n{bad\n").encode(),
        capture_output=True,
        check=False,
    )
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert report["findings"][0]["location"] == {
        "source": "<stdin>",
        "line": 2,
        "row": None,
        "version": None,
        "pointer": "",
        "file": None,
        "key": None,
    }
