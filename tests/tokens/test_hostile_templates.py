"""Hostile content and hostile templates end in findings, never in a hang or a crash (issue 11, items 18-19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftdata.cli import main

# A pre-tokenizer regex with nested quantifiers: on a long word that is not
# followed by the end of the text, Oniguruma gives up after its retry limit
# and the tokenizers library panics (a Rust PanicException, a BaseException).
BACKTRACKING_SPLIT = r"(\w+\s?)*$"
PANIC_TEXT = "a" * 40 + "!"


def backtracking_tokenizer(folder: Path) -> Path:
    """A real tokenizer.json whose Split pre-tokenizer hits the regex engine's retry limit."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "a": 1, "hi": 2, "ok": 3}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(BACKTRACKING_SPLIT), behavior="isolated")
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    return folder


def _report(argv: list[str], capsys) -> tuple[int, dict]:
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _codes_by_line(report: dict) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["location"]["line"], set()).add(finding["code"])
    return found


@pytest.mark.parametrize("task", ["chat", "instruction"])
def test_tokenizer_panic_is_a_finding_on_the_example(tmp_path, capsys, task) -> None:
    """Item 19: the panicking example gets TK009, the others are counted, the run goes on."""
    folder = backtracking_tokenizer(tmp_path / "tok")
    if task == "chat":
        rows = [{"messages": [{"role": "user", "content": text},
                              {"role": "assistant", "content": "ok"}]}
                for text in ("hi", PANIC_TEXT, "hi hi")]
    else:
        rows = [{"prompt": text, "response": "ok"} for text in ("hi", PANIC_TEXT, "hi hi")]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, report = _report(["validate", str(data), "--tokenizer", str(folder)], capsys)
    assert code == 1
    by_line = _codes_by_line(report)
    assert "TK009" in by_line.get(2, set())
    assert "TK009" not in by_line.get(1, set()) | by_line.get(3, set())
    assert report["summary"]["invalid"] == 1 and report["summary"]["valid"] == 2
    assert report["tokens"]["by_task"][task]["per_example"]["count"] == 2


def _real_panic() -> BaseException:
    """The PanicException the tokenizers library raises, caught from a real panic."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(BACKTRACKING_SPLIT), behavior="isolated")
    try:
        tok.encode_batch([PANIC_TEXT])
    except BaseException as exc:  # noqa: BLE001 - the panic is a BaseException
        return exc
    raise AssertionError("the backtracking pattern did not make the tokenizer panic")


def test_the_panic_is_recognised_and_only_the_panic() -> None:
    from ftdata.tokens.safe_encode import EncoderPanic, guarded, is_panic

    panic = _real_panic()
    assert not isinstance(panic, Exception) and is_panic(panic)
    assert not is_panic(KeyboardInterrupt()) and not is_panic(ValueError("x"))

    def raising(exc):
        raise exc

    with pytest.raises(EncoderPanic, match="retry-limit"):
        guarded(raising, panic)
    with pytest.raises(KeyboardInterrupt):
        guarded(raising, KeyboardInterrupt())


def test_tokenizer_panic_on_a_document_is_a_finding(tmp_path, capsys) -> None:
    folder = backtracking_tokenizer(tmp_path / "tok")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("hi ok " * 10)
    (corpus / "b.txt").write_text(PANIC_TEXT)
    code, report = _report(["validate", str(corpus), "--tokenizer", str(folder)], capsys)
    assert code == 1
    failed = [f for f in report["findings"] if f["code"] == "TK009"]
    assert [Path(f["location"]["source"]).name for f in failed] == ["b.txt"]
    assert report["summary"]["valid"] == 1 and report["summary"]["invalid"] == 1


def test_tokenizer_panic_with_per_role_counts(tmp_path, capsys) -> None:
    """The role contents are encoded alone too (--per-role): a panic there fails its example only."""
    folder = backtracking_tokenizer(tmp_path / "tok")
    rows = [{"prompt": text, "response": "ok"} for text in ("hi", PANIC_TEXT)]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, report = _report(["validate", str(data), "--tokenizer", str(folder), "--per-role"], capsys)
    assert code == 1 and _codes_by_line(report)[2] == {"TK009"}
    assert report["tokens"]["by_task"]["instruction"]["per_role"]["prompt"]["count"] == 1


def test_prepare_skips_the_example_the_tokenizer_fails_on(tmp_path, capsys) -> None:
    folder = backtracking_tokenizer(tmp_path / "tok")
    rows = [{"prompt": text, "response": "ok"} for text in ("hi", PANIC_TEXT, "ok")]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    code = main(["prepare", str(data), "--out", str(out), "--tokenizer", str(folder),
                 "--format", "jsonl", "--quiet"])
    capsys.readouterr()
    assert code == 0  # prepare leaves invalid examples out and says so in the manifest
    written = [json.loads(line) for p in sorted(out.rglob("*.jsonl")) for line in p.open()]
    assert sorted(r["prompt"] for r in written) == ["hi", "ok"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["examples"]["left_out_by_reason"] == {"TK009": 1}
