"""The bounded sandbox: the hooks that hold every render to its budget.

``BoundedSandbox`` is Jinja's immutable sandbox plus hooks at each place where
a template can multiply data or work; each hook asks the budget of the render
running on this thread (``budget``) before and after:

* operators ``*``, ``**``, ``%``, ``+`` (Jinja's ``intercepted_binops``) and
  ``~`` (compiled through ``bounded_join``): the foreseen size is checked first;
* calls (macros, methods, globals): one step each; the str/bytes/int methods
  that can multiply their object (``center``, ``replace``, ``to_bytes``, ...)
  are checked first; ``str.format`` checks every field's width;
* filters that can outgrow their input (``center``, ``wordwrap``,
  ``tojson(indent=...)``, ...) are wrapped (``bound_filters``): checked
  first, charged after;
* loops: every ``{% for %}`` iterable passes through a filter that charges its
  length as steps; ``{{ value }}`` (``finalize``) and every joined output
  (``concat``: the render, a macro, a block) are checked against the cap;
* compile time: nesting deeper than ``MAX_NESTING`` is refused before Jinja's
  recursive parser meets it.

Outside a render (no budget) every hook is a plain pass-through, and within
the budget no hook changes a value: the rendered text is Jinja's own.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from itertools import islice
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from markupsafe import EscapeFormatter, Markup

from ftdata.tokens.chat_templates.sandbox import size_guards as guards
from ftdata.tokens.chat_templates.sandbox.budget import STATE, size_of, str_size
from ftdata.tokens.chat_templates.sandbox.hooks import LOOP_FILTER, check_nesting, finalize, listed

_BOUNDED_METHODS = frozenset(guards.TEXT_METHODS) | frozenset(guards.INT_METHODS)
_METHODS = (types.MethodType, types.BuiltinMethodType)


class _BoundedCodeGenerator(CodeGenerator):
    """Routes ``+`` and ``~`` through the budget unless they only add a constant.

    ``x + 'text'`` grows a value by at most the template's own text, so it is
    compiled inline, as Jinja would (the operators of real templates are nearly
    all of this kind: ``'<|im_start|>' + role + '\\n'``). Growth by repetition
    is still bounded: what persists (namespace attributes, macro arguments,
    printed output) is checked where it is stored. Only ``a + b`` and
    ``a ~ b`` with two computed sides, which can double a value, are hooked.
    """

    def visit_Add(self, node: nodes.BinExpr, frame: Any) -> None:
        """Inline ``(a + b)`` when one side is a constant, else the sandbox's hook."""
        if isinstance(node.left, nodes.Const) or isinstance(node.right, nodes.Const):
            self.write("(")
            self.visit(node.left, frame)
            self.write(" + ")
            self.visit(node.right, frame)
            self.write(")")
        else:
            super().visit_Add(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        """``environment.bounded_join(<Jinja's own join>, (parts...))``, unless one part is
        computed."""
        if sum(not isinstance(part, nodes.Const) for part in node.nodes) <= 1:
            super().visit_Concat(node, frame)
            return
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"environment.bounded_join({join}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _BoundedFormatter(SandboxedFormatter):
    """``str.format`` that refuses a field whose width or precision is over the budget."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        """Check the foreseen size of the field, format it, and charge it."""
        budget = STATE.budget
        if budget is None:
            return super().format_field(value, format_spec)
        budget.check(guards.spec_bound(budget.cap, value, format_spec), "a formatted field")
        text = super().format_field(value, format_spec)
        budget.made(len(text), "a formatted field")
        return text


class _BoundedEscapeFormatter(_BoundedFormatter, EscapeFormatter):
    """The same for ``Markup.format``: fields are escaped, as in Jinja's sandbox."""


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every render held to its budget (see the module doc)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=finalize, **options)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """``left <operator> right``, refused when its foreseen size is over the budget."""
        budget = STATE.budget
        if budget is None:
            return self.binop_table[operator](left, right)
        if operator == "+" and left.__class__ is str and right.__class__ is str:
            # The hot path of real templates ('<|im_start|>' + role + ...): the
            # result is at most twice the larger part, so it is charged after.
            result = left + right
            size = len(result)
            if size > budget.cap or budget.allocated + size > budget.alloc_limit:
                budget.made(size, "the result of +")
            else:
                budget.allocated += size
            return result
        if left.__class__ is int and right.__class__ is int and operator in ("+", "%"):
            return self.binop_table[operator](left, right)  # loop.index0 % 2: cannot grow
        budget.check(
            guards.binop_bound(operator, left, right, budget.cap), f"the result of {operator}"
        )
        result = self.binop_table[operator](left, right)
        if size := size_of(result):
            budget.made(size, f"the result of {operator}")
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """A call from the template: one step, a size check before, a charge after."""
        budget = STATE.budget
        if budget is None:
            return super().call(__context, __obj, *args, **kwargs)
        budget.steps -= 1
        if budget.steps < 0 or not budget.steps & 31:
            budget.step(0)  # out of steps, or time to look at the clock
        for arg in args:  # what a macro passes on to itself must stay within the cap
            if arg.__class__ is str and len(arg) > budget.cap:
                budget.check(len(arg), "an argument")
        if (
            getattr(__obj, "__name__", None) in _BOUNDED_METHODS
            and (bound := _call_bound(__obj)) is not None
        ):
            if __obj.__name__ == "join" and len(args) == 1:
                args = (listed(args[0], budget, "join"),)  # see what is joined
            try:
                foreseen = bound(budget.cap, __obj.__self__, *args, **kwargs)
            except TypeError:  # wrong arguments: the call itself says so
                foreseen = 0
            budget.check(foreseen, f"the result of {__obj.__name__}()")
        # The result is not charged: a method's result is at most a small
        # multiple of its object, and it is charged where it is kept or printed.
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format``/``format_map`` through a formatter that checks every field."""
        if not isinstance(value, _METHODS):  # every attribute read comes here: leave early
            return None
        text = value.__self__
        if value.__name__ not in ("format", "format_map") or not isinstance(text, str):
            return None
        if isinstance(text, Markup):  # escapes what it formats, like Jinja's own
            formatter: SandboxedFormatter = _BoundedEscapeFormatter(self, escape=text.escape)
        else:
            formatter = _BoundedFormatter(self)
        kind = type(text)
        if value.__name__ == "format_map":

            def format_map(mapping: Any) -> str:
                return kind(formatter.vformat(text, (), mapping))

            return format_map

        def format(*args: Any, **kwargs: Any) -> str:  # noqa: A001 - the method's own name
            return kind(formatter.vformat(text, args, kwargs))

        return format

    def concat(self, parts: Any) -> str:  # overrides Environment.concat
        """Join output chunks (a render, a macro, a block), refusing an output over the cap."""
        budget = STATE.budget
        if budget is None:
            return "".join(parts)
        if parts.__class__ is list:  # a macro's or block's buffer, complete
            budget.check(max(sum(map(len, parts)), len(parts)), "the rendered text")
        else:  # the render's own generator: take it in slices, checking as it grows
            kept, size, iterator = [], 0, iter(parts)
            while True:
                chunk = list(islice(iterator, 256))
                kept += chunk
                size += sum(map(len, chunk))
                # Empty pieces cost a reference each: count them too.
                budget.check(max(size, len(kept)), "the rendered text")
                if len(chunk) < 256:
                    break
            parts = kept
        text = "".join(parts)
        budget.made(len(text), "the rendered text")
        return text

    def bounded_join(self, join: Callable, parts: tuple) -> str:
        """``a ~ b ~ ...``: refused when the joined text would be over the cap."""
        budget = STATE.budget
        if budget is not None:
            budget.check(sum(str_size(p, budget.cap) for p in parts), "the result of ~")
        text = join(parts)
        if budget is not None:
            budget.made(len(text), "the result of ~")
        return text

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse after a nesting check, then route every loop through the step budget."""
        check_nesting(self, source)
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, LOOP_FILTER, [], [], None, None, lineno=loop.lineno)
        return tree


def _call_bound(obj: Any) -> Callable | None:
    """The size bound of a method call, when the method can multiply its object."""
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, (str, bytes)):
        return guards.TEXT_METHODS.get(getattr(obj, "__name__", ""))
    if isinstance(owner, int) and not isinstance(owner, bool):
        return guards.INT_METHODS.get(getattr(obj, "__name__", ""))
    return None


__all__ = ["BoundedSandbox"]
