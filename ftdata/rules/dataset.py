"""DS: rules about the dataset as a whole."""

from __future__ import annotations

from ftdata.rules.registry import declare

ALL = ("chat", "instruction", "pretraining")

EMPTY_INPUT = declare(
    "DS001", "empty-input", severity="error", tasks=ALL,
    hint="Point ftdata at the files that hold the training data.",
    doc="""The input holds no examples at all.

    Bad:  an empty file, or a folder without data files
    Good: at least one example""",
)
DUPLICATE = declare(
    "DS002", "duplicate-example", severity="warning", tasks=ALL,
    hint="Remove exact duplicates; they overweight those examples in training.",
    doc="""The example is an exact copy of an earlier one (the message names the first copy).

    Bad:  the same line twice in ``train.jsonl``
    Good: each example once""",
)
NO_VALID = declare(
    "DS003", "no-valid-examples", severity="error", tasks=ALL,
    hint="Fix the errors reported above; training needs at least one valid example.",
    doc="""Every example has an error, so training would have nothing to learn from.

    Bad:  a file where every line fails a rule
    Good: a file with valid examples""",
)
