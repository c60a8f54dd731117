"""Split by content hash, dedupe, eval-in-train (DS009), and manifest counts that add up."""

from __future__ import annotations

import json

from mds_reader import read_dataset
from prepare_data import DBRX, chats, instructions, write

from ftdata import prepare
from ftdata.writers.split import Splitter


def _lines(folder):
    return [line for f in sorted(folder.glob("*.jsonl")) for line in f.read_text().splitlines()]


def test_split_is_by_content_not_by_order(tmp_path):
    records = instructions(200)
    a = write(tmp_path / "a.jsonl", records)
    b = write(tmp_path / "b.jsonl", list(reversed(records)))
    prepare(a, out=tmp_path / "oa", format="jsonl", eval_fraction=0.25, seed=1)
    prepare(b, out=tmp_path / "ob", format="jsonl", eval_fraction=0.25, seed=1)
    eval_a = set(_lines(tmp_path / "oa" / "eval"))
    assert eval_a == set(_lines(tmp_path / "ob" / "eval"))
    assert 25 <= len(eval_a) <= 75  # about a quarter of 200
    assert not eval_a & set(_lines(tmp_path / "oa" / "train"))
    prepare(a, out=tmp_path / "oc", format="jsonl", eval_fraction=0.25, seed=2)
    assert set(_lines(tmp_path / "oc" / "eval")) != eval_a  # the seed changes the split


def test_dedupe_removes_exact_duplicates_and_counts_them(tmp_path):
    records = instructions(10)
    data = write(tmp_path / "d.jsonl", records + records[:4] + [records[0]])
    kept = prepare(data, out=tmp_path / "keep", format="jsonl")
    assert kept.manifest["examples"]["written"] == 15  # without --dedupe, duplicates stay
    done = prepare(data, out=tmp_path / "dedupe", format="jsonl", dedupe=True)
    examples = done.manifest["examples"]
    assert examples["written"] == 10 and examples["left_out_by_reason"] == {"duplicate": 5}
    lines = _lines(tmp_path / "dedupe" / "train")
    assert len(set(lines)) == len(lines) == 10


def test_an_eval_prompt_also_in_train_is_a_finding(tmp_path):
    records = instructions(300)
    # The same prompts again with other answers: they hash to either side independently.
    records += [{"prompt": r["prompt"], "response": r["response"] + " Sure."} for r in records]
    data = write(tmp_path / "leak.jsonl", records)
    done = prepare(data, out=tmp_path / "o", format="jsonl", eval_fraction=0.3)
    leaks = [f for f in done.result.findings if f.code == "DS009"]
    assert leaks and all(f.location.line is not None for f in leaks)
    assert done.manifest["findings_by_code"]["DS009"] == done.result.by_code["DS009"]
    clean = prepare(
        write(tmp_path / "c.jsonl", instructions(300)),
        out=tmp_path / "c",
        format="jsonl",
        eval_fraction=0.3,
    )
    assert "DS009" not in clean.result.by_code


def test_splitter_without_eval_is_all_train():
    splitter = Splitter()
    assert {splitter.assign("instruction", r, {}) for r in instructions(20)} == {"train"}
    assert splitter.leaks() == []


def test_manifest_counts_add_up(tmp_path):
    records = chats(30)
    records[2] = {"messages": [{"role": "assistant", "content": "no user"}]}  # CH error
    records[5] = {
        "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
        "id": 1,
    }
    records += [records[7], "{broken", '{"prompt": "a", "response": "b"}']  # dup, LD, SC002
    data = write(tmp_path / "m.jsonl", records)
    done = prepare(
        data, out=tmp_path / "o", model=DBRX, context_length=250, dedupe=True, eval_fraction=0.2
    )
    examples, tokens = done.manifest["examples"], done.manifest["tokens"]
    assert examples["in"] == done.result.rows == 33
    assert examples["in"] == examples["written"] + examples["left_out"]
    assert examples["left_out"] == sum(examples["left_out_by_reason"].values())
    assert examples["written"] == sum(examples["written_by_split"].values())
    reasons = examples["left_out_by_reason"]
    assert reasons["duplicate"] == 1 and reasons["unparsed"] == 2 and reasons["SC003"] == 1
    assert tokens["dropped_examples"] == reasons.get("dropped:no_trainable_tokens", 0) > 0
    written = sum(len(read_dataset(tmp_path / "o" / side)) for side in ("train", "eval"))
    assert written == examples["written"]
    assert sum(s["samples"] for s in done.manifest["shards"]) == written
    for shard in done.manifest["shards"]:
        assert (tmp_path / "o" / shard["path"]).stat().st_size == shard["bytes"]
    inputs = done.manifest["inputs"]
    assert inputs[0]["bytes"] == data.stat().st_size and len(inputs[0]["sha256"]) == 64
    assert json.loads((tmp_path / "o" / "manifest.json").read_text()) == done.manifest
