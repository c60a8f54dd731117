"""The budget every chat-template render runs under: size, work and time.

A chat template from a model folder is untrusted code. The sandbox stops it
from reaching Python internals, but not from asking for ``'a' * 10**10``,
``range(10**5)`` nested five deep or a macro that calls itself twice per
level forty levels down: each of those hangs the run or takes gigabytes.
Every render therefore gets a ``RenderBudget`` sized from the conversation it
renders, and the hooks of the bounded sandbox (``bounded``,
``hooks``) charge it:

* size: no string, list or output a template builds may exceed ``cap``
  characters (or items): 10x the conversation's characters plus 1 MB. Checks
  happen *before* an operation allocates wherever the result's size can be
  foreseen (``*``, ``center``, a format width, ``tojson(indent=...)``, ...);
* allocation: everything the hooks see created adds up to at most
  ``ALLOC_FACTOR x cap``, which bounds the memory held in loop buffers;
* work: loop iterations and calls (macros, methods) are steps, at most
  ``STEPS`` plus 10 per conversation character;
* time: the render stops after ``SECONDS`` of wall time (looked at every 32
  calls, at every loop and every 256 items of a long loop).

The limits start at their floors (1 MB, ``STEPS``) and grow to the
conversation's own the first time one is reached: measuring the conversation
is left out of the renders that stay small, which is nearly all of them.

Real templates stay far below all of these (they render a conversation in
well under a millisecond, to a text a few percent longer than the content),
so a render that hits one fails that example with a clear message (TK001).
The budget is per thread: renders on different threads never share one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

CAP_FACTOR = 10  # characters of output per character of conversation
CAP_SLACK = 1_000_000  # plus this much for templates that add fixed text (tool docs)
ALLOC_FACTOR = 64  # cumulative allocation allowed, in caps
STEPS = 200_000  # loop iterations and calls, plus 10 per conversation character
SECONDS = 2.0  # wall time per render
INT_BITS_PER_CHAR = 4  # an integer may have up to 4 bits per character of cap


class _PerThread(threading.local):
    """Each thread's render budget; ``None`` when the thread is not rendering."""

    budget: RenderBudget | None = None


STATE = _PerThread()  # hooks read ``STATE.budget``: the cheapest lookup on the hot path


class RenderLimit(Exception):
    """A render went over its budget (raised inside the template, reported as TK001)."""


class RenderBudget:
    """What one render may still spend; see the module doc.

    The limits start at their floor (``CAP_SLACK``, ``STEPS``) and are raised
    to the conversation's own the first time one is reached, so that a render
    that stays small never pays for measuring its conversation.
    """

    __slots__ = ("cap", "allocated", "alloc_limit", "steps", "deadline", "_context")

    def __init__(self, context: Mapping | None = None) -> None:
        self._context = context  # measured on first need (see _grow)
        self.cap = CAP_SLACK
        self.allocated = 0
        self.alloc_limit = ALLOC_FACTOR * CAP_SLACK
        self.steps = STEPS
        self.deadline = time.monotonic() + SECONDS

    def _grow(self) -> bool:
        """Raise the limits to the conversation's; False when they already are."""
        if self._context is None:
            return False
        chars, self._context = context_chars(self._context), None
        self.cap += CAP_FACTOR * chars
        self.alloc_limit = ALLOC_FACTOR * self.cap
        self.steps += 10 * chars
        return True

    def step(self, count: int = 1) -> None:
        """Charge ``count`` steps (loop items, calls); look at the clock every 32 single
        steps, and at every other charge (``count`` 0 only looks at the clock)."""
        self.steps -= count
        if self.steps < 0 and not (self._grow() and self.steps >= 0):
            raise RenderLimit(
                "the template does too much work (over the sandbox's step limit: "
                "loops or macro calls without end)"
            )
        if (count != 1 or not self.steps & 31) and time.monotonic() > self.deadline:
            raise RenderLimit(f"the template takes over {SECONDS:g} s to render one conversation")

    def check(self, size: int, what: str) -> None:
        """Refuse an operation whose result would have ``size`` characters or items."""
        if size > self.cap and not (self._grow() and size <= self.cap):
            raise RenderLimit(
                f"{what} would be {size:,} characters or items, over the sandbox's "
                f"limit of {self.cap:,} for this conversation"
            )

    def made(self, size: int, what: str) -> None:
        """Record a value of ``size`` just built (checked, and added to the allocation)."""
        self.check(size, what)
        self.allocated += size
        if self.allocated > self.alloc_limit and not (
            self._grow() and self.allocated <= self.alloc_limit
        ):
            raise RenderLimit(
                f"the template builds over {self.alloc_limit:,} characters in "
                "total (over the sandbox's allocation limit)"
            )


def current() -> RenderBudget | None:
    """The budget of the render running on this thread, or None outside a render."""
    return STATE.budget


def run_bounded(context: Mapping, render: Callable, *args, **kwargs):
    """``render(*args, **kwargs)`` under a fresh budget for ``context`` (any outer one restored)."""
    outer = STATE.budget
    STATE.budget = RenderBudget(context)
    try:
        return render(*args, **kwargs)
    finally:
        STATE.budget = outer


def context_chars(context: Mapping) -> int:
    """Characters of text in a render's variables (messages, tools, documents, tokens)."""
    total = 0
    for value in context.values():
        if value.__class__ is str:
            total += len(value)
        elif value.__class__ is list:
            for item in value:  # messages: dicts of mostly strings
                if item.__class__ is dict:
                    for part in item.values():
                        total += len(part) if part.__class__ is str else text_chars(part, 1 << 62)
                else:
                    total += text_chars(item, 1 << 62)
        elif value is not None and value.__class__ is not bool:
            total += text_chars(value, 1 << 62)
    return total


def text_chars(value, limit: int) -> int:
    """Characters in the strings (and keys) of plain data, counted up to about ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return total


def str_size(value, limit: int, quote: int = 4) -> int:
    """An upper bound of ``len(str(value))`` (of ``repr`` inside containers), up to ``limit``.

    Strings inside containers count ``quote`` times their length: ``repr``
    escapes control characters (``\\x00`` is four characters) and JSON
    escapes them to six (callers pass 6). Integers count their decimal digits,
    other objects a fixed 64. Counting stops once ``limit`` is passed, so a
    cyclic or huge structure costs at most ``limit`` visits.
    """
    if isinstance(value, str):
        return len(value)
    total, stack = 0, [(value, False)]
    while stack and total <= limit:
        item, inner = stack.pop()
        if isinstance(item, (str, bytes)):
            total += quote * len(item) + 2 if inner else len(item)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            stack.extend((part, True) for pair in item.items() for part in pair)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend((part, True) for part in item)
        elif type(item).__name__ == "Namespace":  # its repr shows its attributes
            total += 16
            stack.append((getattr(item, "_Namespace__attrs", {}), True))
        else:
            total += 64
    return total


def size_of(value) -> int:
    """The size a hook charges for a value already built: length of str, bytes, list, dict."""
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // INT_BITS_PER_CHAR
    return 0
