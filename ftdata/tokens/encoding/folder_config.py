"""Tokenizer settings of a Hugging Face model folder (``tokenizer_config.json``).

Only the settings that change token counts or templates are read: BOS/EOS
strings, whether BOS/EOS are added, the named special tokens and the chat
template (``chat_template.jinja`` in the folder wins over the config key, as
in ``transformers``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftdata.errors import TokenizerError
from ftdata.tokens.chat_templates.jinja_render import SPECIAL_TOKEN_NAMES as NAMED
from ftdata.tokens.encoding import hf_folder

CONFIG = "tokenizer_config.json"
TEMPLATE_FILE = "chat_template.jinja"

# transformers (4.x) classes that rebuild the post-processor from
# add_bos_token / add_eos_token. Other classes keep tokenizer.json's own
# post-processor, so for them the config flags are informational only.
_FLAG_CLASSES = frozenset(
    f"{base}{suffix}"
    for base in ("LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer")
    for suffix in ("", "Fast")
)


@dataclass
class FolderConfig:
    """The parts of ``tokenizer_config.json`` (+ template file) ftdata uses."""

    named: dict[str, str] = field(default_factory=dict)
    add_bos: bool | None = None
    add_eos: bool | None = None
    chat_template: str | None = None
    tokenizer_class: str | None = None


def _token_string(value: Any) -> str | None:
    """A config token is a string or an AddedToken-like dict with ``content``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    return None


def read_config(folder: Path) -> FolderConfig:
    """Parse the folder's config; a missing config gives an empty ``FolderConfig``."""
    raw: dict[str, Any] = {}
    path = folder / CONFIG
    if path.is_file():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TokenizerError(f"cannot read {path}: {exc}") from exc
        if not isinstance(raw, dict):
            raise TokenizerError(f"{path} is not a JSON object")
    cfg = FolderConfig(tokenizer_class=raw.get("tokenizer_class"))
    for name in NAMED:
        literal = _token_string(raw.get(name))
        if literal is not None:
            cfg.named[name] = literal
    if cfg.tokenizer_class in _FLAG_CLASSES:
        cfg.add_bos = bool(raw.get("add_bos_token", True))
        cfg.add_eos = bool(raw.get("add_eos_token", False))
    cfg.chat_template = template_source(folder, raw)
    return cfg


def template_source(folder: Path, raw: dict[str, Any]) -> str | None:
    """The folder's default chat template source, or None when it has none."""
    if not (folder / TEMPLATE_FILE).is_file() and raw.get("chat_template") is None:
        return None
    # One reader of templates for the whole package (named and additional templates too).
    return hf_folder.read_template(folder)[0]
