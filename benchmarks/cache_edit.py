"""One-line edits of a JSONL file for the cache benchmark, done outside the timed span.

The edit appends letters to one word of the line that starts after the file's middle
byte, so the line stays valid JSON (the word sits inside a message's content) and every
byte after it shifts: content-defined chunking has to find its boundaries again. The
file is rewritten to a sibling and renamed over the old one, as many editors save.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

# A lower-case word between two spaces: only message contents hold spaces in the
# generated corpora, so such a word is never a key or a role.
WORD = re.compile(rb" ([a-z]{3,}) ")
BLOCK = 1 << 20


def middle_line(path: Path) -> tuple[int, bytes]:
    """Offset and bytes (with its newline) of the first line starting after the middle byte."""
    with open(path, "rb") as handle:
        handle.seek(os.path.getsize(path) // 2)
        handle.readline()  # the rest of the line the middle byte falls in
        start = handle.tell()
        return start, handle.readline()


def edited(line: bytes, tag: str) -> bytes:
    """``line`` with ``tag`` appended to its first plain word; checked to parse as JSON."""
    found = WORD.search(line)
    if found is None:
        raise ValueError("no plain word to edit in the middle line")
    new = line[: found.end(1)] + tag.encode("ascii") + line[found.end(1) :]
    json.loads(new)
    return new


def _copy_span(source, target, length: int) -> None:
    """Copy ``length`` bytes from ``source``'s position to ``target``."""
    while length > 0:
        block = source.read(min(BLOCK, length))
        if not block:
            raise OSError("file shrank while it was being edited")
        target.write(block)
        length -= len(block)


def edit_middle_line(path: Path, tag: str) -> dict:
    """Rewrite ``path`` with one word of its middle line changed; return what changed."""
    start, line = middle_line(path)
    new = edited(line, tag)
    partial = path.with_name(path.name + ".edit-partial")
    with open(path, "rb") as source, open(partial, "wb") as target:
        _copy_span(source, target, start)
        target.write(new)
        source.seek(start + len(line))
        shutil.copyfileobj(source, target, BLOCK)
    os.replace(partial, path)
    return {"offset": start, "line_bytes": len(line), "added_bytes": len(new) - len(line)}
