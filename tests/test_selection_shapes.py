"""What a selection switches off never feeds the token stage a shape it cannot read.

With ``--select DS`` (or ``TK``) the structural rules report nothing, but an example
they would reject (``messages`` not a list of messages, a missing or non-string field)
must still not reach the tokenizer, nor a conversation with no assistant turn reach turn
cutting: it ended as an internal error (IndexError, KeyError, TypeError). It is now an
example that is never valid, whatever the selection, as for lines that never parse (issue 11
item 16).
"""

from __future__ import annotations

import json

import pytest

from ftdata.cli import main

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"

BROKEN = [
    {"messages": ["hi"]},
    {"messages": "hi"},
    {"messages": [{"role": "user"}]},
    # Well-formed messages, but no assistant turn: they reach the token stage, which names
    # them (TK001) when TK is selected; with DS alone nothing reported makes them invalid.
    {"messages": [{"role": "user", "content": "Hi"}]},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]},
    {"prompt": 5, "response": "x"},
    {"prompt": "a"},
]


@pytest.mark.parametrize("example", BROKEN, ids=lambda e: json.dumps(e)[:40])
@pytest.mark.parametrize("select", ["DS", "TK", "DS,TK"])
def test_a_shape_the_selection_ignores_never_reaches_the_tokenizer(
    tmp_path, capsys, example, select
):
    pytest.importorskip("mistral_common")
    path = tmp_path / "c.jsonl"
    good = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}
    task_good = good if "messages" in example else {"prompt": "a", "response": "b"}
    path.write_text(json.dumps(task_good) + "\n" + json.dumps(example) + "\n", encoding="utf-8")
    code = main(
        [
            "validate",
            str(path),
            "--model",
            MISTRAL,
            "--profile",
            "llm-foundry",
            "--format",
            "json",
            "--select",
            select,
        ]
    )
    captured = capsys.readouterr()
    assert "internal error" not in captured.err and code in (0, 1), captured.err
    summary = json.loads(captured.out)["summary"]
    reaches_tokens = example in BROKEN[3:5]
    invalid = 1 if not reaches_tokens or "TK" in select else 0
    assert (summary["rows"], summary["valid"], summary["invalid"]) == (2, 2 - invalid, invalid)


def test_the_token_stage_names_a_conversation_it_cannot_cut_into_turns():
    """The token stage itself refuses a conversation it cannot cut into turns."""
    from ftdata.tokens.chat_templates.turns import unsplittable

    assert "no assistant message" in unsplittable([{"role": "user", "content": "Hi"}])
    assert "first message is from the assistant" in unsplittable(
        [{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "?"}]
    )
    assert (
        unsplittable([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}])
        is None
    )
