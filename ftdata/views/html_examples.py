"""The example behind a finding, for the HTML report, with the offending part marked.

Only plain local JSONL files are read again (one pass per file, stopping after
the last wanted line); the excerpt is truncated and escaped.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from ftdata.findings import Finding, parse_pointer

MAX_EXAMPLES = 200  # excerpts per report: enough to read, bounded for 100,000-finding runs
EXCERPT = 300  # characters kept each side of the marked part


def excerpts(findings: list[Finding]) -> dict[int, str]:
    """HTML excerpts by index into ``findings``, for those whose example can be read."""
    wanted: dict[str, dict[int, list[int]]] = {}
    for index, f in enumerate(findings[:MAX_EXAMPLES]):
        loc = f.location
        if loc.line is not None and loc.source.endswith(".jsonl") and Path(loc.source).is_file():
            wanted.setdefault(loc.source, {}).setdefault(loc.line, []).append(index)
    out: dict[int, str] = {}
    for source, lines in wanted.items():
        for number, text in _read_lines(source, set(lines)):
            for index in lines[number]:
                out[index] = _excerpt(text, findings[index].location.pointer)
    return out


def _read_lines(path: str, numbers: set[int]):
    last = max(numbers)
    try:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if number in numbers:
                    yield number, raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if number >= last:
                    return
    except OSError:
        return  # the file went away since validation: no excerpt, not an error


def _excerpt(line: str, pointer: str) -> str:
    start, end = _span(line, pointer)
    lo, hi = max(0, start - EXCERPT), min(len(line), end + EXCERPT)
    before = ("…" if lo else "") + line[lo:start]
    marked = line[start:end]
    if len(marked) > 2 * EXCERPT:
        marked = marked[: 2 * EXCERPT] + "…"
    after = line[end:hi] + ("…" if hi < len(line) else "")
    mark = f"<mark>{escape(marked)}</mark>" if marked else ""
    return f"<pre class='example'>{escape(before)}{mark}{escape(after)}</pre>"


def _span(line: str, pointer: str) -> tuple[int, int]:
    """Where the value at ``pointer`` is written in ``line`` ((0, 0) when not found).

    Walks the raw text (not a re-serialisation) so the mark lands on the very
    characters of the line, even when an equal value appears earlier.
    """
    if not pointer:
        return 0, 0
    try:
        return _locate(line, _skip_space(line, 0), parse_pointer(pointer))
    except (ValueError, IndexError):
        return 0, 0


_DECODER = json.JSONDecoder()


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _locate(text: str, at: int, tokens: list[str]) -> tuple[int, int]:
    """The span of the value reached from the value starting at ``at`` by ``tokens``."""
    if not tokens:
        return at, _DECODER.raw_decode(text, at)[1]
    opener = text[at]
    if opener not in "[{":
        raise ValueError("the pointer goes through a scalar")
    at, index = _skip_space(text, at + 1), 0
    while text[at] not in "]}":
        if opener == "{":
            key, at = _DECODER.raw_decode(text, at)
            at = _skip_space(text, at)
            at = _skip_space(text, at + 1)  # the colon
            hit = key == tokens[0]
        else:
            hit = str(index) == tokens[0]
        if hit:
            return _locate(text, at, tokens[1:])
        at = _skip_space(text, _DECODER.raw_decode(text, at)[1])
        if text[at] == ",":
            at = _skip_space(text, at + 1)
        index += 1
    raise ValueError("no such member")
