"""Whole-process measurement: wall time, peak RSS, CPU and contention from other processes.

Each job runs in a fresh child; ``os.wait4`` returns that child's own rusage,
so the peak RSS is exactly its own (not the maximum over earlier children).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def _time_rss_kb(text: str) -> float:
    """The last number time(1) wrote with ``-f %M`` (it may prefix a "Command exited" line)."""
    numbers = [line for line in text.split() if line.isdigit()]
    return float(numbers[-1]) if numbers else 0.0


def cpu_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (``/proc/stat``; 0 if unavailable)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def run_once(cmd: list[str], *, cwd: str, env: dict[str, str]) -> dict:
    """Run ``cmd`` once; return wall, user+sys CPU, peak RSS (MB), others' busy cores, stdout.

    Linux carries the parent's RSS high-water mark into a spawned child's
    ``ru_maxrss`` (the exec'd image starts from the parent's memory map), so
    small jobs would read as big as this driver. With ``/usr/bin/time`` the job
    is forked from that tiny program and its ``%M`` is exact; without it the
    figure is a floor at the driver's own RSS.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(mode="r") as rss_file,
    ):
        prefix = [TIME, "-f", "%M", "-o", rss_file.name] if TIME else []
        busy0 = cpu_busy_seconds()
        start = time.perf_counter()
        child = subprocess.Popen(prefix + cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        busy = cpu_busy_seconds() - busy0
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        rss_kb = _time_rss_kb(rss_file.read()) if TIME else usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime  # includes the job, which time(1) waited for
    return {
        "wall": wall,
        "cpu": cpu,
        "max_rss_mb": rss_kb / 1024,
        "others_busy_cores": max(0.0, (busy - cpu) / wall) if wall else 0.0,
        "returncode": child.returncode,
        "stdout": stdout,
        "stderr": stderr[-2000:],
    }


def run_job(cmd: list[str], *, cwd: str, env: dict[str, str], ok_codes=(0,)) -> dict:
    """:func:`run_once` plus the worker's JSON record (``inner``); raises if the job failed."""
    record = run_once(cmd, cwd=cwd, env=env)
    if record["returncode"] not in ok_codes:
        raise RuntimeError(f"{' '.join(cmd)} exited {record['returncode']}: {record['stderr']}")
    lines = record.pop("stdout").strip().splitlines()
    record["inner"] = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
    return record


def stats(values: list[float]) -> dict:
    """Median, min, max and relative spread ((max-min)/median) of repeated figures."""
    if not values:
        return {}
    median = statistics.median(values)
    spread = (max(values) - min(values)) / median if median else 0.0
    return {
        "median": median,
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "spread": spread,
    }
