"""Every per-example rule fires on its bad case and stays silent on its good case."""

from __future__ import annotations

import pytest

import ftdata
from ftdata.rules import catalog, registry


def M(role, content="text"):
    return {"role": role, "content": content}


GOOD_CHAT = {"messages": [M("user", "Hi"), M("assistant", "Hello")]}
GOOD_INSTRUCTION = {"prompt": "2+2?", "response": "4"}

# code -> (bad example, pointer expected, good example)
CASES = {
    "CH001": ({"messages": "user: hi"}, "/messages", GOOD_CHAT),
    "CH002": ({"messages": [M("assistant", "Hello")]}, "/messages", GOOD_CHAT),
    "CH003": ({"messages": ["hi", M("assistant")]}, "/messages/0", GOOD_CHAT),
    "CH004": ({"messages": [{"role": "user"}, M("assistant")]}, "/messages/0", GOOD_CHAT),
    "CH005": (
        {"messages": [{"role": "user", "content": "x", "name": "a"}, M("assistant")]},
        "/messages/0/name",
        GOOD_CHAT,
    ),
    "CH006": ({"messages": [M("bot"), M("assistant")]}, "/messages/0/role", GOOD_CHAT),
    "CH007": ({"messages": [M("user", None), M("assistant")]}, "/messages/0/content", GOOD_CHAT),
    "CH008": (
        {"messages": [M("user"), M("system"), M("assistant")]},
        "/messages/1/role",
        {"messages": [M("system"), M("user"), M("assistant")]},
    ),
    "CH009": ({"messages": [M("user"), M("user"), M("assistant")]}, "/messages/1/role", GOOD_CHAT),
    "CH010": (
        {"messages": [M("system"), M("assistant"), M("user"), M("assistant")]},
        "/messages/1/role",
        {"messages": [M("system"), M("user"), M("assistant")]},
    ),
    "CH011": ({"messages": [M("user"), M("assistant"), M("user")]}, "/messages/2/role", GOOD_CHAT),
    "CH012": ({"messages": [M("user"), M("assistant", " \n")]}, "/messages/1/content", GOOD_CHAT),
    "CH013": (
        {"messages": [M("system", ""), M("user"), M("assistant")]},
        "/messages/0/content",
        GOOD_CHAT,
    ),
    "CH014": (
        {"messages": [M("assistant"), M("user"), M("assistant")]},
        "/messages/0/role",
        {"messages": [M("system"), M("assistant"), M("user"), M("assistant")]},
    ),
    "PR001": ({"prompt": "a", "response": "b", "completion": "b"}, "/completion", GOOD_INSTRUCTION),
    "PR002": ({"prompt": "a"}, "", GOOD_INSTRUCTION),
    "PR003": ({"prompt": "a", "response": 4}, "/response", GOOD_INSTRUCTION),
    "PR004": ({"prompt": "", "response": "b"}, "/prompt", GOOD_INSTRUCTION),
    "PR005": ({"prompt": "a", "response": "  "}, "/response", GOOD_INSTRUCTION),
    "SC003": ({"id": 1, "prompt": "a", "response": "b"}, "/id", GOOD_INSTRUCTION),
}
# Rules that exist under one profile only are checked under it.
PROFILE = {"CH014": "llm-foundry"}


def test_every_per_example_rule_has_a_case():
    checked = {r.code for r in catalog.all_rules() if r.check is not None}
    assert checked == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_bad_case_fires(code):
    bad, where, _ = CASES[code]
    result = ftdata.validate([bad], select=[code, "DS"], profile=PROFILE.get(code))
    # DS003 (all invalid) or DS007 (all dropped): the one example is the whole dataset.
    result.findings = [f for f in result.findings if f.code not in ("DS003", "DS007")]
    assert [(f.code, f.location.pointer, f.location.row) for f in result.findings] == [
        (code, where, 0)
    ]


@pytest.mark.parametrize("code", sorted(CASES))
def test_good_case_is_silent(code):
    _, _, good = CASES[code]
    result = ftdata.validate([good], profile=PROFILE.get(code))
    assert result.findings == [] and result.ok


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_is_documented(code):
    rule = catalog.get(code)
    assert "Bad:" in rule.doc and "Good:" in rule.doc and rule.hint


def test_every_rule_has_bad_and_good_examples_in_its_doc():
    for rule in catalog.all_rules():
        assert "Bad:" in rule.doc and "Good:" in rule.doc, rule.code
        assert rule.summary and rule.hint, rule.code


def test_wrong_case_role_has_a_specific_message():
    result = ftdata.validate([{"messages": [M("User"), M("assistant")]}, GOOD_CHAT])
    (finding,) = result.findings
    assert finding.code == "CH006" and "'user'" in finding.message


def test_llm_foundry_profile_allows_tool_role_and_list_content():
    example = {"messages": [M("user"), M("tool", [{"type": "text", "text": "x"}]), M("assistant")]}
    assert not ftdata.validate([example], profile="llm-foundry").findings
    strict = ftdata.validate([example])
    assert {"CH006", "CH007"} <= set(strict.by_code)


def test_llm_foundry_profile_does_not_require_system_first_or_user_first():
    # Not the very first message from the assistant, though: that is CH014.
    example = {"messages": [M("system"), M("assistant"), M("user"), M("system"), M("assistant")]}
    assert not ftdata.validate([example], profile="llm-foundry").findings
    assert {"CH008", "CH010"} <= set(ftdata.validate([example]).by_code)


def test_extra_keys_are_errors_in_both_profiles():
    example = {"id": 3, **GOOD_CHAT}
    for profile in ("databricks", "llm-foundry"):
        result = ftdata.validate([example, GOOD_CHAT], profile=profile)
        assert result.by_code == {"SC003": 1}


def test_unknown_and_wrong_task_examples():
    result = ftdata.validate([GOOD_CHAT, {"question": "q"}, GOOD_INSTRUCTION])
    assert {(f.location.row, f.code) for f in result.findings} == {(1, "SC001"), (2, "SC002")}
    forced = ftdata.validate([GOOD_CHAT], task="instruction")
    assert forced.by_code == {"SC002": 1, "DS003": 1}


def test_a_crashing_rule_becomes_one_internal_finding_and_the_run_goes_on(monkeypatch):
    from ftdata.rules import chat_order

    def boom(example, ctx):
        raise RuntimeError("boom")
        yield  # pragma: no cover - makes this a generator like the real checks

    original = catalog.get("CH011")
    monkeypatch.setitem(
        registry._RULES,
        "CH011",
        registry.Rule(**{**{f: getattr(original, f) for f in original.__slots__}, "check": boom}),
    )
    result = ftdata.validate([GOOD_CHAT, {"messages": [M("user"), M("user")]}])
    # The clean example never reaches the rule loop (fast path); the other one does.
    assert result.by_code == {"FT900": 1, "CH009": 1}
    crash = next(f for f in result.findings if f.code == "FT900")
    assert "CH011 raised RuntimeError: boom" in crash.message
    assert result.rows == 2 and chat_order.last_not_assistant is original.check
