"""The fast validators agree with the published JSON Schemas on every structural verdict.

Structural rules are the ones a JSON Schema can express (keys, types, roles,
minimum length); order rules like "the last message is from the assistant" are not.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from json_schemas import validator
from test_properties import CHATISH, INSTRUCTIONISH, MESSAGE

import ftdata
from ftdata.findings import Severity
from ftdata.rules import catalog

STRUCTURAL = [r.code for r in catalog.all_rules() if r.structural]
WELL_FORMED_CHAT = st.fixed_dictionaries({"messages": st.lists(MESSAGE, max_size=5)})


def fast_verdict(example: dict, task: str) -> bool:
    result = ftdata.validate([example], task=task, select=STRUCTURAL)
    return not any(f.severity is Severity.ERROR for f in result.findings)


@settings(max_examples=400, deadline=None)
@given(st.one_of(CHATISH, WELL_FORMED_CHAT))
def test_chat_agrees_with_schema(example):
    assert fast_verdict(example, "chat") == validator("chat").is_valid(example)


@settings(max_examples=400, deadline=None)
@given(INSTRUCTIONISH.filter(lambda e: bool(e.keys() & {"prompt", "response", "completion"})))
def test_instruction_agrees_with_schema(example):
    assert fast_verdict(example, "instruction") == validator("instruction").is_valid(example)


def test_structural_rules_exist_for_both_tasks():
    tasks = {task for code in STRUCTURAL for task in catalog.get(code).tasks}
    assert {"chat", "instruction"} <= tasks


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(CHATISH, WELL_FORMED_CHAT, INSTRUCTIONISH),
    st.sampled_from(["databricks", "llm-foundry"]),
)
def test_fast_path_only_skips_examples_no_rule_would_flag(example, profile):
    from ftdata.rules.context import CheckContext, classify
    from ftdata.rules.fastpath import is_clean

    task = classify(example)
    if task is None or not is_clean(task, example, CheckContext(profile)):
        return
    context = CheckContext(profile)
    for rule in catalog.iter_checks(task, lambda r: profile in r.profiles):
        assert list(rule.check(example, context)) == [], rule.code
