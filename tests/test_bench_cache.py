"""The cache benchmark's helpers: the one-line edit and the report check."""

from __future__ import annotations

import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from cache_edit import edit_middle_line  # noqa: E402
from cache_jobs import compare  # noqa: E402

CHAT = {
    "messages": [
        {"role": "user", "content": "tell me about birds please"},
        {"role": "assistant", "content": "they fly"},
    ]
}


def test_edit_changes_one_line_and_keeps_json(tmp_path):
    path = tmp_path / "chat.jsonl"
    lines = [json.dumps(CHAT, separators=(",", ":")) for _ in range(9)]
    path.write_text("".join(line + "\n" for line in lines))
    change = edit_middle_line(path, "zqa")
    after = path.read_text().splitlines()
    assert change["added_bytes"] == 3
    assert sum(a != b for a, b in zip(lines, after, strict=True)) == 1
    assert all(json.loads(line) for line in after)
    assert "aboutzqa" in path.read_text()


def test_compare_drops_run_dependent_keys_only(tmp_path):
    base = {"summary": {"rows": 2}, "elapsed_seconds": 1.5, "cache": {"hits": 0}}
    (tmp_path / "a.json").write_text(json.dumps(base))
    (tmp_path / "b.json").write_text(json.dumps({**base, "elapsed_seconds": 0.1}))
    (tmp_path / "c.json").write_text(json.dumps({**base, "summary": {"rows": 3}}))
    same = compare(tmp_path / "b.json", tmp_path / "a.json")
    assert same["verdict"] == "MATCH" and same["removed"] == [".cache", ".elapsed_seconds"]
    differ = compare(tmp_path / "c.json", tmp_path / "a.json")
    assert differ["verdict"] == "DIFF" and ".summary.rows" in differ["where"]


def test_hook_results_keep_the_install_time_where_the_readme_test_reads_it():
    """hook_run.py wrapped the install time onto the next line: the README check found none."""
    import re

    from hook_run import markdown

    for seconds in (12.2, 117.0, 1234.0):
        text = markdown(
            {"python": "3.11", "cpus": 2, "load": 0.5, "runs": {}, "first_install_s": seconds}
            | {"hook_env_mb": 673}
        )
        assert re.search(r"\): (\d+) s;", text).group(1) == f"{seconds:.0f}"
        assert re.search(r"takes (\d+) MB", text).group(1) == "673"
