"""DS: rules about the dataset as a whole."""

from __future__ import annotations

from ftdata.rules.registry import declare

ALL = ("chat", "instruction", "pretraining")

# The token thresholds of DS004/DS005 (the service's limits), here with the rules they
# belong to so that the token check and the report views read one definition.
PRETRAINING_MIN_TOKENS = 1_500_000
MAX_TOKENS = 10_000_000_000

EMPTY_INPUT = declare(
    "DS001",
    "empty-input",
    severity="error",
    tasks=ALL,
    hint="Point ftdata at the files that hold the training data.",
    doc="""The input holds no examples at all.

    Bad:  an empty file, or a folder without data files
    Good: at least one example""",
)
DUPLICATE = declare(
    "DS002",
    "duplicate-example",
    severity="warning",
    tasks=ALL,
    hint="Remove exact duplicates; they overweight those examples in training.",
    doc="""The example is an exact copy of an earlier one (the message names the first copy).

    Bad:  the same line twice in ``train.jsonl``
    Good: each example once""",
    fix="safe",
)
NO_VALID = declare(
    "DS003",
    "no-valid-examples",
    severity="error",
    tasks=ALL,
    hint="Fix the errors reported above; training needs at least one valid example.",
    doc="""Every example has an error, so training would have nothing to learn from.

    Bad:  a file where every line fails a rule
    Good: a file with valid examples""",
)
TOO_FEW_TOKENS = declare(
    "DS004",
    "too-few-tokens",
    severity="error",
    tasks=("chat", "instruction"),
    hint="Add examples: fine-tuning needs at least one full context length of tokens.",
    doc="""Chat and instruction data need at least one full context length of tokens in total.

    Bad:  2,000 tokens of data for a 4,096-token model
    Good: at least 4,096 tokens (far more in practice)""",
)
SMALL_CORPUS = declare(
    "DS005",
    "small-pretraining-corpus",
    severity="warning",
    tasks=("pretraining",),
    hint="Continued pre-training is recommended with at least 1.5M tokens.",
    doc="""The continued pre-training corpus has fewer than 1.5M tokens.

    Bad:  a 200,000-token corpus
    Good: 1.5M tokens or more""",
)
TOO_MANY_TOKENS = declare(
    "DS006",
    "too-many-tokens",
    severity="error",
    tasks=ALL,
    hint="Sample the data down: datasets of 10B tokens or more are not supported.",
    doc="""The dataset has 10B tokens or more, which the service does not support.

    Bad:  a 12B-token corpus
    Good: under 10B tokens""",
)
ALL_DROPPED = declare(
    "DS007",
    "all-examples-dropped",
    severity="error",
    tasks=("chat", "instruction"),
    hint="Fill in empty prompts/responses, shorten prompts or raise the context length; "
    "training would have no valid sample.",
    doc="""Every valid example would be dropped by training, so training fails.

    llm-foundry drops examples with an empty prompt or response (TK007, or PR004
    without a tokenizer) and those without a trainable token inside the context
    length (TK004); with none left it raises ``InvalidDatasetError``.

    Bad:  every prompt is longer than max_seq_len, or every response is empty
    Good: at least one example with trainable tokens inside the window""",
)
DEPRECATED_MODEL = declare(
    "DS008",
    "deprecated-model",
    severity="warning",
    tasks=ALL,
    hint="Move to the successor model named in the message.",
    doc="""The chosen model is deprecated by the service.

    Bad:  ``--model meta-llama/Meta-Llama-3-8B-Instruct``
    Good: ``--model meta-llama/Meta-Llama-3.1-8B-Instruct``""",
)
EVAL_IN_TRAIN = declare(
    "DS009",
    "eval-in-train",
    severity="warning",
    tasks=("chat", "instruction"),
    hint="Remove the example from one side, or split by prompt, so eval measures unseen data.",
    doc="""An eval example's prompt also occurs in train (``ftdata prepare --eval-fraction``).

    Exact copies always land on the same side of the content-hash split; the same
    question with another answer does not, and then eval scores a prompt trained on.

    Bad:  train ``{"prompt": "2+2?", "response": "4"}``, eval ``{"prompt": "2+2?", "response": "four"}``
    Good: every eval prompt is absent from train""",
)
NOTHING_WRITTEN = declare(
    "DS010",
    "nothing-written",
    severity="error",
    tasks=ALL,
    hint="Fix the errors that left every example out; for a short pre-training corpus use "
    "--pad-last-window or a smaller --context-length (--allow-empty publishes it anyway).",
    doc="""``ftdata prepare`` could write no example, so it published nothing.

    An output without a single sample looks finished but makes the training
    reader fail. The message says why: every example was left out (the
    reasons and counts), or the pre-training documents hold fewer tokens than
    one window of the context length.

    Bad:  ``ftdata prepare docs/ --context-length 4096`` over 900 tokens of text
    Good: ``ftdata prepare docs/ --context-length 4096 --pad-last-window``""",
)
