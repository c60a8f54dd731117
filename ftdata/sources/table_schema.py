"""Table-level schema checks: a table's columns against what its task needs.

They run once per table, on the Arrow schema after ``--columns``/``--map``,
and name the mistake with a fix hint. Rows are still checked one by one, so
a wrong schema also shows in the row findings and the accounting stays exact.
"""

from __future__ import annotations

import pyarrow as pa

from ftdata.findings import list_names
from ftdata.rules import schema as sc
from ftdata.rules.context import CHAT_KEYS, INSTRUCTION_KEYS, RESPONSE_KEYS, task_of_keys
from ftdata.sources.base import Problem
from ftdata.sources.normalise import CHAT_TYPE, canonical_type, describe, is_string


def schema_problems(schema: pa.Schema, task: str | None, profile: str) -> list[Problem]:
    """Findings about the table as a whole; ``task`` is forced or detected from columns."""
    names = schema.names
    task = task or task_of_keys(names)
    if task == "chat":
        problems = _chat(schema)
    elif task == "instruction":
        problems = _instruction(schema)
    else:
        found = list_names(names) or "none"
        return [Problem(sc.MISSING_COLUMNS, None, f"no column fits a task (columns: {found})")]
    allowed = CHAT_KEYS if task == "chat" else INSTRUCTION_KEYS
    extra = [n for n in names if n not in allowed]
    if extra and profile == "databricks":
        listed = list_names(extra)
        problems.append(
            Problem(sc.EXTRA_COLUMNS, None, f"columns besides the {task} ones: {listed}")
        )
    return problems


def _chat(schema: pa.Schema) -> list[Problem]:
    if "messages" not in schema.names:
        return [Problem(sc.MISSING_COLUMNS, None, "a chat table needs a messages column")]
    kind = schema.field("messages").type
    if is_string(kind):
        return [
            Problem(
                sc.MESSAGES_JSON_STRING,
                None,
                "messages is a string column (JSON text?), not an array of structs",
            )
        ]
    if canonical_type(kind) != CHAT_TYPE:
        return [
            Problem(
                sc.MESSAGES_COLUMN_TYPE,
                None,
                f"messages is {describe(kind)}, not {describe(CHAT_TYPE)}",
            )
        ]
    return []


def _instruction(schema: pa.Schema) -> list[Problem]:
    names = schema.names
    problems = []
    if "prompt" not in names or RESPONSE_KEYS.isdisjoint(names):
        have = list_names(n for n in names if n in INSTRUCTION_KEYS)
        problems.append(
            Problem(
                sc.MISSING_COLUMNS,
                None,
                f"an instruction table needs prompt and response (or completion); it has {have}",
            )
        )
    for name in names:
        if name in INSTRUCTION_KEYS and not is_string(schema.field(name).type):
            kind = describe(schema.field(name).type)
            problems.append(Problem(sc.COLUMN_NOT_STRING, None, f"{name} is {kind}, not string"))
    return problems
