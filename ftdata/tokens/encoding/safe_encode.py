"""Encoding that survives an encoder panic: the example fails, the run goes on.

The ``tokenizers`` library is Rust. When its pre-tokenizer regex gives up
(Oniguruma's retry limit on a pathological pattern) it panics, and PyO3
raises ``pyo3_runtime.PanicException``, a ``BaseException``: no ``except
Exception`` stops it, and it would end the whole run with a traceback. The
panic is a property of one text, so it must become a finding on the example
that holds the text (TK010). A batch that panics is encoded again one example
at a time to find which ones did; the fast path costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

MESSAGE_CHARS = 200  # a panic message may quote the text; keep the finding short


@dataclass(frozen=True, slots=True)
class EncodeFailed:
    """Stands for an example's ids when the encoder panicked on one of its texts."""

    message: str


class EncoderPanic(Exception):
    """The encoder panicked on a text (an ordinary exception, unlike the panic itself)."""


def is_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is a Rust panic raised through PyO3.

    Every PyO3 extension creates its own ``PanicException`` class, all named
    ``pyo3_runtime.PanicException``, so the class is recognised by name.
    """
    return any(
        cls.__name__ == "PanicException" and cls.__module__ == "pyo3_runtime"
        for cls in type(exc).__mro__
    )


def panic_message(exc: BaseException) -> str:
    """One line saying why the encoder failed, truncated."""
    text = " ".join(str(exc).split()) or "no message"
    if len(text) > MESSAGE_CHARS:
        text = f"{text[:MESSAGE_CHARS]}... ({len(text)} characters)"
    return f"the tokenizer failed on this text (a panic in its Rust code): {text}"


def guarded(call: Callable, *args):
    """``call(*args)``, with a panic turned into ``EncoderPanic``."""
    try:
        return call(*args)
    except Exception:
        raise
    except BaseException as exc:  # KeyboardInterrupt and SystemExit pass through below
        if not is_panic(exc):
            raise
        raise EncoderPanic(panic_message(exc)) from None


def each_alone(items: Sequence, encode_one: Callable) -> list:
    """``encode_one(item)`` for each item, ``EncodeFailed`` for those that panic."""
    out = []
    for item in items:
        try:
            out.append(guarded(encode_one, item))
        except EncoderPanic as exc:
            out.append(EncodeFailed(str(exc)))
    return out
