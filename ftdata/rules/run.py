"""RN: rules about the arguments of a fine-tuning run (``ftdata preflight``).

They check what only the submission shows: the keyword arguments of the
service's ``create()`` call. Their findings point at the argument by name
(``source`` is ``<run>``, ``key`` the argument's name).
"""

from __future__ import annotations

from ftdata.rules.registry import declare

ALL = ("chat", "instruction", "pretraining")

UNSUPPORTED_MODEL = declare(
    "RN001",
    "unsupported-model",
    severity="error",
    tasks=ALL,
    hint="Pick a model from `ftdata models` (full Hugging Face name).",
    doc="""The run's ``model`` is not one the service fine-tunes.

    Bad:  ``model="meta-llama/Llama-3.3-70B-Instruct"``
    Good: ``model="meta-llama/Meta-Llama-3.1-70B-Instruct"``""",
)
RETIRED_MODEL = declare(
    "RN002",
    "retired-model",
    severity="error",
    tasks=ALL,
    hint="Move to the successor model named in the message.",
    doc="""The run's ``model`` is retired on the run's date: the service no longer serves it.

    A deprecated model is still served until its last day (DS008 warns);
    after that day a run with it fails.

    Bad:  ``model="meta-llama/Meta-Llama-3-8B-Instruct"`` in 2025
    Good: ``model="meta-llama/Meta-Llama-3.1-8B-Instruct"``""",
)
PATH_FORM = declare(
    "RN003",
    "data-path-form",
    severity="error",
    tasks=ALL,
    hint="Use a Unity Catalog volume file or folder, a catalog.schema.table, or an HF name/split.",
    doc="""``train_data_path`` or ``eval_data_path`` has a form the service refuses for the task.

    Chat and instruction data: ``dbfs:/Volumes/<catalog>/<schema>/<volume>/<file>.jsonl``,
    a Delta table ``<catalog>.<schema>.<table>`` or a Hugging Face dataset
    ``<name>/<split>`` / ``<owner>/<name>/<split>`` (no subsets). Continued
    pre-training: a volume folder holding at least one ``.txt`` file.

    Bad:  ``train_data_path="s3://bucket/train.jsonl"``
    Good: ``train_data_path="dbfs:/Volumes/main/ft/data/train.jsonl"``""",
)
TABLE_NEEDS_CLUSTER = declare(
    "RN004",
    "table-needs-cluster",
    severity="error",
    tasks=ALL,
    hint="Give data_prep_cluster_id: the id of a (non-serverless) cluster that exports the table.",
    doc="""A Delta table is given as data without a ``data_prep_cluster_id``.

    The service exports a table to JSONL on that cluster before training.

    Bad:  ``train_data_path="main.ft.chats"`` alone
    Good: ``train_data_path="main.ft.chats", data_prep_cluster_id="0123-456789-abcdef"``""",
)
TASK_TYPE = declare(
    "RN005",
    "unknown-task-type",
    severity="error",
    tasks=ALL,
    hint="Use CHAT_COMPLETION, INSTRUCTION_FINETUNE or CONTINUED_PRETRAIN.",
    doc="""``task_type`` is not one of the service's task types.

    Bad:  ``task_type="CHAT"``
    Good: ``task_type="CHAT_COMPLETION"``""",
)
TASK_MISMATCH = declare(
    "RN006",
    "task-type-mismatch",
    severity="error",
    tasks=ALL,
    hint="Set task_type to the task of the data (or point at the data meant for this task).",
    doc="""``task_type`` does not match the task ftdata detects in the data.

    Bad:  ``task_type="INSTRUCTION_FINETUNE"`` with ``{"messages": [...]}`` lines
    Good: ``task_type="CHAT_COMPLETION"`` with ``{"messages": [...]}`` lines""",
)
CONTEXT_LENGTH = declare(
    "RN007",
    "context-length-above-model",
    severity="error",
    tasks=ALL,
    hint="Leave context_length out (the model's own) or give a positive value up to the model's.",
    doc="""``context_length`` is above the model's maximum, or not a positive integer.

    The service does not extend a model's context; the data are checked at the
    model's maximum instead.

    Bad:  ``context_length=16384`` for a 4,096-token model
    Good: ``context_length=4096``""",
)
REGISTER_TO = declare(
    "RN008",
    "register-to-form",
    severity="error",
    tasks=ALL,
    hint="Use <catalog>.<schema> or <catalog>.<schema>.<model_name>.",
    doc="""``register_to`` is not a Unity Catalog schema or model name.

    Bad:  ``register_to="main"``
    Good: ``register_to="main.finetuning"``""",
)
TRAINING_DURATION = declare(
    "RN009",
    "training-duration-form",
    severity="error",
    tasks=ALL,
    hint="Give a positive number and a unit: 3ep (epochs), 500ba (batches), 1_000_000tok (tokens).",
    doc="""``training_duration`` is not a duration in the service's units.

    Bad:  ``training_duration="3 epochs"``
    Good: ``training_duration="3ep"``""",
)
DATA_NOT_READ = declare(
    "RN010",
    "data-not-read",
    severity="error",
    tasks=ALL,
    hint="Map it: --volume-root DIR for /Volumes, --table-path NAME=PATH for a table, "
    "or cache the HF dataset locally.",
    doc="""The data behind a path could not be read here, so it was not checked.

    Outside Databricks a volume path needs ``--volume-root``, a table name
    ``--table-path`` (or an active Spark session), and a Hugging Face dataset
    must be in the local cache (ftdata never downloads).

    Bad:  ``ftdata preflight --train-data-path /Volumes/main/ft/data/train.jsonl`` on a laptop
    Good: the same with ``--volume-root ./volumes``""",
)
MISSING_REGISTER_TO = declare(
    "RN011",
    "missing-register-to",
    severity="warning",
    tasks=ALL,
    hint="Add register_to=<catalog>.<schema>: create() requires it.",
    doc="""No ``register_to`` is given; ``create()`` takes it as a required argument.

    Bad:  ``ftdata preflight --model M --train-data-path P``
    Good: ``ftdata preflight --model M --train-data-path P --register-to main.ft``""",
)
SERVICE_END_OF_LIFE = declare(
    "RN012",
    "service-end-of-life",
    severity="warning",
    tasks=ALL,
    hint="Check that the workspace can still submit runs; Databricks points to AI Runtime instead.",
    doc="""The run's date is after the service's scheduled end of life (2026-08-14).

    After that day new installations of the ``databricks_genai`` package and the
    fine-tuning UI are blocked; existing runs can still be retrained.

    Bad:  a run dated 2026-09-01
    Good: a run dated before 2026-08-14, or a workspace that still has the SDK""",
)
