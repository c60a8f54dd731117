"""Which input format a JSONL file is in, judged from its first examples."""

from __future__ import annotations

from ftdata.sources.jsonl import BOM, parse_line
from ftdata.sources.lines import iter_lines, open_binary

#: Examples looked at before deciding.
SAMPLE = 50


def detect(path: str, max_line_bytes: int) -> tuple[str | None, str]:
    """``(format, reason)`` for the file at ``path``; ``(None, reason)`` when no format fits.

    The first :data:`SAMPLE` objects decide: a ``conversations`` key means
    ShareGPT, ``instruction`` with ``output`` means Alpaca, ``messages`` means
    an OpenAI-style chat file (the service's own shape is its subset).
    """
    seen: dict[str, int] = {}
    looked = 0
    with open_binary(path) as stream:
        for raw in iter_lines(stream, max_line_bytes):
            data = raw.data
            if data is None or not data.strip():
                continue
            value, problem = parse_line(data.removeprefix(BOM) if raw.number == 1 else data)
            if problem is not None or not isinstance(value, dict):
                continue
            looked += 1
            fmt = _format_of(value)
            if fmt is not None:
                seen[fmt] = seen.get(fmt, 0) + 1
            if looked >= SAMPLE:
                break
    if not seen:
        return None, f"none of the first {looked} examples has the keys of a known format"
    fmt = max(sorted(seen), key=seen.get)
    return fmt, f"{seen[fmt]} of the first {looked} examples have the keys of {fmt}"


def _format_of(value: dict) -> str | None:
    if isinstance(value.get("conversations"), list):
        return "sharegpt"
    if "instruction" in value and "output" in value:
        return "alpaca"
    if "messages" in value:
        return "openai"
    return None
