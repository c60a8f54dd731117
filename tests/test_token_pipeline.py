"""The token pipeline (encode batch k while batch k + 1 is checked) changes no result."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLE_DATA

from ftdata.config import Settings
from ftdata.core.driver import Runner
from ftdata.core.options import Options
from ftdata.tokens.counting.batches import TokenSettings

DBRX = "databricks/dbrx-instruct"
MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"


def chats(count: int) -> list[dict]:
    """Several batches of chats: good ones, structural errors, duplicates, a long one."""
    rows = []
    for i in range(count):
        messages = [
            {"role": "user", "content": f"question {i % 700} " + "word " * (i % 50)},
            {"role": "assistant", "content": f"answer {i}"},
        ]
        if i % 97 == 0:
            messages = messages[:1]  # CH002 / CH011
        if i % 89 == 0:
            messages.insert(0, {"role": "system", "content": "be brief"})  # TK001 on Mistral
        if i % 83 == 0:
            messages[-1]["content"] = "long " * 1500  # TK003 at a 1,024-token context length
        rows.append({"messages": messages})
    return rows


def run(paths, tokens: TokenSettings, pipeline: bool):
    examples, rows = [], []
    runner = Runner(
        Options(Settings(), tokens),
        on_example=examples.append,
        on_row=rows.append,
        pipeline=pipeline,
    )
    runner.check(paths)  # the driver validate uses, with the pipeline on or off
    runner.finish()
    result = runner.result()
    verdicts = [(r.location, r.valid, r.codes, r.tokens.counts if r.tokens else None) for r in rows]
    return result.to_dict(), examples, verdicts


@pytest.mark.parametrize("model", [DBRX, MISTRAL])
def test_same_report_rows_and_callbacks_with_and_without_the_pipeline(tmp_path, model):
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in chats(1500)), encoding="utf-8")
    paths = [str(path), str(SAMPLE_DATA / "chat"), str(SAMPLE_DATA / "instruction")]
    tokens = TokenSettings(model=model, context_length=1024, per_role=True)
    plain = run(paths, tokens, pipeline=False)
    piped = run(paths, tokens, pipeline=True)
    assert piped == plain
    report = plain[0]
    assert report["summary"]["rows"] > 1500 and report["tokens"]["total"] > 0
    assert "TK003" in report["summary"]["by_code"]
