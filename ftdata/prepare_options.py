"""``prepare``'s options: what its manifest records (and fingerprints), and the run's Options.

The manifest's ``options`` are what determines the output. Given as keywords
they are recorded exactly as before (earlier outputs keep their fingerprint);
given as an :class:`~ftdata.core.options.Options`, its checking choices are
recorded under the same keys, plus ``rules`` when the rule settings differ
from the defaults (they decide which rows are valid, hence written).
"""

from __future__ import annotations

from typing import Any

from ftdata.config import Settings
from ftdata.core.options import Options, build_options, given_options

# The manifest's keys, in their order; the checking ones come from keywords or an Options.
ORDER = (
    "format",
    "model",
    "tokenizer",
    "context_length",
    "tokenize",
    "eval_fraction",
    "seed",
    "dedupe",
    "strict",
    "compression",
    "hashes",
    "shard_bytes",
    "file_bytes",
    "pad_last_window",
    "rename_completion",
    "task",
    "profile",
    "date",
    "target_responses",
    "target_prompts",
    "chat_template",
    "rules",
)
CHECK_KEYS = (
    "model",
    "tokenizer",
    "context_length",
    "task",
    "profile",
    "date",
    "target_responses",
    "target_prompts",
    "chat_template",
)


def manifest_options(writing: dict[str, Any], checking: dict[str, Any], options) -> dict:
    """The manifest's ``options``: ``writing`` as given, the checking part from ``checking``
    (keywords, None when not given) or from ``options`` (then no checking keyword)."""
    if given_options(options, checking) is not None:
        checking = from_options(options)
    else:
        checking = {**checking, "date": str(checking["date"]) if checking["date"] else None}
        if not checking["chat_template"]:  # only when given: earlier fingerprints stay valid
            del checking["chat_template"]
    values = {**writing, "hashes": sorted(set(writing["hashes"])), **checking}
    return {key: values[key] for key in ORDER if key in values}


def from_options(options: Options) -> dict[str, Any]:
    """The checking choices of ``options`` as a manifest records them (``rules`` if not default)."""
    settings, tokens = options.settings, options.token_settings
    recorded: dict[str, Any] = {"task": settings.task, "profile": settings.profile}
    for key in CHECK_KEYS:
        if key not in recorded:
            recorded[key] = getattr(tokens, key) if tokens is not None else None
    recorded["date"] = str(recorded["date"]) if recorded["date"] else None
    if not recorded["chat_template"]:
        del recorded["chat_template"]
    rules = _rules(settings)
    if rules:
        recorded["rules"] = rules
    return recorded


def _rules(settings: Settings) -> dict[str, Any]:
    """The rule settings that differ from the defaults and can change which rows are valid."""
    default = Settings()
    rules: dict[str, Any] = {}
    for key in ("select", "ignore", "tasks"):  # as JSON holds them: what a re-read gives
        if getattr(settings, key) != getattr(default, key):
            rules[key] = [list(v) if isinstance(v, tuple) else v for v in getattr(settings, key)]
    if settings.max_line_bytes != default.max_line_bytes:
        rules["max_line_bytes"] = settings.max_line_bytes
    if settings.severity:
        rules["severity"] = {code: level.label for code, level in sorted(settings.severity.items())}
    return rules


def run_options(recorded: dict[str, Any], options: Options | None) -> Options:
    """The run's Options: ``options`` when given, else built from the recorded keywords."""
    if options is not None:
        return options
    given: dict[str, Any] = {key: recorded.get(key) for key in CHECK_KEYS}
    return build_options(**given)
