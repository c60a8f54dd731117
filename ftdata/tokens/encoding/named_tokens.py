"""The named special tokens (``bos_token``, ``eos_token``, ...) of the vocabulary families
ftdata knows, as their ``tokenizer_config.json`` names them.

One table per family, read both by the tokenizers found by model name
(``find_tokenizer``) and by the built-in chat templates (``chat_templates.builtin``),
so the two can never disagree on which string is BOS or EOS.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Llama 3 Instruct (3.0, 3.1, 3.2): turns end with ``<|eot_id|>``.
LLAMA3_INSTRUCT: Mapping[str, str] = MappingProxyType(
    {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
)
#: Llama 3 base models end a document with ``<|end_of_text|>`` instead.
LLAMA3_BASE: Mapping[str, str] = MappingProxyType(
    {**LLAMA3_INSTRUCT, "eos_token": "<|end_of_text|>"}
)
#: The SentencePiece families (Llama 2, Code Llama, Mistral/Mixtral).
SENTENCEPIECE: Mapping[str, str] = MappingProxyType(
    {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
)
#: DBRX: cl100k_base's ``<|endoftext|>`` for BOS/EOS/UNK plus its own pad token.
DBRX: Mapping[str, str] = MappingProxyType(
    {
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<|pad|>",
    }
)
