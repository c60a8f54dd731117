"""Foreseen result sizes of the template operations that can multiply data.

Each function returns an upper bound of the size (characters or items) of
what an operation is about to build, from its arguments alone, so that the
sandbox (``environment``) can refuse it *before* Python allocates it: once
``'a' * 10**10`` has run, the memory is gone. Operations missing here grow
their result by at most a small factor of their input (``upper``, ``escape``,
``split``, ``sort``) and are only charged after the fact (``budget``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ftdata.tokens.chat_templates.sandbox.budget import INT_BITS_PER_CHAR, str_size

# printf-style conversions: %(name)flags width .precision length type
_PRINTF = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([a-zA-Z%])")
_DIGITS = re.compile(r"\d+")
_HUGE = 10**18  # stands for a number too long to read (over 18 digits)


def _number(value) -> int:
    """A width or count argument as a non-negative int (0 for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(value, 0)


def _text_len(value, limit: int) -> int:
    return len(value) if isinstance(value, str) else str_size(value, limit)


def _count(value) -> int:
    try:
        return len(value)
    except TypeError:
        return 0


def _growth(text_len: int, old, new, count, limit: int) -> int:
    """Bound of ``text.replace(old, new, count)``."""
    old_len, new_len = _text_len(old, limit), _text_len(new, limit)
    hits = text_len // old_len + 1 if old_len else text_len + 1
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        hits = min(hits, count)
    return text_len + hits * max(new_len - old_len, 0)


def _shape(value, limit: int) -> tuple[int, int]:
    """(items, nesting depth) of plain data, counted up to about ``limit`` items."""
    items, deepest, stack = 0, 0, [(value, 0)]
    while stack and items <= limit:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, Mapping):
            items += len(item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            items += len(item)
            stack.extend((v, depth + 1) for v in item)
    return items, deepest


def json_bound(
    limit: int, value, ensure_ascii=False, indent=None, separators=None, sort_keys=False
) -> int:
    """Bound of ``json.dumps``: escaped text, plus per item a newline and the indentation."""
    size = str_size(value, limit, quote=12 if ensure_ascii else 6)
    items, depth = _shape(value, limit)
    width = len(indent) if isinstance(indent, str) else _number(indent)
    seps = (
        sum(_text_len(s, limit) for s in separators) if isinstance(separators, (list, tuple)) else 2
    )
    return size + items * (seps + 1 + (depth + 1) * width)


def printf_bound(limit: int, fmt, args) -> int:
    """Bound of ``fmt % args``: the format plus, per conversion, its width or its argument."""
    if not isinstance(fmt, str):
        return 0
    mapping = args if isinstance(args, Mapping) else None
    positional = list(args) if isinstance(args, tuple) else [args]
    total = len(fmt)
    for name, width, precision, kind in _PRINTF.findall(fmt):
        if kind == "%":
            continue
        sizes = []
        for part in (width, precision):
            if part == "*":
                sizes.append(_number(positional.pop(0)) if positional else 0)
            else:
                sizes.append(int(part) if part and len(part) < 19 else _HUGE if part else 0)
        if mapping is not None:
            arg = mapping.get(name) if name else mapping
        else:
            arg = positional.pop(0) if positional else None
        total += max(sizes[0], str_size(arg, limit) + sizes[1])
    return total


def spec_bound(limit: int, value, spec: str) -> int:
    """Bound of ``format(value, spec)``: the value plus every number in the spec (width,
    precision)."""
    numbers = sum(int(n) if len(n) < 19 else _HUGE for n in _DIGITS.findall(spec))
    return str_size(value, limit) + numbers


def _center(limit, value, width=80, *_):
    return _text_len(value, limit) + _number(width)


def _indent(limit, value, width=4, *_, **__):
    text_len = _text_len(value, limit)
    lines = value.count("\n") + 1 if isinstance(value, str) else text_len + 1
    pad = len(width) if isinstance(width, str) else _number(width)
    return text_len + lines * pad


def _wordwrap(limit, value, width=79, break_long_words=True, wrapstring=None, *_, **__):
    text_len = _text_len(value, limit)
    # textwrap cuts a long word by copying its rest once per line: quadratic
    # work, counted here as size (40,000 characters at width 1 is ~0.3 s).
    longest = max(map(len, value.split()), default=0) if isinstance(value, str) else text_len
    work = longest * longest // max(_number(width), 1) // 1000
    return max(text_len + (text_len + 1) * _text_len(wrapstring or "\n", limit), work)


def _replace(limit, value, old, new, count=None):
    return _growth(_text_len(value, limit), old, new, count, limit)


def _printf_filter(limit, value, *args, **kwargs):
    if not isinstance(value, str):
        return str_size(value, limit)
    return printf_bound(limit, value, kwargs or tuple(args))


def _join(limit, value, d="", attribute=None):
    parts = value if isinstance(value, (list, tuple, str)) else ()  # callers make iterators lists
    return sum(str_size(p, limit, quote=4) for p in parts) + len(parts) * _text_len(d, limit)


def _batch(limit, value, linecount, fill_with=None):
    return _count(value) + _number(linecount)


def _sum(limit, iterable, attribute=None, start=0):
    parts = iterable if isinstance(iterable, (list, tuple)) else ()
    # Adding lists copies the total so far each time: count the work, not only the result.
    return len(parts) * (sum(_count(p) for p in parts) + _count(start))


def _pprint(limit, value):
    items, depth = _shape(value, limit)
    return str_size(value, limit) + items * (depth + 2)


def _string(limit, value):
    return str_size(value, limit)


def _urlize(limit, value, trim_url_limit=None, nofollow=False, target=None, rel=None, *_, **__):
    text_len = _text_len(value, limit)
    extra = _text_len(target or "", limit) + _text_len(rel or "", limit) + 64
    return text_len * 3 + (text_len // 3 + 1) * extra


def _lipsum(limit, n=5, html=True, min=20, max=100):  # noqa: A002 - Jinja's own names
    return _number(n) * (_number(max) + 1) * 16


Bound = Callable[..., int]

#: Filters whose result can be much larger than their input, by filter name.
FILTERS: dict[str, Bound] = {
    "center": _center,
    "indent": _indent,
    "wordwrap": _wordwrap,
    "replace": _replace,
    "format": _printf_filter,
    "tojson": json_bound,
    "join": _join,
    "batch": _batch,
    "slice": _batch,
    "sum": _sum,
    "pprint": _pprint,
    "string": _string,
    "urlize": _urlize,
}

#: Globals whose result can be large: lipsum(n, html, min, max).
LIPSUM = _lipsum


def _pad(limit, text, width, *_):
    return len(text) + _number(width)


def _expandtabs(limit, text, tabsize=8):
    return len(text) * max(_number(tabsize), 1)


def _str_replace(limit, text, old, new, count=-1):
    return _growth(len(text), old, new, count, limit)


def _str_join(limit, sep, parts):
    return _join(limit, parts, sep)


def _translate(limit, text, table):
    longest = (
        max((_text_len(v, limit) for v in table.values()), default=1)
        if isinstance(table, Mapping)
        else 1
    )
    return len(text) * max(longest, 1)


def _to_bytes(limit, number, length=1, *_, **__):
    return _number(length)


#: Methods of str and bytes whose result can be much larger than the object.
TEXT_METHODS: dict[str, Bound] = {
    "center": _pad,
    "ljust": _pad,
    "rjust": _pad,
    "zfill": _pad,
    "expandtabs": _expandtabs,
    "replace": _str_replace,
    "join": _str_join,
    "translate": _translate,
}

#: Methods of int whose result can be large.
INT_METHODS: dict[str, Bound] = {"to_bytes": _to_bytes}


def binop_bound(operator: str, left, right, limit: int) -> int:
    """Bound of ``left <operator> right`` for ``*``, ``**``, ``%`` and ``+``."""
    if operator == "+":
        sized = (str, bytes, list, tuple)
        return len(left) + len(right) if isinstance(left, sized) and isinstance(right, sized) else 0
    if operator == "%":
        return printf_bound(limit, left, right) if isinstance(left, str) else 0
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**":
        if ints and right > 0 and abs(left) > 1:
            return left.bit_length() * right // INT_BITS_PER_CHAR
        return 0
    if ints:
        return (left.bit_length() + right.bit_length()) // INT_BITS_PER_CHAR
    if isinstance(left, int):
        left, right = right, left
    if isinstance(right, int) and isinstance(left, (str, bytes, list, tuple)):
        return len(left) * max(right, 0)
    return 0
