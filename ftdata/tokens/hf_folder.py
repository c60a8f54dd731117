"""Read the chat template and special tokens of a Hugging Face model folder.

transformers looks in this order (research note §2): a ``chat_template.jinja``
file, then the ``chat_template`` key of ``tokenizer_config.json`` (a string,
or named templates as a list of ``{"name", "template"}`` or a dict), plus
``additional_chat_templates/<name>.jinja`` for extra named templates.

``folder_config`` reads the same files for the tokenizer; this module adds
what template selection needs (named templates and their errors).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ftdata.errors import TokenizerError
from ftdata.tokens.chat_template import SPECIAL_TOKEN_NAMES

DEFAULT_NAME = "default"


def read_template(folder: str | Path, *, name: str | None = None) -> tuple[str, dict[str, str]]:
    """Return ``(template source, special tokens)`` of the model in ``folder``.

    ``name`` picks a named template; without it the ``"default"`` one is used.
    Raises ``TokenizerError`` when the folder has no (such) template.
    """
    root = Path(folder)
    if not root.is_dir():
        raise TokenizerError(f"model folder not found: {root}")
    config = _read_config(root)
    tokens = special_tokens(config)
    if name not in (None, DEFAULT_NAME):
        return _named(root, config, name), tokens
    jinja_file = root / "chat_template.jinja"
    if jinja_file.is_file():
        return _read_text(jinja_file), tokens
    return _from_config(config, DEFAULT_NAME, root), tokens


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


def _read_config(root: Path) -> dict[str, Any]:
    path = root / "tokenizer_config.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise TokenizerError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TokenizerError(f"{path} must hold a JSON object")
    return data


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
