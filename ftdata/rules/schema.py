"""SC: rules about which task an example belongs to and which keys it may have."""

from __future__ import annotations

from collections.abc import Iterator

from ftdata.findings import pointer, quote, sorted_keys
from ftdata.rules.context import CHAT_KEYS, INSTRUCTION_KEYS, CheckContext
from ftdata.rules.registry import Violation, declare, rule

UNKNOWN_TYPE = declare(
    "SC001",
    "unknown-example-type",
    severity="error",
    tasks=("chat", "instruction"),
    hint='Use {"messages": [...]} for chat or {"prompt": ..., "response": ...} for instructions.',
    doc="""The example's keys fit no task.

    Bad:  ``{"question": "2+2?", "answer": "4"}``
    Good: ``{"prompt": "2+2?", "response": "4"}``

    Chat examples have a ``messages`` key; instruction examples have ``prompt``
    and ``response`` (or ``completion``). Rename columns before upload.""",
)

WRONG_TASK = declare(
    "SC002",
    "wrong-task",
    severity="error",
    tasks=("chat", "instruction"),
    hint="Keep one task per file, or pass --task to say which task the file is for.",
    doc="""The example belongs to another task than the rest of its source.

    Bad:  a chat file with a line ``{"prompt": "2+2?", "response": "4"}``
    Good: ``{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}``

    A training run has one task type; a source is checked as the task of its
    first recognisable example (or the ``--task`` given).""",
)


@rule(
    "SC003",
    "extra-keys",
    severity="error",
    tasks=("chat", "instruction"),
    structural=True,
    hint="Drop the extra keys before upload, e.g. jq -c '{messages}' in.jsonl > out.jsonl "
    "(or '{prompt, response}'); for tables select only the needed columns.",
    fix="safe",
)
def extra_keys(example: dict, ctx: CheckContext) -> Iterator[Violation]:
    """An example may hold only the keys of its task.

    Bad:  ``{"id": 17, "messages": [...]}``
    Good: ``{"messages": [...]}``

    The service exports every column of a table and the training engine rejects
    any key besides ``messages`` (chat) or ``prompt`` + ``response``/``completion``.
    """
    allowed = CHAT_KEYS if "messages" in example else INSTRUCTION_KEYS
    if len(example) == 1 and allowed is CHAT_KEYS:
        return
    for key in sorted_keys(example.keys() - allowed):
        yield pointer(key), f"unexpected key {quote(key)}"


# Table-level schema rules: a table source reports them once, from its Arrow
# schema, before any row is read (rows still get their own findings).
TABLE_TASKS = ("chat", "instruction")

MESSAGES_COLUMN_TYPE = declare(
    "SC004",
    "messages-column-type",
    severity="error",
    tasks=("chat",),
    hint="Store messages as array<struct<role: string, content: string>>, e.g. in Spark "
    "from_json(col, 'array<struct<role:string,content:string>>').",
    doc="""The table's ``messages`` column is not ``array<struct<role: string, content: string>>``.

    Bad:  ``messages array<struct<from: string, value: string>>`` (ShareGPT names)
    Good: ``messages array<struct<role: string, content: string>>``""",
)
MESSAGES_JSON_STRING = declare(
    "SC005",
    "messages-json-string",
    severity="error",
    tasks=("chat",),
    hint="Parse the column into an array of structs before training, e.g. in Spark "
    "from_json(messages, 'array<struct<role:string,content:string>>').",
    doc="""The table stores ``messages`` as a JSON string instead of an array of structs.

    Bad:  ``messages string`` holding ``'[{"role": "user", ...}]'``
    Good: ``messages array<struct<role: string, content: string>>``""",
)
COLUMN_NOT_STRING = declare(
    "SC006",
    "column-not-string",
    severity="error",
    tasks=("instruction",),
    hint="Cast the column to string, or --map another column onto the name.",
    doc="""A ``prompt``, ``response`` or ``completion`` column is not a string column.

    Bad:  ``prompt string, response array<string>``
    Good: ``prompt string, response string``""",
)
EXTRA_COLUMNS = declare(
    "SC007",
    "extra-columns",
    severity="error",
    tasks=TABLE_TASKS,
    profiles=("databricks",),
    hint="Keep only the task's columns: --columns messages (or prompt,response), or drop the "
    "others from the table; the service exports every column.",
    doc="""The table has columns besides those of its task; the service exports every column.

    Bad:  ``id bigint, messages array<struct<role, content>>``
    Good: ``messages array<struct<role, content>>``""",
)
MISSING_COLUMNS = declare(
    "SC008",
    "missing-columns",
    severity="error",
    tasks=TABLE_TASKS,
    hint="Name the columns messages (chat) or prompt and response/completion (instruction), "
    "or rename them: --map prompt=question,response=answer.",
    doc="""The table lacks the columns its task needs.

    Bad:  ``question string, answer string``
    Good: ``prompt string, response string``""",
)
