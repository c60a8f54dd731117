"""The free-standing hooks of the bounded sandbox: loops, filters, output, nesting.

``bounded.BoundedSandbox`` installs them; see its module doc for the
whole mechanism and ``budget`` for the budget they charge.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2.exceptions import TemplateSyntaxError
from jinja2.utils import generate_lorem_ipsum

from ftdata.tokens.chat_templates.sandbox import size_guards as guards
from ftdata.tokens.chat_templates.sandbox.budget import STATE, size_of, str_size

MAX_NESTING = 50  # blocks inside blocks, or brackets inside brackets, at compile time
LOOP_FILTER = "ftdata_bounded_loop"  # wraps every {% for %} iterable (see BoundedSandbox._parse)
_CLOCK_EVERY = 256  # loop items between two looks at the clock
_OPENERS = frozenset(
    {"if", "for", "macro", "call", "filter", "with", "block", "autoescape", "generation", "trans"}
)


def check_nesting(env: jinja2.Environment, source: str) -> None:
    """Refuse a template nested deeper than ``MAX_NESTING``, before the parser recurses into it."""
    blocks = brackets = 0
    tag_next = in_set = False
    for lineno, kind, value in env.lex(source):
        if kind == "block_begin":
            tag_next = True
        elif kind == "name" and tag_next:
            tag_next = False
            in_set = value == "set"
            if value in _OPENERS:
                blocks += 1
            elif value.startswith("end"):  # endset closes a block set: inline sets have none
                blocks -= 1
        elif kind == "operator" and value == "=" and in_set:
            in_set = False  # {% set x = ... %}: not a block
        elif kind == "block_end" and in_set:
            blocks, in_set = blocks + 1, False  # {% set x %}...{% endset %}
        elif kind == "operator" and value in "([{":
            brackets += 1
        elif kind == "operator" and value in ")]}":
            brackets -= 1
        if blocks > MAX_NESTING or brackets > MAX_NESTING:
            raise TemplateSyntaxError(f"nested more than {MAX_NESTING} levels deep", lineno)


def _bound_loop(iterable: Any) -> Any:
    """A loop's iterable, its length charged as steps (items one by one when it has none).

    A loop body may hold no hook at all (``{% if 'b' in s %}``), so a long
    loop also looks at the clock every ``_CLOCK_EVERY`` items; a short one is
    handed back as it is (the next loop or call looks at the clock).
    """
    budget = STATE.budget
    if budget is None:
        return iterable
    try:
        count = len(iterable)
    except TypeError:
        return _each_charged(iterable, budget)
    budget.step(count)
    return iterable if count <= _CLOCK_EVERY else _clocked(iterable, budget)


def _each_charged(iterable: Any, budget: Any) -> Any:
    for item in iterable:
        budget.step()
        yield item


def _clocked(iterable: Any, budget: Any) -> Any:
    for index, item in enumerate(iterable):
        if not index % _CLOCK_EVERY:
            budget.step(0)
        yield item


def _bounded_filter(name: str, func: Callable) -> Callable:
    """``func`` checked before (its result can outgrow its input) and charged after.

    Only those filters are wrapped: the others return at most a small multiple
    of their input (``trim``, ``upper``, ``escape``), charged where it is kept.
    """
    bound = guards.FILTERS[name]
    lead = 1 if hasattr(func, "jinja_pass_arg") else 0  # context/environment passed first

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        budget = STATE.budget
        if budget is None:
            return func(*args, **kwargs)
        if len(args) > lead:
            if name in ("join", "sum"):
                args = (*args[:lead], listed(args[lead], budget, name), *args[lead + 1 :])
            try:
                foreseen = bound(budget.cap, *args[lead:], **kwargs)
            except TypeError:  # wrong arguments: the filter itself says so
                foreseen = 0
            budget.check(foreseen, f"the result of the {name} filter")
        result = func(*args, **kwargs)
        if size := size_of(result):
            budget.made(size, f"the result of the {name} filter")
        return result

    return bounded


def listed(value: Any, budget: Any, name: str) -> Any:
    """``value`` as a list when it is an iterator or a mapping, to see what ``name`` will join."""
    if isinstance(value, (list, tuple, str)):
        return value
    items = list(value)  # what join/sum would take anyway; items count as steps
    budget.step(len(items))
    return items


def _lipsum(*args: Any, **kwargs: Any) -> str:
    """``lipsum(n, html, min, max)``, refused when it would be over the budget."""
    budget = STATE.budget
    if budget is not None:
        budget.check(guards.LIPSUM(budget.cap, *args, **kwargs), "lipsum()")
    return generate_lorem_ipsum(*args, **kwargs)


def finalize(value: Any) -> Any:
    """Every ``{{ value }}``: charged as output; a non-text value is printed only if it fits.

    Charging what is printed (not only what is built) bounds the buffers of
    macros and blocks, which collect printed values until their end.
    """
    budget = STATE.budget
    if budget is None:
        return value
    if value.__class__ is str:
        if budget.allocated + len(value) > budget.alloc_limit:
            budget.made(len(value), "the printed text")
        else:
            budget.allocated += len(value)
        return value
    budget.check(str_size(value, budget.cap), "a printed value")  # before str() builds it
    text = str(value)  # what Jinja prints for it anyway
    budget.made(len(text), "a printed value")
    return text


def bound_filters(env: jinja2.Environment) -> None:
    """Wrap the filters of ``env`` that can multiply data (call after adding its own ones);
    add the loop filter and a bounded lipsum."""
    env.filters.update(
        {
            name: _bounded_filter(name, env.filters[name])
            for name in guards.FILTERS
            if name in env.filters
        }
    )
    env.filters[LOOP_FILTER] = _bound_loop
    env.globals["lipsum"] = _lipsum
