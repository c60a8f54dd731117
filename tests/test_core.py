"""The checking core (issue 13): pure batch verdicts, one options type, one driver."""

from __future__ import annotations

import ast
import copy
import gc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftdata
from ftdata.config import Settings
from ftdata.core.check import Core
from ftdata.core.driver import Runner
from ftdata.core.options import Options, build_options
from ftdata.errors import UsageError
from ftdata.sources.memory import RecordsSource

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
BAD = {"messages": [{"role": "user", "content": "hi"}]}
PACKAGE = Path(ftdata.__file__).parent


def one_batch(records):
    return next(iter(RecordsSource(records).batches()))


def verdict_view(verdicts):
    return [(v.task, v.failed, v.codes, v.where) for v in verdicts.rows]


def test_check_batch_is_pure_the_same_batch_gives_the_same_verdicts():
    core = Core(Settings())
    batch = one_batch([GOOD, BAD, {"x": 1}])
    first = core.check_batch(batch, "mem", "memory", None)
    second = core.check_batch(batch, "mem", "memory", None)
    assert verdict_view(first) == verdict_view(second)
    assert [(task, failed, codes) for task, failed, codes, _ in verdict_view(first)] == [
        ("chat", False, ()),
        ("chat", True, ("CH002", "CH011")),
        (None, True, ("SC001",)),
    ]
    assert first.task == "chat" and first.rows[0].findings is None  # a clean row holds nothing


def test_a_switched_off_rule_leaves_no_finding_but_no_task_still_fails_the_row():
    core = Core(Settings(ignore=("SC001",)))
    (verdict,) = core.check_batch(one_batch([{"x": 1}]), "mem", "memory", None).rows
    assert verdict.failed and verdict.codes == () and verdict.task is None


def test_rows_equal_valid_plus_invalid_is_counted_not_derived():
    runner = Runner(Options(Settings()))
    summary = runner.check_source(RecordsSource([GOOD, BAD, GOOD]))
    assert (summary.rows, summary.valid, summary.invalid) == (3, 2, 1)
    summary.count(failed=False)
    assert summary.valid == 3 and summary.rows == summary.valid + summary.invalid


def test_validate_reads_the_config_once(monkeypatch, tmp_path):
    calls = []
    import ftdata.core.options as options_module

    def counting(start=None):
        calls.append(start)
        return None, {"profile": "llm-foundry"}

    monkeypatch.setattr(options_module, "find_config", counting)
    result = ftdata.validate([GOOD], use_config=True)
    assert calls == [None] and result.rows == 1


def test_options_object_and_keywords_give_the_same_result():
    records = [GOOD, BAD, GOOD]
    by_keywords = ftdata.validate(records, profile="llm-foundry", ignore=["CH011"])
    options = build_options(profile="llm-foundry", ignore=["CH011"])
    by_options = ftdata.validate(records, options=options)
    assert by_options.to_dict() == by_keywords.to_dict()
    with pytest.raises(UsageError):
        ftdata.validate(records, options=options, profile="databricks")


def test_the_library_leaves_the_garbage_collector_alone(monkeypatch):
    changed = []
    monkeypatch.setattr(gc, "set_threshold", lambda *a: changed.append(a))
    ftdata.validate([GOOD, BAD] * 10)
    assert changed == []


def test_the_command_line_relaxes_the_collector(monkeypatch, tmp_path):
    from ftdata.cli import main

    changed = []
    real = gc.set_threshold
    monkeypatch.setattr(gc, "set_threshold", lambda *a: (changed.append(a), real(*a)))
    path = tmp_path / "a.jsonl"
    path.write_text('{"prompt": "a", "response": "b"}\n', encoding="utf-8")
    before = gc.get_threshold()
    main(["validate", str(path), "--no-config", "--quiet"])
    assert gc.get_threshold() == before
    if gc.isenabled() and before[0] < 50_000:
        assert changed and changed[0][0] == 50_000


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_the_token_layer_imports_neither_results_nor_rules():
    for path in sorted((PACKAGE / "tokens").rglob("*.py")):
        for name in _imports(path):
            assert not name.startswith(("ftdata.result", "ftdata.rules")), (path.name, name)


def test_a_copy_found_at_error_severity_is_invalid_before_on_row_sees_it():
    seen = []
    result = ftdata.validate([GOOD, GOOD, BAD], severity={"DS002": "error"}, on_row=seen.append)
    assert [(o.valid, o.codes) for o in seen] == [
        (True, ()),
        (False, ("DS002",)),
        (False, ("CH002", "CH011")),
    ]
    assert (result.valid, result.invalid) == (1, 2)


def test_canonical_is_bytes_equal_for_equal_values_json_cannot_hold():
    """Decimal, bytes and durations compare by value; keys of mixed types neither crash
    nor meet; the result is bytes (what a Spark executor digests)."""
    import datetime
    import decimal

    from ftdata.core.check import canonical

    def example(score: str) -> dict:
        return {"a": decimal.Decimal(score), "b": b"\x00", "c": datetime.timedelta(1)}

    assert canonical(example("1.5")) == canonical(example("1.5")) != canonical(example("2.5"))
    assert isinstance(canonical(example("1.5")), bytes)
    assert canonical({1: "x", "1": "x"}) != canonical({"1": "x", 2: "x"})
    assert canonical({"a": 1}) == b'{"a":1}'  # JSON when JSON can hold it
    huge = {"a": 10**5000, "b": decimal.Decimal(1)}  # past JSON's ints and repr's digits
    assert canonical(huge) == canonical(dict(huge)) != canonical({**huge, "a": 10**5000 + 1})


CELLS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**4400, max_value=10**4401)  # past repr()'s 4300 digits
    | st.floats()
    | st.text()
    | st.binary()
    | st.decimals()
    | st.timedeltas()
    | st.datetimes(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(CELLS)
def test_canonical_never_raises_and_equal_copies_give_equal_bytes(value):
    """Property: any value a table cell or JSON can hold gets bytes, the same for a copy."""
    from ftdata.core.check import canonical

    found = canonical(value)
    assert isinstance(found, bytes)
    assert canonical(copy.deepcopy(value)) == found


def test_options_of_the_wrong_type_is_a_usage_error(tmp_path):
    """options= given something else than an Options: one clear message, not an AttributeError."""
    from ftdata.errors import UsageError

    with pytest.raises(UsageError, match="options= takes an Options"):
        ftdata.validate([], options="databricks")
    with pytest.raises(UsageError, match="options= takes an Options"):
        ftdata.prepare([], out=tmp_path / "out", options={"model": "x"})
    assert not (tmp_path / "out").exists()
