"""Small helpers that keep generated English right: counts with their noun, articles."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``1,000 examples`` (``many`` for an irregular plural)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def article(word: str) -> str:
    """``a chat``, ``an instruction``: the indefinite article a word takes (by its first letter)."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def joined(names: tuple[str, ...] | list[str]) -> str:
    """The ``source`` of a dataset-level finding: its sources' names, for people."""
    return ", ".join(names) or "the input"


def sentence(text: str) -> str:
    """``text`` ended with one full stop, whether or not it already had one."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."
