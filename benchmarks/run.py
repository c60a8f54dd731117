"""Benchmark ftdata against same-session baselines and write RESULTS.md + out/results.json.

    python benchmarks/run.py --quick     # ~20 MB corpora, a minute or so
    python benchmarks/run.py --full      # 200 MB corpora plus the 2 GB memory run

Every job runs in a fresh subprocess (see measure.py). ftdata and its
baseline run alternately on the same file, so drift hits both equally.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure import run_job, run_once, stats  # noqa: E402
from report import write_markdown  # noqa: E402

ROOT = HERE.parent
DATA, OUT = HERE / "data", HERE / "out"
PLANS = {
    "quick": {
        "size": "20MB",
        "big": None,
        "reps": 3,
        "startup_runs": 10,
        "delta": ("200MB", "100MB"),
    },
    "full": {"size": "200MB", "big": "2GB", "reps": 5, "startup_runs": 20, "delta": ("2GB", "1GB")},
}


def environment() -> dict[str, str]:
    """Child environment: the checkout importable, no user site noise."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def corpus(task: str, size: str, *, bad: float = 0.0, shared: bool = False) -> Path:
    """Path of a generated corpus, generating it (fixed seed) if it is not there yet."""
    suffix = f"-bad{bad:g}" if bad else ""
    suffix += "-shared" if shared else ""
    ext = "" if task == "text" else ".jsonl"
    path = DATA / f"{task}-{size}{suffix}{ext}"
    if not path.exists():
        cmd = [
            sys.executable,
            str(HERE / "generate.py"),
            task,
            str(path),
            "--size",
            size,
            "--bad",
            str(bad),
        ] + (["--shared-system"] if shared else [])
        print("generating", path.name, flush=True)
        subprocess.run(cmd, check=True)
    return path


def size_of(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def throughput(
    name: str, path: Path, baseline: str, reps: int, env: dict, tool_mode: str = "ftdata"
) -> dict:
    """ftdata.validate and its baseline, alternated ``reps`` times on the same file.

    ``tool_mode`` is the worker mode that runs ftdata (``ftdata-table`` for tables).
    """
    runs: dict[str, list[dict]] = {"ftdata": [], baseline: []}
    modes = {"ftdata": tool_mode, baseline: baseline}
    for mode in runs:  # warm-up, discarded: page cache and bytecode caches
        run_job(
            [sys.executable, str(HERE / "worker.py"), modes[mode], str(path)],
            cwd=str(ROOT),
            env=env,
        )
    for _ in range(reps):
        for mode in runs:
            cmd = [sys.executable, str(HERE / "worker.py"), modes[mode], str(path)]
            runs[mode].append(run_job(cmd, cwd=str(ROOT), env=env))
    mb = size_of(path) / 1e6
    entry = {"name": name, "path": str(path.relative_to(ROOT)), "mb": mb, "baseline": baseline}
    for mode, records in runs.items():
        inner = [r["inner"]["seconds"] for r in records]
        inner_cpu = [r["inner"]["cpu_seconds"] for r in records]
        entry[mode] = {
            "inner_s": stats(inner),
            "inner_cpu_s": stats(inner_cpu),
            "mb_per_cpu_s": mb / entry_median(inner_cpu),
            "wall_s": stats([r["wall"] for r in records]),
            "cpu_s": stats([r["cpu"] for r in records]),
            "max_rss_mb": stats([r["max_rss_mb"] for r in records]),
            "others_busy_cores": stats([r["others_busy_cores"] for r in records]),
            "mb_per_s": mb / entry_median(inner),
            "detail": records[-1]["inner"],
        }
    entry["ratio"] = entry["ftdata"]["mb_per_s"] / entry[baseline]["mb_per_s"]
    entry["ratio_cpu"] = entry["ftdata"]["mb_per_cpu_s"] / entry[baseline]["mb_per_cpu_s"]
    print(
        f"{name}: ftdata {entry['ftdata']['mb_per_s']:.0f} MB/s, {baseline} "
        f"{entry[baseline]['mb_per_s']:.0f} MB/s, ratio {entry['ratio']:.3f}",
        flush=True,
    )
    return entry


def entry_median(values: list[float]) -> float:
    """Median of a list (kept tiny so run.py stays free of statistics details)."""
    return stats(values)["median"]


def startup(runs: int, env: dict, script: str | None = None) -> dict:
    """CLI start-up: ``python -m ftdata validate small.jsonl`` (and the script) vs
    ``python -c pass``."""
    small = corpus("chat", "1KB")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import ftdata'": [sys.executable, "-c", "import ftdata"],
        "python -m ftdata validate small.jsonl": [
            sys.executable,
            "-m",
            "ftdata",
            "validate",
            str(small),
        ],
    }
    script = script or shutil.which("ftdata", path=env.get("PATH"))
    if script:
        commands["ftdata validate small.jsonl"] = [script, "validate", str(small)]
    walls: dict[str, list[float]] = {k: [] for k in commands}
    rss: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):  # interleaved, so drift affects every command alike
        for label, cmd in commands.items():
            record = run_once(cmd, cwd=str(ROOT), env=env)
            if record["returncode"] != 0:
                raise RuntimeError(f"{label} exited {record['returncode']}: {record['stderr']}")
            walls[label].append(record["wall"])
            rss[label].append(record["max_rss_mb"])
    base = stats(walls["python -c pass"])["median"]
    fixed = [
        run_job(
            [sys.executable, str(HERE / "worker.py"), "ftdata", str(small)], cwd=str(ROOT), env=env
        )["inner"]["seconds"]
        for _ in range(5)
    ]
    result = {
        "small_file": str(small.relative_to(ROOT)),
        "console_script": script,
        "validate_fixed_s": stats(fixed),
        "commands": {},
    }
    for label in commands:
        s = stats(walls[label])
        result["commands"][label] = {
            "wall_s": s,
            "overhead_ms": (s["median"] - base) * 1000,
            "max_rss_mb": stats(rss[label]),
        }
    return result


def memory_run(path: Path, size: str, env: dict) -> dict:
    """One ftdata run and one orjson run on the big file: peak RSS and throughput."""
    entry = throughput(f"chat {size} (memory)", path, "orjson", 1, env)
    entry["peak_rss_mb"] = entry["ftdata"]["max_rss_mb"]["max"]
    return entry


def delta_run(source_size: str, table_size: str, reps: int, env: dict) -> dict:
    """ftdata on a Delta table built from a chat corpus, against deltalake's bare scan."""
    path = DATA / f"delta-chat-{table_size}"
    if not (path / "_delta_log").is_dir():
        print("building", path.name, flush=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "tables.py"),
                str(corpus("chat", source_size)),
                str(path),
                "--size",
                table_size,
            ],
            check=True,
        )
    entry = throughput(
        f"Delta chat {table_size}", path, "delta-scan", reps, env, tool_mode="ftdata-table"
    )
    entry["peak_rss_mb"] = entry["ftdata"]["max_rss_mb"]["max"]
    entry["rows"] = entry["delta-scan"]["detail"]["rows"]
    return entry


def machine() -> dict:
    """Facts about the machine and checkout that the figures depend on."""
    import platform

    import orjson

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    head = subprocess.run(
        ["git", "--no-optional-locks", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "--no-optional-locks", "status", "--porcelain", "ftdata"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "orjson": orjson.__version__,
        "git_head": head,
        "ftdata_changes": [d.strip() for d in dirty if d.strip()],
        "loadavg_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the chosen plan and write the reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_const", dest="plan", const="quick")
    group.add_argument("--full", action="store_const", dest="plan", const="full")
    parser.add_argument("--reps", type=int, help="repetitions per throughput figure")
    parser.add_argument("--no-big", action="store_true", help="skip the 2 GB memory run")
    parser.add_argument("--no-delta", action="store_true", help="skip the Delta table run")
    parser.add_argument(
        "--console-script",
        metavar="PATH",
        help="the installed `ftdata` script to time (default: found on PATH)",
    )
    args = parser.parse_args(argv)
    plan = dict(PLANS[args.plan or "quick"], name=args.plan or "quick")
    reps = args.reps or plan["reps"]
    env = environment()
    started = dt.datetime.now().astimezone()
    results = {
        "date": started.isoformat(timespec="seconds"),
        "plan": plan["name"],
        "command": "python "
        + " ".join(shlex.quote(a) for a in ["benchmarks/run.py", *sys.argv[1:]]),
        "machine": machine(),
        "throughput": [],
    }
    size = plan["size"]
    results["throughput"].append(
        throughput(f"chat {size}", corpus("chat", size), "orjson", reps, env)
    )
    bad = corpus("chat", size, bad=0.01)
    results["throughput"].append(throughput(f"chat {size}, 1% bad lines", bad, "orjson", reps, env))
    shared = corpus("chat", size, shared=True)
    results["throughput"].append(
        throughput(f"chat {size}, shared system", shared, "orjson", reps, env)
    )
    instr = corpus("instruction", size, bad=0.01)
    results["throughput"].append(
        throughput(f"instruction {size}, 1% bad", instr, "orjson", reps, env)
    )
    text = corpus("text", size)
    results["throughput"].append(throughput(f"text folder {size}", text, "text-read", reps, env))
    results["startup"] = startup(plan["startup_runs"], env, args.console_script)
    if plan["big"] and not args.no_big:
        results["memory"] = memory_run(corpus("chat", plan["big"]), plan["big"], env)
    if not args.no_delta:
        results["delta"] = delta_run(*plan["delta"], reps, env)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_markdown(results, HERE / "RESULTS.md")
    print("wrote", OUT / "results.json", "and", HERE / "RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
