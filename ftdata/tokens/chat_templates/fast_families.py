"""The template families of ``fast_render``: one ``Layout`` builder per chat format.

A family describes one canonical conversation as a ``Layout`` (see the
``fast_render`` module doc); ``Context`` is what it needs besides the messages.

Each builder mirrors one Jinja template (``jinja/*.jinja``) for canonical
conversations only (see ``fast_render.canonical``) and returns None where the
template would raise. ``trim`` and ``.strip()`` are both Python's
``str.strip()`` in Jinja, hence ``strip()`` below.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ftdata.tokens.chat_templates.builtin import get_builtin
from ftdata.tokens.chat_templates.jinja_render import TemplateRenderError, date_string

_LLAMA31_DEFAULT_DATE = "26 Jul 2024"


@dataclass(frozen=True, slots=True)
class Layout:
    """One canonical conversation as a template renders it (see the module doc)."""

    head: str
    segments: list[str]
    generation: str


@dataclass(frozen=True, slots=True)
class Context:
    """What a family needs besides the messages: special tokens and the date.

    A token the template does not define is ``""``; families that use one are only chosen when
    the template defines it (``FAMILY_NEEDS``).
    """

    bos: str
    eos: str
    date: _dt.date | None
    default_system: str | None = None


Family = Callable[[Context, "str | None", list[tuple[str, str]]], "Layout | None"]


def llama_date(context: Context, *, clock: bool) -> str:
    """The "Today Date" of Llama 3.1 (fixed default) or 3.2 (the clock) templates."""
    if context.date is not None:
        return date_string(context.date)
    if clock:  # strftime_now, as the sandbox defines it when no date is pinned
        return _dt.datetime.now().strftime("%d %b %Y")
    return _LLAMA31_DEFAULT_DATE


_HEADER = "<|start_header_id|>{}<|end_header_id|>\n\n"
_EOT = "<|eot_id|>"


def _chatml(ctx: Context, system: str | None, turns: list[tuple[str, str]]) -> Layout:
    head = "" if system is None else f"<|im_start|>system\n{system}<|im_end|>\n"
    segments = [f"<|im_start|>{role}\n{text}<|im_end|>\n" for role, text in turns]
    return Layout(head, segments, "<|im_start|>assistant\n")


def _dbrx(ctx: Context, system: str | None, turns: list[tuple[str, str]]) -> Layout | None:
    # The system block is written with the first turn, so it is part of every
    # prefix that has a turn; turns after the first are joined by a newline.
    if system is None:
        system = ctx.default_system
        if system is None:
            return None
    head = f"<|im_start|>system\n{system.strip()}<|im_end|>\n"
    segments = [f"<|im_start|>{role}\n{text}<|im_end|>" for role, text in turns]
    segments[1:] = ["\n" + s for s in segments[1:]]
    return Layout(head, segments, "\n<|im_start|>assistant\n")


def _mistral(ctx: Context, system: str | None, turns: list[tuple[str, str]]) -> Layout:
    segments = []
    for index, (role, text) in enumerate(turns):
        if role == "user":
            prefix = system + "\n\n" if index == 0 and system is not None else ""
            segments.append(f" [INST] {prefix}{text} [/INST]")
        else:
            segments.append(f" {text}{ctx.eos}")
    return Layout(ctx.bos, segments, "")


def _mistral_legacy(
    ctx: Context, system: str | None, turns: list[tuple[str, str]]
) -> Layout | None:
    if system is not None:
        return None  # the template rejects it (roles must alternate): Jinja reports it
    segments = [
        f"[INST] {text} [/INST]" if role == "user" else f"{text}{ctx.eos}" for role, text in turns
    ]
    return Layout(ctx.bos, segments, "")


def _llama3(ctx: Context, system: str | None, turns: list[tuple[str, str]]) -> Layout:
    segments = [_HEADER.format(role) + text.strip() + _EOT for role, text in turns]
    if system is None:
        return Layout("", [ctx.bos + segments[0], *segments[1:]], _HEADER.format("assistant"))
    head = ctx.bos + _HEADER.format("system") + system.strip() + _EOT
    return Layout(head, segments, _HEADER.format("assistant"))


def _llama3_dated(
    clock: bool, ctx: Context, system: str | None, turns: list[tuple[str, str]]
) -> Layout:
    head = (
        ctx.bos
        + _HEADER.format("system")
        + "Cutting Knowledge Date: December 2023\n"
        + "Today Date: "
        + llama_date(ctx, clock=clock)
        + "\n\n"
        + (system.strip() if system is not None else "")
        + _EOT
    )
    segments = [_HEADER.format(role) + text.strip() + _EOT for role, text in turns]
    return Layout(head, segments, _HEADER.format("assistant"))


def _llama3_1(ctx: Context, system: str | None, turns: list[tuple[str, str]]) -> Layout:
    return _llama3_dated(False, ctx, system, turns)


def _llama3_2(ctx: Context, system: str | None, turns: list[tuple[str, str]]) -> Layout:
    return _llama3_dated(True, ctx, system, turns)


def _llama2(ctx: Context, system: str | None, turns: list[tuple[str, str]]) -> Layout:
    segments = []
    for index, (role, text) in enumerate(turns):
        if role == "user":
            if index == 0 and system is not None:
                text = f"<<SYS>>\n{system}\n<</SYS>>\n\n{text}"
            segments.append(f"{ctx.bos}[INST] {text.strip()} [/INST]")
        else:
            segments.append(f" {text.strip()} {ctx.eos}")
    return Layout("", segments, "")


FAMILIES: Mapping[str, Any] = MappingProxyType(
    {
        "chatml": _chatml,
        "dbrx": _dbrx,
        "mistral": _mistral,
        "mistral-legacy": _mistral_legacy,
        "llama3": _llama3,
        "llama3.1": _llama3_1,
        "llama3.2": _llama3_2,
        "llama2": _llama2,
    }
)
# The special tokens each family writes; without them Jinja would not render the same.
FAMILY_NEEDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "chatml": (),
        "dbrx": (),
        "mistral": ("bos_token", "eos_token"),
        "mistral-legacy": ("bos_token", "eos_token"),
        "llama3": ("bos_token",),
        "llama3.1": ("bos_token",),
        "llama3.2": ("bos_token",),
        "llama2": ("bos_token", "eos_token"),
    }
)

_BUILTIN_FAMILY = {
    "chatml": "chatml",
    "dbrx-instruct": "dbrx",
    "mistral-instruct": "mistral",
    "mistral-instruct-legacy": "mistral-legacy",
    "llama3": "llama3",
    "llama3.1": "llama3.1",
    "llama3.2": "llama3.2",
    "llama2-chat": "llama2",
    "codellama-instruct": "llama2",
}
# sha256 of the original templates the built-ins reproduce (the files pinned in
# tests/tokens/tok_originals.py); the tests prove the fast path against them too.
ORIGINAL_SHAS: Mapping[str, str] = MappingProxyType(
    {
        "ba03a121d097859c7b5b9cd03af99aafe95275210d2876f642ad9929a150f122": "llama3",
        "e10ca381b1ccc5cf9db52e371f3b6651576caee0a630b452e2816b2d404d4b65": "llama3.1",
        "5816fce10444e03c2e9ee1ef8a4a1ea61ae7e69e438613f3b17b69d0426223a4": "llama3.2",
        "ea2472f29dbd93c3eb696795f6403228fcc4b775518869c771f83fbae5c11dbf": "llama2",
        "796853172235ab3aaa4810013ddfe2eab481bda3306dad4f700c00d436eed596": "mistral",
        "26a59556925c987317ce5291811ba3b7f32ec4c647c400c6cc7e3a9993007ba7": "mistral-legacy",
        "faf1f8b675beeabd4ddbb89b93bb03f94f097b3bb1ff5dfa8e99e70674a9cdbb": "dbrx",
        "fcf7a096fe99a48fd9ad2b250bf9237e96e8f48bffec1c7ea4d3f225176cd40e": "chatml",
    }
)


@functools.cache
def family_by_sha() -> Mapping[str, str]:
    """Template sha256 -> family, for the originals and the built-in templates.

    The built-ins are read and hashed on first use, not at import: a run that
    counts no chat never reads them.
    """
    builtin = {
        hashlib.sha256(get_builtin(tid).source().encode("utf-8")).hexdigest(): family
        for tid, family in _BUILTIN_FAMILY.items()
    }
    return MappingProxyType({**ORIGINAL_SHAS, **builtin})


def default_system(template: Any) -> str | None:
    """DBRX's default system prompt, read from the template by rendering one probe chat.

    Taken from the template itself rather than restated, so the text can only
    be the one Jinja renders; None when the probe does not look as expected.
    """
    start, end = "<|im_start|>system\n", "<|im_end|>\n<|im_start|>user\nx<|im_end|>"
    try:
        text = template.render([{"role": "user", "content": "x"}])
    except TemplateRenderError:
        return None
    if not (text.startswith(start) and text.endswith(end)):
        return None
    return text[len(start) : -len(end)]
