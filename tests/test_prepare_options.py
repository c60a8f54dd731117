"""prepare takes one Options object; the keyword path records exactly what it always did."""

from __future__ import annotations

import pytest
from prepare_data import chats, instructions, tree_bytes, write

from ftdata import prepare
from ftdata.core.options import build_options
from ftdata.errors import UsageError


def test_keywords_record_the_same_manifest_options_as_before(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(10))
    done = prepare(data, out=tmp_path / "out", format="jsonl", task="instruction", seed=2)
    assert done.manifest["options"] == {
        "format": "jsonl",
        "model": None,
        "tokenizer": None,
        "context_length": None,
        "tokenize": True,
        "eval_fraction": 0.0,
        "seed": 2,
        "dedupe": False,
        "strict": False,
        "compression": "zstd",
        "hashes": ["sha1"],
        "shard_bytes": 1 << 26,
        "file_bytes": done.manifest["options"]["file_bytes"],
        "pad_last_window": False,
        "rename_completion": False,
        "task": "instruction",
        "profile": None,
        "date": None,
        "target_responses": None,
        "target_prompts": None,
    }


def test_an_options_object_writes_what_the_keywords_write(tmp_path):
    data = write(tmp_path / "c.jsonl", chats(30))
    by_keywords = prepare(data, out=tmp_path / "a", format="jsonl", profile="llm-foundry")
    options = build_options(profile="llm-foundry")
    by_options = prepare(data, out=tmp_path / "b", format="jsonl", options=options)
    assert by_options.status == by_keywords.status == "written"
    assert by_options.result.summary == by_keywords.result.summary
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert {k: v for k, v in first.items() if k != "manifest.json"} == {
        k: v for k, v in second.items() if k != "manifest.json"
    }
    again = prepare(data, out=tmp_path / "b", format="jsonl", options=options)
    assert again.status == "skipped"


def test_rule_settings_of_an_options_object_are_recorded_and_applied(tmp_path):
    rows = chats(20) + [{"messages": [{"role": "user", "content": "alone"}]}]
    data = write(tmp_path / "c.jsonl", rows)
    strict = prepare(data, out=tmp_path / "a", format="jsonl")
    lenient = prepare(
        data, out=tmp_path / "b", format="jsonl", options=build_options(ignore=["CH002", "CH011"])
    )
    assert lenient.manifest["options"]["rules"] == {"ignore": ["CH002", "CH011"]}
    assert "rules" not in strict.manifest["options"]
    written = lenient.manifest["examples"]["written"]
    assert written == strict.manifest["examples"]["written"] + 1


def test_options_and_checking_keywords_together_are_refused(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(3))
    with pytest.raises(UsageError, match="not both"):
        prepare(data, out=tmp_path / "o", format="jsonl", task="chat", options=build_options())
