"""Making data safe to print: the one place every reporter (and the CLI) escapes it.

Data reaches a report through messages, JSON Pointers, file names and keys. Printed
raw, a control character there can retitle or clear a terminal (ESC, BEL, the C1
CSI), reorder what a reader sees (bidi overrides), split a GitHub annotation into
two commands (CR, LF) or make XML not well-formed (NUL). Formats for people show
such a character as a Python-style escape (``\\x1b``, ``\\u202e``); JSON formats
keep the exact text (a pointer still names its key) and write it as ``\\uXXXX``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from ftdata.findings import Finding

# C0 controls, DEL and C1 controls; the bidi controls (ALM, LRM, RLM, LRE..RLO,
# LRI..PDI) and the line and paragraph separators; lone surrogates (no encoding
# can write them); U+FFFE and U+FFFF (XML forbids them).
_NOT_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
UNSAFE = re.compile(f"[\x00-\x1f{_NOT_C0}]")
# In JSON text every C0 control is structure (indentation) or already escaped.
UNSAFE_IN_JSON = re.compile(f"[{_NOT_C0}]")


def printable(text: str) -> str:
    """``text`` with every unsafe character written as ``\\xNN`` or ``\\uNNNN``."""
    return UNSAFE.sub(_python_escape, text)


def printable_or_none(text: str | None) -> str | None:
    """:func:`printable` for an optional location part."""
    return None if text is None else printable(text)


def printable_finding(finding: Finding) -> Finding:
    """A copy of ``finding`` whose text parts (message, hint, location) are printable."""
    loc = finding.location
    location = replace(
        loc,
        source=printable(loc.source),
        pointer=printable(loc.pointer),
        file=printable_or_none(loc.file),
        key=printable_or_none(loc.key),
    )
    sources = finding.sources
    if sources:  # a dataset-level finding names its sources in the text too
        sources = tuple(printable(s) for s in sources)
    return replace(
        finding,
        message=printable(finding.message),
        hint=printable(finding.hint),
        location=location,
        sources=sources,
    )


def json_text(value: object) -> str:
    """``value`` as indented JSON with no unsafe character written raw.

    ``json`` already escapes C0 controls inside strings; the rest can only occur
    inside strings, where a ``\\uXXXX`` escape stands for exactly the same text.
    """
    return UNSAFE_IN_JSON.sub(_json_escape, json.dumps(value, indent=2, ensure_ascii=False))


def json_line(value: object) -> str:
    """``value`` as one line of JSON with no unsafe character written raw."""
    return UNSAFE_IN_JSON.sub(_json_escape, json.dumps(value, ensure_ascii=False))


def _python_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
