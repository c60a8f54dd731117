"""prepare never loses data and never reports an unusable output as success (issue 11, items 1-9).

Each test names the item it pins. The race, kill and signal tests run real
processes; the property test at the end drives prepare over arbitrary
pre-existing ``--out`` contents.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prepare_data import MISTRAL, chats, corpus, instructions, tree_bytes, write

from ftdata import prepare
from ftdata.cli import main
from ftdata.errors import FtdataError, UsageError

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def leftovers(out: Path) -> list[str]:
    """Hidden siblings a run of ``out`` may leave (temporary or old folders)."""
    return sorted(p.name for p in out.parent.glob(f".{out.name}.ftdata-*"))


def assert_consistent(out: Path) -> dict:
    """``out`` holds exactly the files its manifest lists, with the sizes and hashes it states."""
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = {k: v for k, v in tree_bytes(out).items() if k != "manifest.json"}
    assert set(on_disk) == set(manifest["files"])
    for name, data in on_disk.items():
        assert len(data) == manifest["files"][name]["bytes"]
    for shard in manifest["shards"]:
        assert hashlib.sha256(on_disk[shard["path"]]).hexdigest() == shard["sha256"]
    return manifest


# -- item 1: --force removes only what ftdata provably wrote ---------------------------------


@pytest.mark.parametrize(
    "manifest",
    [
        '{"fingerprint": "x", "shards": []}',
        "[1, 2]",
        '"text"',
        '{"producer": "ftdata", "manifest_schema": 2, "files": {}}',
    ],
)
def test_force_never_removes_a_folder_holding_some_manifest_json(tmp_path, manifest, capsys):
    data = write(tmp_path / "q.jsonl", instructions(3))
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "manifest.json").write_text(manifest)
    (out / "notes.txt").write_text("keep me")
    (out / "sub" / "deep.txt").write_text("and me")
    before = tree_bytes(out)
    code = main(["prepare", str(data), "--out", str(out), "--format", "jsonl", "--force", "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "internal error" not in err and str(out) in err
    assert tree_bytes(out) == before and not leftovers(out)


def test_force_refuses_an_owned_output_with_an_extra_file_and_keeps_both(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(8))
    out = tmp_path / "out"
    prepare(data, out=out, format="jsonl")
    (out / "train" / "mine.txt").write_text("user notes")
    before = tree_bytes(out)
    with pytest.raises(UsageError, match="mine.txt"):
        prepare(data, out=out, format="jsonl", seed=5, force=True)
    assert tree_bytes(out) == before and not leftovers(out)


def test_force_replaces_exactly_the_listed_files(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(8))
    out = tmp_path / "out"
    first = prepare(data, out=out, format="jsonl", eval_fraction=0.5)
    assert set(first.manifest["files"]) == {"train/train-00000.jsonl", "eval/eval-00000.jsonl"}
    second = prepare(data, out=out, format="jsonl", force=True)
    assert second.written and not (out / "eval").exists()
    assert set(assert_consistent(out)["files"]) == {"train/train-00000.jsonl"}
    assert not leftovers(out)


@pytest.mark.parametrize("out", [".", "..", "/", "sub/.."])
def test_an_out_without_a_folder_name_is_refused(tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    data = write(tmp_path / "sub" / "q.jsonl", instructions(3))
    with pytest.raises(UsageError, match="folder name"):
        prepare(data, out=out, format="jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]


# -- item 2: a file created inside --out during the run is never deleted --------------------


@pytest.mark.parametrize("existing", [False, True])
def test_a_file_created_in_out_during_the_run_is_kept_and_nothing_published(
    tmp_path, monkeypatch, existing
):
    from ftdata.writers import sink

    data = write(tmp_path / "q.jsonl", instructions(8))
    out = tmp_path / "out"
    if existing:
        prepare(data, out=out, format="jsonl")
    before = tree_bytes(out) if existing else {}
    close = sink.RowSink.close

    def close_while_the_user_writes(self):
        out.mkdir(exist_ok=True)
        (out / "user.txt").write_text("written during the run")
        return close(self)

    monkeypatch.setattr(sink.RowSink, "close", close_while_the_user_writes)
    with pytest.raises(UsageError, match="changed while this run was writing"):
        prepare(data, out=out, format="jsonl", seed=4, force=True)
    assert tree_bytes(out) == {**before, "user.txt": b"written during the run"}
    assert not leftovers(out)


# -- item 3: two runs racing on one --out with the same PID ---------------------------------

RACER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    os.getpid = lambda: 1  # both runs are PID 1 of their own container
    from ftdata.writers import sink
    barrier = Path(sys.argv[3])
    close = sink.RowSink.close
    def close_then_wait(self):
        shards = close(self)
        (barrier / sys.argv[4]).touch()
        deadline = time.time() + 30
        while len(list(barrier.iterdir())) < 2 and time.time() < deadline:
            time.sleep(0.01)  # both runs have written every shard before either publishes
        return shards
    sink.RowSink.close = close_then_wait
    from ftdata.cli import main
    sys.exit(main(["prepare", sys.argv[1], "--out", sys.argv[2], "--format", "jsonl", "-q",
                   "--force", "--file-mb", "0.001"]))
""")


@pytest.mark.parametrize("existing", [False, True])
def test_two_runs_racing_on_one_out_publish_one_whole_output(tmp_path, existing):
    out = tmp_path / "out"
    first = write(tmp_path / "a.jsonl", instructions(30))
    second = write(
        tmp_path / "b.jsonl", [{"prompt": f"B{i}?", "response": f"b{i}"} for i in range(50)]
    )
    if existing:
        prepare(first, out=out, format="jsonl", seed=7)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(src), str(out), str(barrier), name],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for src, name in ((first, "a"), (second, "b"))
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert str(out) in loser and "nothing was published" in loser and "internal" not in loser
    manifest = assert_consistent(out)
    assert manifest["examples"]["written"] in (30, 50)
    assert len(manifest["shards"]) > 1 and not leftovers(out)


HOLD_A_TEMPORARY_FOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from ftdata.writers import outdir
    tmp, lock = outdir.new_temp(Path(sys.argv[1]))
    print(tmp, flush=True)
    time.sleep(60)  # a live run elsewhere; its PID means nothing in this namespace
""")


def test_a_live_runs_temporary_folder_survives_other_runs_and_goes_once_it_dies(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(5))
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_TEMPORARY_FOLDER, str(out)],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        live = Path(holder.stdout.readline().strip())
        assert live.is_dir() and len(live.name.rsplit("-", 1)[-1]) == 32  # random, not a PID
        prepare(data, out=out, format="jsonl")
        prepare(data, out=out, format="jsonl", seed=2, force=True)
        assert live.is_dir()  # locked by a live process: never taken for a dead run's
    finally:
        holder.kill()
        holder.wait()
    prepare(data, out=out, format="jsonl", seed=3, force=True)
    assert not live.exists() and not leftovers(out)


# -- item 4: a kill between the two renames of a replacement --------------------------------

KILL_AT_RENAME = textwrap.dedent("""
    import os, signal, sys
    real = os.rename
    def rename_then_die(src, dst):
        real(src, dst)
        if sys.argv[3] in os.path.basename(str(src if sys.argv[3] == "tmp" else dst)):
            os.kill(os.getpid(), signal.SIGKILL)
    os.rename = rename_then_die
    from ftdata import prepare
    prepare(sys.argv[1], out=sys.argv[2], format="jsonl", seed=9, force=True)
""")


@pytest.mark.parametrize("moment, expect_seed", [("old", 0), ("tmp", 9)])
def test_a_kill_between_the_renames_is_recovered_by_the_next_run(tmp_path, moment, expect_seed):
    data = write(tmp_path / "q.jsonl", instructions(12))
    out = tmp_path / "out"
    prepare(data, out=out, format="jsonl")
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AT_RENAME, str(data), str(out), moment],
        env=ENV,
        capture_output=True,
    )
    assert proc.returncode == -9 and any("ftdata-old" in n for n in leftovers(out))
    again = prepare(data, out=out, format="jsonl", seed=expect_seed)
    # "old": the previous output comes back intact; "tmp": the new one stays and its
    # predecessor's hidden copy goes. Either way the rerun finds a finished output.
    assert again.status == "skipped" and not leftovers(out)
    assert again.manifest["options"]["seed"] == expect_seed and assert_consistent(out)


def test_recovery_removes_only_the_unchanged_listed_files_of_an_old_output(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(12))
    out = tmp_path / "out"
    prepare(data, out=out, format="jsonl")
    prepare(data, out=tmp_path / "a", format="jsonl", eval_fraction=0.5)
    old = tmp_path / f".out.ftdata-old-{'0' * 32}"  # as a kill after the second rename leaves it
    (tmp_path / "a").rename(old)
    (old / "eval" / "eval-00000.jsonl").write_text("rewritten by someone\n")
    (old / "notes.txt").write_text("mine")
    assert prepare(data, out=out, format="jsonl").status == "skipped"
    assert tree_bytes(old) == {
        "eval/eval-00000.jsonl": b"rewritten by someone\n",
        "notes.txt": b"mine",
    }
    assert_consistent(out)


# -- item 5: an --out inside its own input --------------------------------------------------


@pytest.mark.parametrize(
    "given, out",
    [
        ("data", "data/prep"),
        ("data/**/*.jsonl", "data/prep"),
        ("data/*", "data/prep"),
        ("data", "data"),
        ("data/q.jsonl", "data"),
        ("data/../data", "data/x/y"),
    ],
)
def test_an_out_overlapping_an_input_is_refused(tmp_path, monkeypatch, given, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "q.jsonl", instructions(5))
    with pytest.raises(UsageError, match="overlaps the input"):
        prepare(given, out=out, format="jsonl")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["q.jsonl"]


@pytest.mark.parametrize("given, out", [("data/*.jsonl", "data/prep"), ("*.jsonl", "prep")])
def test_a_glob_that_cannot_reach_the_output_is_accepted_and_reads_it_never(
    tmp_path, monkeypatch, given, out
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "q.jsonl", instructions(5))
    write(tmp_path / "q.jsonl", instructions(5))
    for _ in range(2):  # the second run sees the first one's output next to its inputs
        done = prepare(given, out=out, format="jsonl", force=True)
        assert done.manifest["examples"]["in"] == 5


INPUTS = st.sampled_from(
    [
        "data",
        "data/q.jsonl",
        "data/*.jsonl",
        "data/*",
        "data/**/*.jsonl",
        "*",
        "**/*.jsonl",
        "data/sub",
        "data/s*",
        "data/sub/*.jsonl",
    ]
)
OUTS = st.sampled_from(
    ["data/prep", "data/sub/prep", "prep", "data/sub", "data", "out/x", "data/sub/r.jsonl"]
)


@given(given_input=INPUTS, out=OUTS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_prepare_never_reads_its_own_output_back(tmp_path_factory, given_input, out):
    """Any input spelling and --out: refused, or the rerun sees exactly the same examples."""
    folder = tmp_path_factory.mktemp("overlap")
    write((folder / "data").mkdir() or folder / "data" / "q.jsonl", instructions(5))
    write(
        (folder / "data" / "sub").mkdir() or folder / "data" / "sub" / "r.jsonl",
        [{"prompt": f"R{i}", "response": "r"} for i in range(3)],
    )
    inputs = tree_bytes(folder / "data")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        try:
            first = prepare(given_input, out=out, format="jsonl")
        except FtdataError:
            assert tree_bytes(folder / "data") == inputs
            return
        again = prepare(given_input, out=out, format="jsonl", seed=1, force=True)
    assert again.manifest["examples"]["in"] == first.manifest["examples"]["in"]
    assert {k: v for k, v in tree_bytes(folder / "data").items() if k in inputs} == inputs


# -- item 6: every catchable signal cleans up; a full disk is a clear error -----------------

STOP_AFTER_FIRST_FILE = textwrap.dedent("""
    import os, signal, sys
    from ftdata.writers import rolling
    close = rolling.RollingFiles._close
    def close_then_signal(self):
        close(self)
        os.kill(os.getpid(), int(sys.argv[3]))
    rolling.RollingFiles._close = close_then_signal
    from ftdata.cli import main
    sys.exit(main(["prepare", sys.argv[1], "--out", sys.argv[2], "--format", "jsonl", "-q",
                   "--file-mb", "0.001"]))
""")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1])
def test_a_signal_leaves_no_temporary_folder_and_still_ends_the_process(tmp_path, signum):
    data = write(tmp_path / "q.jsonl", instructions(80))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", STOP_AFTER_FIRST_FILE, str(data), str(out), str(int(signum))],
        env=ENV,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signum  # died of the signal, as without ftdata's handler
    assert not out.exists() and not leftovers(out)


def test_disk_full_names_the_output_folder_and_publishes_nothing(tmp_path, monkeypatch, capsys):
    import errno

    from ftdata.writers import rolling

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.folder / "x.jsonl"))

    monkeypatch.setattr(rolling.RollingFiles, "put", full)
    data = write(tmp_path / "q.jsonl", instructions(5))
    out = tmp_path / "out"
    assert main(["prepare", str(data), "--out", str(out), "--format", "jsonl", "-q"]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and "No space left on device" in err and str(out) in err
    assert len(err.strip().splitlines()) == 1 and not out.exists() and not leftovers(out)


def test_a_real_file_size_limit_is_a_clear_error(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(2000))
    out = tmp_path / "out"
    limit = "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000));"
    code = (
        limit + "import sys; from ftdata.cli import main; "
        f"sys.exit(main(['prepare', {str(data)!r}, '--out', {str(out)!r}, '--format', "
        "'jsonl', '-q']))"
    )
    # No .pyc writes: only prepare's own output may meet the limit.
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**ENV, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "cannot write --out" in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr and not out.exists() and not leftovers(out)


# -- item 7: nothing written is a finding and exit 1 ----------------------------------------


def test_all_rows_invalid_exits_1_with_ds010_and_publishes_nothing(tmp_path, capsys):
    data = write(tmp_path / "q.jsonl", ['{"prompt": 3, "response": "x"}', "not json"])
    out = tmp_path / "out"
    assert main(["prepare", str(data), "--out", str(out), "--format", "jsonl"]) == 1
    captured = capsys.readouterr()
    assert "DS010" in captured.out and "all 2 examples were left out" in captured.out
    assert "nothing was published" in captured.err and not out.exists() and not leftovers(out)
    done = prepare(data, out=out, format="jsonl")
    assert done.status == "empty" and done.result.by_code["DS010"] == 1 and not out.exists()
    allowed = prepare(data, out=out, format="jsonl", allow_empty=True)
    assert allowed.written and "DS010" not in allowed.result.by_code
    assert assert_consistent(out)["files"] == {}


def test_a_corpus_shorter_than_one_window_says_how_to_write_it(tmp_path, capsys):
    docs = corpus(tmp_path / "docs", docs=1, words=5)
    out = tmp_path / "out"
    args = ["prepare", str(docs), "--out", str(out), "--model", MISTRAL, "--context-length", "512"]
    assert main(args) == 1
    text = capsys.readouterr().out
    assert "DS010" in text and "--pad-last-window" in text and "--context-length" in text
    assert not out.exists()
    assert main([*args, "--pad-last-window", "-q"]) == 0
    assert assert_consistent(out)["tokens"]["windows_by_split"] == {"train": 1}


# -- item 8: --format jsonl never mixes tasks -----------------------------------------------


def test_jsonl_refuses_chat_and_instruction_in_one_output(tmp_path, capsys):
    first = write(tmp_path / "c.jsonl", chats(4))
    second = write(tmp_path / "q.jsonl", instructions(4))
    out = tmp_path / "out"
    assert (
        main(["prepare", str(first), str(second), "--out", str(out), "--format", "jsonl", "-q"])
        == 2
    )
    assert "its own --out" in capsys.readouterr().err
    assert not out.exists() and not leftovers(out)


@given(st.lists(st.sampled_from(["chat", "response", "completion"]), min_size=1, max_size=6))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_jsonl_output_always_validates_clean(tmp_path_factory, kinds):
    """Whatever mix of one task's shapes goes in, the upload-ready files come out clean."""
    from ftdata import validate

    folder = tmp_path_factory.mktemp("mix")
    shapes = {
        "chat": lambda i: chats(i + 1)[i],
        "response": lambda i: instructions(i + 1)[i],
        "completion": lambda i: {"prompt": f"P{i}", "completion": f"C{i}"},
    }
    sources = [write(folder / f"{n}.jsonl", [shapes[kind](n)]) for n, kind in enumerate(kinds)]
    try:
        done = prepare([str(s) for s in sources], out=folder / "out", format="jsonl")
    except UsageError as exc:
        assert "chat" in kinds and len(set(kinds)) > 1 and "own --out" in str(exc)
        return
    files = sorted((folder / "out" / "train").glob("*.jsonl"))
    result = validate([str(f) for f in files])
    assert result.summary["errors"] == 0 and result.rows == done.manifest["examples"]["written"]


# -- item 9: one default file size -----------------------------------------------------------


def test_library_and_cli_share_one_default_file_size(tmp_path):
    data = write(tmp_path / "q.jsonl", instructions(3))
    library = prepare(data, out=tmp_path / "lib", format="jsonl")
    assert (
        main(["prepare", str(data), "--out", str(tmp_path / "cli"), "--format", "jsonl", "-q"]) == 0
    )
    cli = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert library.manifest["options"]["file_bytes"] == cli["options"]["file_bytes"] == 256_000_000


# -- property: whatever is in --out, ftdata removes only what it provably wrote -------------

NAMES = st.sampled_from(
    [
        "a.txt",
        "train/x.jsonl",
        "train/train-00000.jsonl",
        "eval/e.bin",
        "sub/deep/f",
        "manifest.json",
    ]
)
MANIFESTS = st.sampled_from([None, "[]", "{}", '{"fingerprint": 1}', "owned", "owned+extra"])


@given(
    files=st.dictionaries(NAMES, st.binary(max_size=8), max_size=4),
    manifest=MANIFESTS,
    force=st.booleans(),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_prepare_never_removes_a_file_it_did_not_write(tmp_path_factory, files, manifest, force):
    folder = tmp_path_factory.mktemp("prop")
    data = write(folder / "q.jsonl", instructions(4))
    out = folder / "out"
    if manifest and manifest.startswith("owned"):
        prepare(data, out=out, format="jsonl", seed=1)
        if manifest == "owned":
            files = {}
    elif manifest is not None:
        files = {**files, "manifest.json": manifest.encode()}
    for name, content in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(content)
    before = tree_bytes(out) if out.exists() else {}
    try:
        done = prepare(data, out=out, format="jsonl", force=force)
    except FtdataError:
        assert (tree_bytes(out) if out.exists() else {}) == before
    else:
        # Published only over nothing, or over exactly ftdata's own earlier output.
        assert not files
        assert done.written and assert_consistent(out)
    assert not leftovers(out)
