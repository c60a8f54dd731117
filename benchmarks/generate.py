"""Write synthetic, realistic fine-tuning corpora of a target size with a fixed seed.

    python benchmarks/generate.py chat benchmarks/data/chat-200MB.jsonl --size 200MB
    python benchmarks/generate.py chat out.jsonl --size 50MB --shared-system --bad 0.01
    python benchmarks/generate.py instruction out.jsonl --size 100MB
    python benchmarks/generate.py text benchmarks/data/txt-200MB --size 200MB

Chat lines follow the corpus of the research note (tokenizers-perf.md §3.1):
40% start with a system message, 1-4 user/assistant exchanges, lognormal
lengths (user median ~33 words, assistant ~150), some non-ASCII, markdown and
code fences. ``--bad F`` turns a fraction F of lines into realistic mistakes.
Output is streamed in blocks, so memory stays bounded at any size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults import CHAT_FAULTS, INSTRUCTION_FAULTS, inject  # noqa: E402
from textgen import TextMaker  # noqa: E402

UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "B": 1}
BLOCK_LINES = 512


def parse_size(text: str) -> int:
    """``"200MB"`` -> 200_000_000 (decimal units, like the research note)."""
    text = text.strip().upper()
    for unit in ("KB", "MB", "GB", "B"):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * UNITS[unit])
    return int(text)


def chat_example(maker: TextMaker, system: str | None) -> dict:
    """One conversation: optional system message, then 1-4 user/assistant exchanges."""
    rng = maker.rng
    messages = []
    if system is not None or rng.random() < 0.4:
        text = system or maker.prose(maker.lognormal_words(40, 0.7, 600))
        messages.append({"role": "system", "content": text})
    for _ in range(rng.randint(1, 4)):
        messages.append(
            {"role": "user", "content": maker.prose(maker.lognormal_words(33, 1.0, 3000), 0.05)}
        )
        messages.append(
            {
                "role": "assistant",
                "content": maker.prose(maker.lognormal_words(150, 0.9, 4000), 0.3),
            }
        )
    return {"messages": messages}


def instruction_example(maker: TextMaker) -> dict:
    """One prompt/response pair with chat-like lengths."""
    return {
        "prompt": maker.prose(maker.lognormal_words(40, 1.0, 3000), 0.05),
        "response": maker.prose(maker.lognormal_words(150, 0.9, 4000), 0.3),
    }


def write_jsonl(
    path: Path,
    task: str,
    size: int,
    seed: int,
    bad: float,
    shared_system: bool,
    system_words: int = 60,
) -> dict:
    """Stream examples to ``path`` until ``size`` bytes; return counts."""
    maker = TextMaker(seed)
    fault_rng = random.Random(seed + 1)
    system = maker.prose(system_words) if shared_system else None
    faults = CHAT_FAULTS if task == "chat" else INSTRUCTION_FAULTS
    written = lines = injected = 0
    with path.open("wb", buffering=1 << 20) as out:
        while written < size:
            block = []
            for _ in range(BLOCK_LINES):
                value = (
                    chat_example(maker, system) if task == "chat" else instruction_example(maker)
                )
                line = orjson.dumps(value)
                if bad and fault_rng.random() < bad:
                    line = inject(fault_rng, faults, value, line)
                    injected += 1
                block.append(line)
                written += len(line) + 1
                lines += 1
                if written >= size:
                    break
            out.write(b"\n".join(block) + b"\n")
    return {"bytes": written, "lines": lines, "bad_lines": injected}


def write_text(folder: Path, size: int, seed: int, bad: float) -> dict:
    """A folder of .txt documents (lognormal sizes, median ~2 MB), streamed paragraph-wise."""
    maker = TextMaker(seed)
    rng = maker.rng
    folder.mkdir(parents=True, exist_ok=True)
    written = files = injected = 0
    while written < size:
        target = min(size - written, max(1000, int(rng.lognormvariate(14.5, 1.0))))
        name = folder / f"doc-{files:05d}.txt"
        written += _write_document(name, maker, target)
        files += 1
        if bad and rng.random() < bad:
            (folder / f"bad-{files:05d}.txt").write_bytes(b"caf\xe9 latin-1\n")
            injected += 1
    if bad:
        (folder / "empty.txt").write_bytes(b"")
        (folder / "notes.md").write_text("ignored\n")
    return {"bytes": written, "files": files, "bad_files": injected}


def _write_document(path: Path, maker: TextMaker, target: int) -> int:
    written = 0
    with path.open("wb", buffering=1 << 20) as out:
        while written < target:
            chunk = (maker.prose(2000, 0.2) + "\n\n").encode()
            out.write(chunk)
            written += len(chunk)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``generate.py {chat,instruction,text} OUT --size N [--seed S] [--bad F]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=("chat", "instruction", "text"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="10MB", help="target size, e.g. 1MB, 200MB, 2GB")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--bad", type=float, default=0.0, help="fraction of bad lines/files")
    parser.add_argument(
        "--shared-system",
        action="store_true",
        help="chat: every example starts with the same system prompt",
    )
    parser.add_argument(
        "--system-words", type=int, default=60, help="words in the shared system prompt (60)"
    )
    args = parser.parse_args(argv)
    size = parse_size(args.size)
    start = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".partial")
    if args.task == "text":
        stats = write_text(tmp, size, args.seed, args.bad)
    else:
        stats = write_jsonl(
            tmp, args.task, size, args.seed, args.bad, args.shared_system, args.system_words
        )
    if args.out.exists() and args.task == "text":
        _remove_tree(args.out)
    os.replace(tmp, args.out)
    stats.update(task=args.task, seed=args.seed, seconds=round(time.perf_counter() - start, 2))
    print(json.dumps(stats))
    return 0


def _remove_tree(folder: Path) -> None:
    for item in sorted(folder.rglob("*"), reverse=True):
        item.rmdir() if item.is_dir() else item.unlink()
    folder.rmdir()


if __name__ == "__main__":
    sys.exit(main())
