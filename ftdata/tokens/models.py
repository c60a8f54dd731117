"""The registry of supported models: context length, deprecation, chat template.

Every model of the supported-model table (DESIGN.md, "Models") is known by its
full Hugging Face name (``meta-llama/Meta-Llama-3.1-8B-Instruct``) and by the
part after the slash, case-insensitively. ``ftdata models`` lists them.

Template choices for base models (``instruct=False``) are documented next to
``_BASE_TEMPLATE`` below.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import dataclass
from typing import Any

from ftdata.errors import UsageError

# DESIGN.md gives this date for Llama 3 (8B/70B). It gives none for Llama 2
# and Code Llama, which it only marks "deprecated": their exact dates are not
# known to us, so those models carry deprecated=True and no date.
LLAMA3_DEPRECATED_AFTER = _dt.date(2024, 12, 13)


@dataclass(frozen=True)
class ModelSpec:
    """One supported model.

    ``template`` is the id of the built-in chat template that applies (see
    ``ftdata.tokens.chat_templates.builtin``). ``deprecated_after`` is the last day the model
    is served, when known; ``deprecated`` is true for every deprecated model,
    dated or not; ``successor`` names the model to move to.
    """

    name: str
    family: str
    context_length: int
    instruct: bool
    template: str
    deprecated: bool = False
    deprecated_after: _dt.date | None = None
    successor: str | None = None

    @property
    def short_name(self) -> str:
        """The part of ``name`` after the organisation slash."""
        return self.name.split("/", 1)[-1]

    def deprecation_message(self) -> str | None:
        """A one-line warning for a deprecated model, naming its successor; else ``None``."""
        if not self.deprecated:
            return None
        when = f" after {self.deprecated_after.isoformat()}" if self.deprecated_after else ""
        move = f"; use {self.successor} instead" if self.successor else ""
        return f"{self.name} is deprecated{when}{move}"


# Which template a base model gets, and why:
# * Llama 3.1 / 3.2 base repos ship Meta's chat template in tokenizer_config.json
#   (as we understand the Hub repos; not re-checked here), so they use it.
# * Llama 3 base: we apply the Llama 3 Instruct layout, whose header tokens are
#   in the base vocabulary. Whether the base repo ships the template is unverified.
# * DBRX base: the DBRX tokenizer files were, to our knowledge, shared by the
#   base and instruct repos, template included (unverified).
# * Llama 2, Code Llama (base and Python), Mistral-7B-v0.1, Mixtral-8x7B-v0.1:
#   their repos have no chat template. transformers >= 4.43 then refuses to
#   render; older versions fell back to ChatML, which is what we use.
_BASE_TEMPLATE = {
    "llama3.2": "llama3.2",
    "llama3.1": "llama3.1",
    "llama3": "llama3",
    "dbrx": "dbrx-instruct",
    "llama2": "chatml",
    "codellama": "chatml",
    "mistral": "chatml",
}

# Successors: Llama 3 -> Llama 3.1 of the same size and kind. Llama 2 -> Llama
# 3.1 8B (7b, 13b) or 70B (70b), instruct for chat. Code Llama -> Llama 3.1
# Instruct (7b/13b -> 8B, 34b -> 70B): Llama 3.1 has no code-only variant and
# its Instruct models are the ones that take code instructions.
_L31 = "meta-llama/Meta-Llama-3.1-"


def _llama(
    name: str, family: str, ctx: int, instruct_template: str, **extra: Any
) -> list[ModelSpec]:
    """A base model and its -Instruct sibling."""
    base_successor = extra.pop("successor", None)
    inst_successor = f"{base_successor}-Instruct" if base_successor else None
    common: dict[str, Any] = dict(family=family, context_length=ctx, **extra)
    base = ModelSpec(
        name, instruct=False, template=_BASE_TEMPLATE[family], successor=base_successor, **common
    )
    inst = ModelSpec(
        f"{name}-Instruct",
        instruct=True,
        template=instruct_template,
        successor=inst_successor,
        **common,
    )
    return [base, inst]


def _llama2(size: str, successor_size: str) -> list[ModelSpec]:
    common: dict[str, Any] = dict(family="llama2", context_length=4096, deprecated=True)
    return [
        ModelSpec(
            f"meta-llama/Llama-2-{size}-hf",
            instruct=False,
            template="chatml",
            successor=f"{_L31}{successor_size}",
            **common,
        ),
        ModelSpec(
            f"meta-llama/Llama-2-{size}-chat-hf",
            instruct=True,
            template="llama2-chat",
            successor=f"{_L31}{successor_size}-Instruct",
            **common,
        ),
    ]


def _codellama(size: str, successor_size: str) -> list[ModelSpec]:
    common: dict[str, Any] = dict(
        family="codellama",
        context_length=16384,
        deprecated=True,
        successor=f"{_L31}{successor_size}-Instruct",
    )
    return [
        ModelSpec(f"codellama/CodeLlama-{size}-hf", instruct=False, template="chatml", **common),
        ModelSpec(
            f"codellama/CodeLlama-{size}-Instruct-hf",
            instruct=True,
            template="codellama-instruct",
            **common,
        ),
        ModelSpec(
            f"codellama/CodeLlama-{size}-Python-hf", instruct=False, template="chatml", **common
        ),
    ]


def _build() -> tuple[ModelSpec, ...]:
    llama3 = dict(deprecated=True, deprecated_after=LLAMA3_DEPRECATED_AFTER)
    specs = [
        ModelSpec("databricks/dbrx-base", "dbrx", 32768, False, _BASE_TEMPLATE["dbrx"]),
        ModelSpec("databricks/dbrx-instruct", "dbrx", 32768, True, "dbrx-instruct"),
        *_llama("meta-llama/Llama-3.2-1B", "llama3.2", 131072, "llama3.2"),
        *_llama("meta-llama/Llama-3.2-3B", "llama3.2", 131072, "llama3.2"),
        *(
            s
            for size in ("8B", "70B", "405B")
            for s in _llama(f"{_L31}{size}", "llama3.1", 131072, "llama3.1")
        ),
        *(
            s
            for size in ("8B", "70B")
            for s in _llama(
                f"meta-llama/Meta-Llama-3-{size}",
                "llama3",
                8192,
                "llama3",
                successor=f"{_L31}{size}",
                **llama3,
            )
        ),
        *_llama2("7b", "8B"),
        *_llama2("13b", "8B"),
        *_llama2("70b", "70B"),
        *_codellama("7b", "8B"),
        *_codellama("13b", "8B"),
        *_codellama("34b", "70B"),
        ModelSpec("mistralai/Mistral-7B-v0.1", "mistral", 32768, False, "chatml"),
        # DESIGN.md: "Mistral templates reject a system message", which is what
        # the first published v0.2 template did; the current Hub template folds
        # a system message into the first user turn ("mistral-instruct").
        ModelSpec(
            "mistralai/Mistral-7B-Instruct-v0.2", "mistral", 32768, True, "mistral-instruct-legacy"
        ),
        ModelSpec("mistralai/Mixtral-8x7B-v0.1", "mistral", 32768, False, "chatml"),
    ]
    return tuple(specs)


MODELS: tuple[ModelSpec, ...] = _build()
_BY_KEY: dict[str, ModelSpec] = {
    key: spec for spec in MODELS for key in (spec.name.lower(), spec.short_name.lower())
}


def list_models(*, include_deprecated: bool = True) -> list[ModelSpec]:
    """Every supported model, in table order (for ``ftdata models``)."""
    return [m for m in MODELS if include_deprecated or not m.deprecated]


def get_model(name: str) -> ModelSpec:
    """Look a model up by full or short name, ignoring case.

    Raises ``UsageError`` for an unknown name, suggesting the closest known ones.
    """
    key = name.strip().lower()
    spec = _BY_KEY.get(key)
    if spec is not None:
        return spec
    raise UsageError(_unknown_message(name, key))


def _unknown_message(name: str, key: str) -> str:
    close = difflib.get_close_matches(key, list(_BY_KEY), n=5, cutoff=0.5)
    suggestions: list[str] = []
    for match in close:
        full = _BY_KEY[match].name
        if full not in suggestions:
            suggestions.append(full)
    hint = f"; did you mean {', '.join(suggestions[:3])}?" if suggestions else ""
    return f"unknown model {name!r}{hint} (ftdata models lists the supported ones)"
