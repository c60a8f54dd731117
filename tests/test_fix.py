"""ftdata fix: the fixes the rules declare, safe by default, opt-in on request (issue 17)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from conftest import assert_golden, write_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.cli import main
from ftdata.reshape.fixes import FIXERS, STREAM_FIXES
from ftdata.rules import catalog

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def chat(*turns: tuple[str, str], **extra) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


U, A, S = "user", "assistant", "system"
CASES = [
    chat((U, "Hi"), (A, "Hello")),  # 1 valid
    chat((" User", "Hi"), ("ASSISTANT", "Hello there")),  # 2 CH006
    {"id": 3, **chat((U, "2+2?"), (A, "4"))},  # 3 SC003
    {
        "messages": [
            {"role": U, "content": "q", "name": "ann"},
            {"role": A, "content": "a", "weight": 1},
        ]
    },  # 4 CH005
    chat((U, "Hi"), (A, "Hello")),  # 5 DS002 (of 1)
    chat((U, "a"), (U, "b"), (A, "c")),  # 6 CH009
    chat((U, "a"), (A, "b"), (U, "trailing")),  # 7 CH011
    chat((S, "Be brief."), (U, "Why?"), (A, "Because.")),  # 8 TK001 with Mistral
    chat((S, " "), (U, "x"), (A, "y")),  # 9 CH013: empty system
    chat((U, "x"), (A, "")),  # 10 CH012
    {"prompt": "", "response": "r"},  # 11 PR004 (other task)
    chat(("bot", "x"), (A, "y")),  # 12 not fixable
]


def run_fix(tmp_path: Path, records, *args: str) -> tuple[int, Path]:
    source = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.jsonl"
    return main(["fix", str(source), "--out", str(out), *args]), out


def snapshot(tmp_path: Path, out: Path) -> str:
    parts = []
    for name in ("out.jsonl", "out.rejects.jsonl", "out.changes.jsonl"):
        text = (tmp_path / name).read_text(encoding="utf-8").replace(str(tmp_path) + "/", "")
        parts.append(f"== {name}\n{text}")
    return "\n".join(parts)


def test_every_fixable_rule_has_its_fix_and_every_fix_its_rule():
    declared = {r.code for r in catalog.all_rules() if r.fix is not None}
    assert declared == set(FIXERS) | set(STREAM_FIXES)
    assert {r.code for r in catalog.all_rules() if r.fix == "safe"} == {
        "CH005",
        "CH006",
        "DS002",
        "LD010",
        "SC003",
    }


def test_rules_lists_the_fixable_column(capsys):
    assert main(["rules"]) == 0
    listing = {line[:5]: line for line in capsys.readouterr().out.splitlines()}
    assert " safe " in listing["CH006"] and " opt-in " in listing["CH009"]
    assert " - " in listing["CH001"]
    assert main(["rules", "CH009"]) == 0
    assert "fixable: opt-in" in capsys.readouterr().out


def test_safe_fixes_by_default(tmp_path, capsys):
    # Without case 10: whether an empty final reply is an error is CH012's severity to say.
    code, out = run_fix(tmp_path, CASES[:9] + CASES[10:])
    assert code == 1  # examples were rejected
    assert "validated" in capsys.readouterr().out
    assert_golden(snapshot(tmp_path, out), "fix_safe.txt")
    rejects = {r["line"]: r["codes"] for r in read_lines(tmp_path / "out.rejects.jsonl")}
    assert rejects[5] == ["DS002"] and rejects[10] == ["SC002"] and rejects[11] == ["CH006"]
    assert 6 in rejects and 7 in rejects
    assert main(["validate", str(out)]) == 0


def test_unsafe_fixes_with_a_model_that_rejects_system_messages(tmp_path, capsys):
    records = [r for r in CASES if "messages" in r]  # one task per file
    code, out = run_fix(
        tmp_path, records, "--unsafe-fixes", "--model", MISTRAL, "--context-length", "32"
    )
    capsys.readouterr()
    assert_golden(snapshot(tmp_path, out), "fix_unsafe.txt")
    written = read_lines(out)
    assert all(m["role"] != "system" for w in written for m in w["messages"])
    rejects = {r["line"]: r["codes"] for r in read_lines(tmp_path / "out.rejects.jsonl")}
    assert "CH012" in rejects[10]  # dropped on purpose, whatever CH012's severity
    assert main(["validate", str(out), "--model", MISTRAL, "--context-length", "32"]) == 0


def test_opt_in_fixes_only_when_asked(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [chat((U, "a"), (U, "b"), (A, "c"))])
    plain = ftdata.fix(source, out=tmp_path / "a.jsonl")
    merged = ftdata.fix(source, out=tmp_path / "b.jsonl", fixes=["repeated-role"])
    assert plain.summary.rejected == 1 and merged.summary.written == 1
    assert read_lines(tmp_path / "b.jsonl")[0]["messages"][0] == {"role": U, "content": "a\n\nb"}


def test_system_is_folded_only_for_a_template_that_rejects_it(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [chat((S, "s"), (U, "u"), (A, "a"))])
    kept = ftdata.fix(source, out=tmp_path / "a.jsonl", fixes=["TK001"])
    assert read_lines(tmp_path / "a.jsonl")[0]["messages"][0]["role"] == S and kept.clean


def test_bom_and_crlf_are_normalised_and_logged(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(chat((U, "q"), (A, "a"))).encode() + b"\r\n")
    result = ftdata.fix(source, out=tmp_path / "o.jsonl")
    assert (
        (tmp_path / "o.jsonl").read_bytes() == b'{"messages":[{"role":"user","content":"q"},'
        b'{"role":"assistant","content":"a"}]}\n'
    )
    fixes = [c["fix"] for c in read_lines(tmp_path / "o.changes.jsonl")]
    assert fixes == ["remove-byte-order-mark", "crlf-to-lf"] and result.ok


def test_unknown_fix_is_a_usage_error(tmp_path, capsys):
    code, _ = run_fix(tmp_path, [chat((U, "a"), (A, "b"))], "--fix", "CH001")
    assert code == 2 and "names no fixable rule" in capsys.readouterr().err


# --- properties ------------------------------------------------------------------------------

TEXT = st.text(min_size=1, max_size=30).filter(lambda t: t.strip())


@st.composite
def valid_examples(draw) -> dict:
    if draw(st.booleans()):
        return {"prompt": draw(TEXT), draw(st.sampled_from(["response", "completion"])): draw(TEXT)}
    turns = [(S, draw(TEXT))] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 3))):
        turns += [(U, draw(TEXT)), (A, draw(TEXT))]
    return chat(*turns)


ROLES = st.sampled_from(["user", "assistant", "system", "User", " assistant ", "bot", "tool", ""])
VALUES = st.one_of(st.text(max_size=8), st.none(), st.integers(), st.lists(st.text(max_size=3)))
MESSAGE = st.one_of(
    st.fixed_dictionaries(
        {"role": ROLES, "content": st.one_of(st.text(max_size=10), VALUES)},
        optional={"name": st.text(max_size=3), "weight": st.integers(0, 1)},
    ),
    VALUES,
)


@st.composite
def any_examples(draw) -> dict:
    example = draw(
        st.one_of(
            st.fixed_dictionaries({"messages": st.one_of(st.lists(MESSAGE, max_size=5), VALUES)}),
            st.fixed_dictionaries({"prompt": VALUES, "response": VALUES}),
        )
    )
    example.update(
        draw(st.dictionaries(st.sampled_from(["id", "meta", "completion"]), VALUES, max_size=2))
    )
    return example


@SETTINGS
@given(example=valid_examples(), unsafe=st.booleans())
def test_fix_changes_nothing_in_a_valid_example(example, unsafe):
    assert ftdata.validate([example]).ok
    with tempfile.TemporaryDirectory() as folder:
        source = write_jsonl(Path(folder) / "in.jsonl", [example])
        result = ftdata.fix(source, out=Path(folder) / "out.jsonl", unsafe_fixes=unsafe)
        assert read_lines(Path(folder) / "out.jsonl") == [example]
        assert (Path(folder) / "out.changes.jsonl").read_text() == ""
        assert result.summary.written == 1 and result.ok


@SETTINGS
@given(examples=st.lists(any_examples(), min_size=1, max_size=4), unsafe=st.booleans())
def test_fix_output_validates_clean_or_lands_in_rejects(examples, unsafe):
    with tempfile.TemporaryDirectory() as folder:
        source = write_jsonl(Path(folder) / "in.jsonl", examples)
        result = ftdata.fix(source, out=Path(folder) / "out.jsonl", unsafe_fixes=unsafe)
        summary = result.summary
        assert summary.examples_in == len(examples) == summary.written + summary.rejected
        rejects = read_lines(Path(folder) / "out.rejects.jsonl")
        assert len(rejects) == summary.rejected and all(r["codes"] for r in rejects)
        if summary.written:
            assert result.clean, result.validation.by_code


def test_dry_run_may_name_an_existing_output_and_leaves_it_alone(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, **chat((U, "a"), (A, "b"))}])
    existing = tmp_path / "out.jsonl"
    existing.write_text("keep me\n", encoding="utf-8")
    assert main(["fix", str(source), "--out", str(existing), "--dry-run"]) == 0
    assert '"pointer": "/id"' in capsys.readouterr().out
    assert existing.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    assert main(["fix", str(source), "--out", str(existing)]) == 2
