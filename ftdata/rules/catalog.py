"""The rule catalogue: the one module that knows every rule family.

Each family module declares its rules in the registry when it is imported; this
module imports them all, so the questions asked of every rule at once (look a
code up, list, select, which checks run for a task) are answered here, never by
the registry alone, which knows no family and so imports none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ftdata.rules import (  # noqa: F401  (imported to declare their rules)
    chat,
    chat_order,
    content_parts,
    dataset,
    instruction,
    internal,
    load,
    run,
    schema,
    text,
    tokens,
)
from ftdata.rules.registry import RETIRED, Rule, declared, matches


def get(code: str) -> Rule:
    """The rule with this code (or retired alias); ``KeyError`` if there is none."""
    code = code.upper()
    return declared()[RETIRED.get(code, code)]


def all_rules() -> list[Rule]:
    """Every registered rule, ordered by code."""
    rules = declared()
    return [rules[c] for c in sorted(rules)]


def select(selector: str) -> list[Rule]:
    """The rules a selector names (a code, a retired code, a name, a family or a glob)."""
    return [candidate for candidate in all_rules() if matches(selector, candidate)]


def check_selectors(selectors: Iterable[str]) -> None:
    """Raise ``ValueError`` naming any selector that matches no rule at all."""
    rules = all_rules()
    unknown = [s for s in selectors if not any(matches(s, r) for r in rules)]
    if unknown:
        raise ValueError(f"no rule matches {', '.join(unknown)} (see `ftdata rules`)")


def drop_reasons() -> dict[str, str]:
    """Code -> drop reason of every rule whose finding means training drops the example."""
    return {r.code: r.drops for r in all_rules() if r.drops}


def iter_checks(task: str, enabled: Callable[[Rule], bool]) -> Iterator[Rule]:
    """The per-example rules for ``task`` that ``enabled`` accepts, in code order."""
    for item in all_rules():
        if item.check is not None and task in item.tasks and enabled(item):
            yield item
