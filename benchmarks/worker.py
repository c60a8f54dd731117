"""One benchmark job, run in a fresh process by run.py; prints one JSON line.

    python benchmarks/worker.py JOB PATH

JOB is one of ftdata, ftdata-progress, orjson, lines, text-read, ftdata-table, delta-scan.

``seconds`` is timed inside the process around the work only (imports and
interpreter start-up excluded); run.py adds the whole-process wall time and
peak RSS from outside.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
import time
from pathlib import Path

CHUNK = 4 * 1024 * 1024
# Fallback only: run.py and ab.py choose the ftdata under test with PYTHONPATH,
# which comes before this entry.
sys.path.append(str(Path(__file__).resolve().parent.parent))


def run_ftdata(path: str) -> dict:
    """``ftdata.validate(path)`` with defaults (no tokenizer)."""
    import ftdata

    start, cpu = time.perf_counter(), time.process_time()
    result = ftdata.validate(path)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "work_cpu_seconds": cpu, "summary": result.summary}


def run_ftdata_progress(path: str) -> dict:
    """``ftdata.validate(path)`` driving the command line's progress bar (drawn to /dev/null).

    tqdm is imported before the clock, as ftdata is: its one-off import (~30 ms)
    is reported apart as ``import_seconds``.
    """
    import ftdata
    from ftdata.progress import ProgressBar

    start = time.perf_counter()
    import tqdm  # noqa: F401

    imported = time.perf_counter() - start
    with open(os.devnull, "w", encoding="utf-8") as sink:
        bar, ticks = ProgressBar("validate", sink), []
        start, cpu = time.perf_counter(), time.process_time()
        result = ftdata.validate(path, progress=lambda tick: (ticks.append(1), bar(tick)))
        bar.close()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "work_cpu_seconds": cpu,
        "import_seconds": imported,
        "ticks": len(ticks),
        "summary": result.summary,
    }


def timed(func):
    """Add the process CPU seconds spent in ``func`` to its record as ``cpu_seconds``."""

    def wrapper(path: str) -> dict:
        cpu = time.process_time()
        record = func(path)
        record["cpu_seconds"] = time.process_time() - cpu
        return record

    return wrapper


def run_orjson(path: str) -> dict:
    """Baseline: ``orjson.loads`` of every non-blank line (bad lines counted, not fatal)."""
    import orjson

    start = time.perf_counter()
    rows = bad = 0
    with open(path, "rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            rows += 1
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                bad += 1
    return {"seconds": time.perf_counter() - start, "rows": rows, "unparsed": bad}


def run_lines(path: str) -> dict:
    """Floor: iterate the binary lines and do nothing else."""
    start = time.perf_counter()
    with open(path, "rb") as handle:
        rows = sum(1 for _ in handle)
    return {"seconds": time.perf_counter() - start, "rows": rows}


def run_text_read(path: str) -> dict:
    """Baseline for text corpora: read every .txt file with an incremental UTF-8 decoder."""
    start = time.perf_counter()
    files = bad = 0
    for name in sorted(Path(path).rglob("*.txt")):
        files += 1
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            with name.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad += 1
    return {"seconds": time.perf_counter() - start, "files": files, "not_utf8": bad}


def preload_table_libraries() -> None:
    """Import pyarrow and deltalake before the clock starts (as imports are excluded for JSONL).

    ``pa.array`` once, too: pyarrow imports pandas on its first conversion when
    pandas is installed, a one-time cost that belongs to neither side.
    """
    import deltalake  # noqa: F401
    import pyarrow as pa

    pa.array([0])


def run_ftdata_table(path: str) -> dict:
    """``ftdata.validate(table)`` with defaults (structure only), table libraries preloaded."""
    preload_table_libraries()
    return run_ftdata(path)


def run_delta_scan(path: str) -> dict:
    """Baseline: deltalake's streaming scan of every row of the table, doing nothing else."""
    preload_table_libraries()
    import pyarrow as pa
    from deltalake import DeltaTable

    start = time.perf_counter()
    reader = pa.RecordBatchReader.from_stream(DeltaTable(path).scan())
    rows = sum(batch.num_rows for batch in reader)
    return {"seconds": time.perf_counter() - start, "rows": rows}


MODES = {
    "ftdata": timed(run_ftdata),
    "ftdata-progress": timed(run_ftdata_progress),
    "orjson": timed(run_orjson),
    "lines": timed(run_lines),
    "text-read": timed(run_text_read),
    "ftdata-table": timed(run_ftdata_table),
    "delta-scan": timed(run_delta_scan),
}


def main() -> int:
    """Run the mode named on the command line and print its JSON record."""
    mode, path = sys.argv[1], sys.argv[2]
    print(json.dumps(MODES[mode](path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
