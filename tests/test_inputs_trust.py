"""Inputs are never read wrong without a word (issue 11, items 10-17).

Each test names the item it guards. Unreadable entries are simulated by
running the CLI as the ``nobody`` user when the tests run as root (root reads
through ``chmod 000``), see :func:`run_cli`.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib

import pytest

import ftdata
from ftdata.cli import main

GOOD = '{"prompt": "p%d", "response": "r"}'


def lines(count: int, start: int = 0) -> bytes:
    """``count`` distinct valid instruction lines."""
    return "".join(GOOD % i + "\n" for i in range(start, start + count)).encode()


def summary(result) -> tuple[int, int, int]:
    """(rows, valid, invalid)."""
    return result.rows, result.valid, result.invalid


# -- item 13: corrupt gzip is LD012 on the line reached, never an internal error -----------------

def _flipped_gzip(data: bytes, offset: int) -> bytes:
    packed = bytearray(gzip.compress(data))
    packed[offset] ^= 0xFF
    return bytes(packed)


@pytest.mark.parametrize("offset", [30, 200, 1000, -12, -6])
def test_corrupt_gzip_is_a_finding_not_an_internal_error(tmp_path, capsys, offset):
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(_flipped_gzip(lines(3000), offset))
    result = ftdata.validate(str(path))
    assert "LD012" in result.by_code
    found = [f for f in result.findings if f.code == "LD012"]
    assert found[0].location.line is not None and found[0].location.line >= 1
    assert result.rows == result.valid + result.invalid
    assert main(["validate", str(path)]) == 1
    assert "internal error" not in capsys.readouterr().err


def test_gzip_decompression_error_is_caught_where_the_stream_is_read():
    from ftdata.sources.lines import ReadFailure, iter_lines

    class Broken:
        def read(self, size):
            raise zlib.error("Error -3 while decompressing data: invalid code lengths set")

    with pytest.raises(ReadFailure) as caught:
        list(iter_lines(Broken(), 1000))
    assert caught.value.line == 1 and "Error -3" in caught.value.reason


# -- item 15: integers beyond 64 bits are valid JSON, read exactly -------------------------------

@pytest.mark.parametrize("digits", [20, 40, 309, 1000, 4300])
def test_big_integers_are_valid_json_and_read_exactly(tmp_path, digits):
    number = int("9" * digits)
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "response": "b", "n": %d}\n' % number)
    result = ftdata.validate(str(path), ignore=["SC003"])
    assert not {"LD001", "LD004"} & set(result.by_code)
    assert summary(result) == (1, 1, 0)
    from ftdata.sources.jsonl import JsonlSource

    (batch,) = JsonlSource(str(path), max_line_bytes=1 << 20).batches()
    assert batch.values[0]["n"] == number  # not a float rounded by the fast parser


def test_integer_longer_than_python_reads_has_its_own_finding(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "response": "b", "n": %s}\n' % ("7" * 5000))
    result = ftdata.validate(str(path), ignore=["SC003"])
    assert "LD001" not in result.by_code
    (finding,) = [f for f in result.findings if f.location.line == 1]
    assert finding.code == "LD018" and "5,000 digits" in finding.message
    assert summary(result) == (1, 0, 1)


def test_digits_inside_strings_keep_their_value(tmp_path):
    record = {"prompt": "call 123456789012345678901234", "response": "ok", }
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(record) + "\n")
    from ftdata.sources.jsonl import JsonlSource

    (batch,) = JsonlSource(str(path), max_line_bytes=1 << 20).batches()
    assert batch.values == [record]


def test_nan_stays_invalid_when_the_line_also_has_long_digits(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "response": "b", "n": 123456789012345678901234, "x": NaN}\n')
    assert "LD005" in ftdata.validate(str(path)).by_code


# -- item 16: a line that never became an example is never valid --------------------------------

@pytest.mark.parametrize("select", [["CH013"], ["DS*"], ["SC001"]])
def test_selection_does_not_make_unparsed_lines_valid(tmp_path, select):
    path = tmp_path / "d.jsonl"
    path.write_bytes(lines(2) + b"not json\n[1, 2]\n" + b'{"unknown": 1}\n')
    full = ftdata.validate(str(path))
    selected = ftdata.validate(str(path), select=select)
    assert summary(full) == (5, 2, 3)
    assert summary(selected) == (5, 2, 3)


def test_selection_does_not_make_an_unreadable_document_valid(tmp_path, monkeypatch):
    from ftdata.sources import text

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("fine text\n")
    (corpus / "b.txt").write_text("never read\n")
    real = text.read_document

    def read(path):
        if path.name == "b.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(text, "read_document", read)
    for select in (None, ["TX*"]):
        result = ftdata.validate(str(corpus), select=select)
        assert summary(result) == (2, 1, 1)
