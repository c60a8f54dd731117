"""What a Hugging Face model folder says: its ``tokenizer_config.json`` and chat templates.

The one reader of ``tokenizer_config.json`` for the tokenizer and the templates
alike, so both see the same special tokens and the same error for a broken file.

transformers looks in this order (research note §2): a ``chat_template.jinja``
file, then the ``chat_template`` key of ``tokenizer_config.json`` (a string,
or named templates as a list of ``{"name", "template"}`` or a dict), plus
``additional_chat_templates/<name>.jinja`` for extra named templates.

For the tokenizer only the settings that change token counts are read besides:
BOS/EOS strings and whether BOS/EOS are added (``read_config``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftdata.errors import TokenizerError

CONFIG = "tokenizer_config.json"
TEMPLATE_FILE = "chat_template.jinja"
DEFAULT_NAME = "default"

# Named special tokens that transformers passes to every template.
SPECIAL_TOKEN_NAMES = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)

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
    """The parts of ``tokenizer_config.json`` (+ template file) the tokenizer uses."""

    named: dict[str, str] = field(default_factory=dict)
    add_bos: bool | None = None
    add_eos: bool | None = None
    chat_template: str | None = None
    tokenizer_class: str | None = None


def read_json(folder: Path) -> dict[str, Any]:
    """The folder's ``tokenizer_config.json`` as a dict; ``{}`` when there is none."""
    path = folder / CONFIG
    if not path.is_file():
        return {}
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise TokenizerError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TokenizerError(f"{path} must hold a JSON object")
    return data


def read_config(folder: Path) -> FolderConfig:
    """The tokenizer's settings of ``folder``; a missing config gives an empty ``FolderConfig``."""
    raw = read_json(folder)
    cfg = FolderConfig(named=special_tokens(raw), tokenizer_class=raw.get("tokenizer_class"))
    if cfg.tokenizer_class in _FLAG_CLASSES:
        cfg.add_bos = bool(raw.get("add_bos_token", True))
        cfg.add_eos = bool(raw.get("add_eos_token", False))
    if (folder / TEMPLATE_FILE).is_file() or raw.get("chat_template") is not None:
        cfg.chat_template = _template(folder, raw, None)
    return cfg


def read_template(folder: str | Path, *, name: str | None = None) -> tuple[str, dict[str, str]]:
    """Return ``(template source, special tokens)`` of the model in ``folder``.

    ``name`` picks a named template; without it the ``"default"`` one is used.
    Raises ``TokenizerError`` when the folder has no (such) template.
    """
    root = Path(folder)
    if not root.is_dir():
        raise TokenizerError(f"model folder not found: {root}")
    config = read_json(root)
    return _template(root, config, name), special_tokens(config)


def special_tokens(config: dict[str, Any]) -> dict[str, str]:
    """The named special tokens of a ``tokenizer_config.json`` as plain strings.

    A token may be stored as a string or as an AddedToken dict with a
    ``content`` key; unset (null) tokens are left out, as transformers does.
    """
    tokens: dict[str, str] = {}
    for key in SPECIAL_TOKEN_NAMES:
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            tokens[key] = value
    return tokens


def _template(root: Path, config: dict[str, Any], name: str | None) -> str:
    if name not in (None, DEFAULT_NAME):
        return _named(root, config, name)
    jinja_file = root / TEMPLATE_FILE
    if jinja_file.is_file():
        return _read_text(jinja_file)
    return _from_config(config, DEFAULT_NAME, root)


def _named(root: Path, config: dict[str, Any], name: str) -> str:
    extra = root / "additional_chat_templates" / f"{name}.jinja"
    if extra.is_file():
        return _read_text(extra)
    return _from_config(config, name, root)


def _from_config(config: dict[str, Any], name: str, root: Path) -> str:
    raw = config.get("chat_template")
    if raw is None:
        raise TokenizerError(
            f"{root} has no chat template (no chat_template.jinja and no "
            "chat_template in tokenizer_config.json)"
        )
    if isinstance(raw, str):
        if name != DEFAULT_NAME:
            raise TokenizerError(f"{root} has a single chat template, not one named {name!r}")
        return raw
    named = _as_named(raw, root)
    if name not in named:
        known = ", ".join(sorted(named)) or "none"
        raise TokenizerError(f"{root} has no chat template named {name!r} (known: {known})")
    return named[name]


def _as_named(raw: Any, root: Path) -> dict[str, str]:
    items: Iterable[tuple[Any, Any]]
    if isinstance(raw, dict):
        items = raw.items()
    elif isinstance(raw, list):
        items = ((t.get("name"), t.get("template")) for t in raw if isinstance(t, dict))
    else:
        raise TokenizerError(f"{root}: chat_template must be a string, list or object")
    return {k: v for k, v in items if isinstance(k, str) and isinstance(v, str)}


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenizerError(f"cannot read {path}: {exc}") from exc
