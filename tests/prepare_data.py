"""Small corpora for the prepare tests (deterministic, no randomness)."""

from __future__ import annotations

import json
from pathlib import Path

DBRX = "databricks/dbrx-instruct"
MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
DATE = "2024-06-01"


def chats(count: int) -> list[dict]:
    """``count`` distinct valid chats, some with two assistant turns."""
    out = []
    for i in range(count):
        messages = [
            {"role": "user", "content": f"Question {i}: what is {i} + {i}?"},
            {"role": "assistant", "content": f"{i} + {i} = {2 * i}."},
        ]
        if i % 3 == 0:
            messages += [
                {"role": "user", "content": f"And times {i % 7}?"},
                {"role": "assistant", "content": f"{2 * i * (i % 7)}, done."},
            ]
        out.append({"messages": messages})
    return out


def instructions(count: int) -> list[dict]:
    """``count`` distinct prompt/response examples."""
    return [
        {"prompt": f"Name the number after {i}.", "response": f"It is {i + 1}."}
        for i in range(count)
    ]


def write(path: Path, records: list) -> Path:
    """Write records (dicts or raw strings) as JSONL."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def corpus(folder: Path, docs: int = 5, words: int = 300) -> Path:
    """A folder of ``docs`` small English .txt documents."""
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(docs):
        text = " ".join(f"word{(d * 31 + k) % 97} is here." for k in range(words))
        (folder / f"doc-{d:02d}.txt").write_text(f"Document {d}.\n{text}\n", encoding="utf-8")
    return folder


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``folder``."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
