"""The sandboxed Jinja environment that chat templates are compiled in.

This module imports jinja2 at the top, so ``jinja_render`` imports it lazily:
a run that never renders a template never pays for Jinja.

The environment mirrors what Hugging Face transformers builds for
``apply_chat_template`` (see research note §2) so that a template renders the
same text here as there: an immutable sandbox, ``trim_blocks`` and
``lstrip_blocks``, loop controls, a ``{% generation %}`` tag, a JSON filter
without HTML escaping, and a few globals. Only the clock differs: it can be
pinned, so that a date-stamped template renders reproducibly.

It is also bounded (``BoundedSandbox``): every render runs under a budget of
size, work and time (``budget``), charged by hooks at the few places
where a template can multiply data or work (operators, calls, filters, loops,
joins, output), so a hostile template fails one example instead of hanging
the run or eating the machine's memory. The hooks only check and count; for
any template that stays within the budget the text is unchanged.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from ftdata.tokens.chat_templates.sandbox.bounded import BoundedSandbox
from ftdata.tokens.chat_templates.sandbox.budget import RenderLimit, current, size_of
from ftdata.tokens.chat_templates.sandbox.hooks import bound_filters


class TemplateRaised(TemplateError):
    """Raised by a template's own ``raise_exception(message)`` call.

    A distinct subclass lets the renderer tell "the template rejected this
    conversation" apart from "the template broke" (an undefined variable, a
    type error), while still being a ``TemplateError`` like in transformers.
    """


class GenerationTag(Extension):
    """``{% generation %}...{% endgeneration %}``: renders its body unchanged.

    Training templates wrap assistant output in this tag so that transformers
    can build an assistant mask. Rendering text needs no mask, so the tag is
    a pass-through; the text is the same as the template without the tag.
    """

    tags = {"generation"}

    def parse(self, parser: Any) -> nodes.Node:
        """Turn the tag's body into a call block that returns the body."""
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_body", [])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _body(self, caller: Callable[[], str]) -> str:
        return caller()


class _DictFactory:
    """The template global ``dict``: builds dicts, exposes nothing else.

    Handing the real ``dict`` type to a template would expose its class
    machinery; this object offers only ``dict(...)`` and ``dict.fromkeys``.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        return dict(*args, **kwargs)

    def fromkeys(self, keys: Any, value: Any = None) -> dict:
        """``dict.fromkeys(keys, value)``."""
        return dict.fromkeys(keys, value)


class _SafeNamespace(Namespace):
    """``namespace(...)`` that refuses attribute names starting with ``_``.

    A namespace is the one object a sandboxed template may mutate; refusing
    private names keeps it from shadowing dunder attributes.
    """

    def __init__(*args: Any, **kwargs: Any) -> None:  # noqa: B902 - mirrors Namespace
        initial = dict(*args[1:], **kwargs)
        _check_names(initial)
        Namespace.__init__(args[0], initial)

    def __setitem__(self, name: str, value: Any) -> None:
        _check_names({name: value})
        if (budget := current()) is not None:  # what a loop keeps must stay within the cap
            budget.check(size_of(value), "a namespace attribute")
        Namespace.__setitem__(self, name, value)


def _check_names(values: dict) -> None:
    for key in values:
        if str(key).startswith("_"):
            raise SecurityError(f"namespace attribute {key!r} is not allowed")


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    """JSON without HTML escaping, non-ASCII kept: what chat templates expect.

    Jinja's own ``tojson`` escapes ``<``, ``>``, ``&`` and ``'`` for HTML,
    which would change the text a model is trained on.
    """
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _raise_exception(message: str) -> None:
    raise TemplateRaised(message)


def _clock(pinned: _dt.date | None) -> Callable[[str], str]:
    """``strftime_now(fmt)``: local time now, or the pinned date at midnight."""
    if pinned is None:
        return lambda fmt: _dt.datetime.now().strftime(fmt)
    at_midnight = _dt.datetime(pinned.year, pinned.month, pinned.day)
    return lambda fmt: at_midnight.strftime(fmt)


def build_environment(pinned_date: _dt.date | None) -> ImmutableSandboxedEnvironment:
    """A fresh bounded sandbox; ``pinned_date`` fixes ``strftime_now``."""
    env = BoundedSandbox(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols]
    )
    env.filters["tojson"] = _tojson
    bound_filters(env)
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _clock(pinned_date)
    env.globals["dict"] = _DictFactory()
    env.globals["namespace"] = _SafeNamespace
    return env


__all__ = [
    "BoundedSandbox",
    "GenerationTag",
    "RenderLimit",
    "SecurityError",
    "TemplateError",
    "TemplateRaised",
    "build_environment",
    "jinja2",
]
