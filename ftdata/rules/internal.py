"""FT: problems of ftdata itself, reported as findings so a run never dies on one rule."""

from __future__ import annotations

from ftdata.rules.registry import declare

RULE_CRASHED = declare(
    "FT900",
    "rule-crashed",
    severity="error",
    tasks=("chat", "instruction", "pretraining"),
    hint="This is a bug in ftdata; please report it with the example that triggered it.",
    doc="""A rule raised an exception on an example; the example could not be fully checked.

    Bad:  (an ftdata bug)
    Good: (no such finding)""",
)
