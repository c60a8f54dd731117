"""Which input format a JSONL file or table is in, judged from its first examples."""

from __future__ import annotations

from ftdata.reshape.reading import items

#: Examples looked at before deciding.
SAMPLE = 50


def detect(source: str, table, max_line_bytes: int) -> tuple[str | None, str]:
    """``(format, reason)`` for ``source``; ``(None, reason)`` when no format fits.

    The first :data:`SAMPLE` examples decide: a ``conversations`` key means
    ShareGPT, ``instruction`` with ``output`` means Alpaca, ``messages`` means
    an OpenAI-style chat file (the service's own shape is its subset).
    """
    seen: dict[str, int] = {}
    looked = 0
    for item in items(source, table, max_line_bytes, lambda changes: None):
        if item.code is not None:
            continue
        looked += 1
        fmt = _format_of(item.value)
        if fmt is not None:
            seen[fmt] = seen.get(fmt, 0) + 1
        if looked >= SAMPLE:
            break
    if not seen:
        return None, f"none of the first {looked} examples has the keys of a known format"
    fmt = max(sorted(seen), key=lambda name: seen[name])
    return fmt, f"{seen[fmt]} of the first {looked} examples have the keys of {fmt}"


def _format_of(value: dict) -> str | None:
    if isinstance(value.get("conversations"), list):
        return "sharegpt"
    if "instruction" in value and "output" in value:
        return "alpaca"
    if "messages" in value:
        return "openai"
    return None
