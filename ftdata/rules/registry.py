"""The rule registry: every check ftdata can report, with its stable code.

A rule is declared next to its code with :func:`rule`. Its docstring is its
documentation (``ftdata rules CODE`` prints it) and must show a bad and a good
example. Codes are two letters and three digits and are never reused; a
retired code stays selectable as an alias in :data:`RETIRED`.
"""

from __future__ import annotations

import fnmatch
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ftdata.findings import Severity

CODE_PATTERN = re.compile(r"^[A-Z]{2}\d{3}$")
FAMILIES = {
    "LD": "load and parse",
    "SC": "schema and task",
    "CH": "chat",
    "PR": "prompt and response",
    "TX": "text (continued pre-training)",
    "TK": "tokens",
    "DS": "dataset",
    "FT": "ftdata internal",
    "RN": "run arguments (ftdata preflight)",
}
TASKS = ("chat", "instruction", "pretraining")
#: How a rule's findings can be fixed by ``ftdata fix``: by default, or only when asked.
FIX_KINDS = ("safe", "opt-in")
PROFILES = ("databricks", "llm-foundry")

#: Retired codes and the code that replaced them (kept selectable as aliases).
RETIRED: dict[str, str] = {}

# A check yields (pointer, message) pairs; the checking core turns them into findings.
Violation = tuple[str, str]
Check = Callable[..., Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered check and everything known about it."""

    code: str
    name: str
    severity: Severity
    tasks: frozenset[str]
    hint: str
    doc: str
    check: Check | None = None
    profiles: frozenset[str] = field(default_factory=lambda: frozenset(PROFILES))
    structural: bool = False
    # Set when the finding means "training leaves this example out" (llm-foundry
    # drops it silently): the drop reason, as in ``TokenCounts.drop_reason``. A
    # row with such a finding and no error is valid but not trained on.
    drops: str | None = None
    fix: str | None = None  # one of FIX_KINDS when `ftdata fix` can fix the rule's findings

    @property
    def summary(self) -> str:
        """The first line of the rule's documentation."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    @property
    def family(self) -> str:
        """The two-letter family prefix of the code."""
        return self.code[:2]


_RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    *,
    severity: Severity | str,
    tasks: Iterable[str],
    hint: str,
    profiles: Iterable[str] = PROFILES,
    structural: bool = False,
    drops: str | None = None,
    fix: str | None = None,
) -> Callable[[Check], Check]:
    """Register the decorated function as the check of rule ``code``.

    The function receives a task-specific view of one example and yields
    ``(json_pointer, message)`` for each violation. ``drops`` names the drop reason
    of a rule whose finding means training drops the example (``Rule.drops``). Rules
    reported by the loaders or the checking core themselves (no per-example check)
    are declared with :func:`declare`. ``fix`` (``safe`` or ``opt-in``) declares that
    ``ftdata fix`` repairs the rule's findings (``ftdata.reshape.fixes``).
    """

    def decorate(func: Check) -> Check:
        _add(code, name, severity, tasks, hint, profiles, structural, func, drops=drops, fix=fix)
        return func

    return decorate


def declare(
    code: str,
    name: str,
    *,
    severity: Severity | str,
    tasks: Iterable[str],
    hint: str,
    doc: str,
    profiles: Iterable[str] = PROFILES,
    drops: str | None = None,
    fix: str | None = None,
) -> Rule:
    """Register a rule whose findings are produced outside the per-example checks."""
    return _add(
        code, name, severity, tasks, hint, profiles, False, None, doc=doc, drops=drops, fix=fix
    )


def _add(
    code, name, severity, tasks, hint, profiles, structural, func, doc=None, drops=None, fix=None
) -> Rule:
    if not CODE_PATTERN.match(code) or code[:2] not in FAMILIES:
        raise ValueError(f"rule code {code!r} is not a family prefix plus three digits")
    if fix is not None and fix not in FIX_KINDS:
        raise ValueError(f"rule {code}: fix must be one of {FIX_KINDS}, not {fix!r}")
    if code in _RULES or code in RETIRED:
        raise ValueError(f"rule code {code} is registered twice")
    text = doc if doc is not None else inspect.getdoc(func) or ""
    if isinstance(severity, str):
        severity = Severity.parse(severity)
    registered = Rule(
        code=code,
        name=name,
        severity=severity,
        tasks=frozenset(tasks),
        hint=hint,
        doc=inspect.cleandoc(text),
        check=func,
        profiles=frozenset(profiles),
        structural=structural,
        drops=drops,
        fix=fix,
    )
    _RULES[code] = registered
    return registered


def matches(selector: str, candidate: Rule) -> bool:
    """Whether a selector (code, name, family prefix or glob like ``CH*``) names a rule."""
    sel = selector.strip()
    upper = RETIRED.get(sel.upper(), sel.upper())
    if upper in (candidate.code, candidate.family) or sel == candidate.name:
        return True
    return fnmatch.fnmatchcase(candidate.code, upper) or fnmatch.fnmatchcase(candidate.name, sel)


def declared() -> dict[str, Rule]:
    """The rules declared so far, by code.

    Complete only once every family module has been imported: ask
    ``ftdata.rules.catalog`` (which imports them all) for the full set.
    """
    return _RULES
