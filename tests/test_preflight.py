"""``ftdata preflight`` / ``ftdata.preflight``: a run checked exactly as it will be submitted."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE_DATA, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st
from json_schemas import validator

import ftdata
from ftdata.cli import main
from ftdata.submission.arguments import check_arguments
from ftdata.submission.paths import classify, form_problems

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
DAY = "2026-01-01"
CHAT_GOOD = SAMPLE_DATA / "chat" / "support_good.jsonl"
QA_GOOD = SAMPLE_DATA / "instruction" / "qa_good.jsonl"


@pytest.fixture
def volume(tmp_path):
    """A local folder standing for /Volumes with main/ft/data/{train,eval}.jsonl (chat)."""
    root = tmp_path / "volumes"
    data = root / "main" / "ft" / "data"
    data.mkdir(parents=True)
    shutil.copy(CHAT_GOOD, data / "train.jsonl")
    shutil.copy(QA_GOOD, data / "qa.jsonl")
    return root


def run(**kwargs):
    """preflight with the test defaults: a fixed day, a short context so the thresholds pass."""
    kwargs.setdefault("model", MISTRAL)
    kwargs.setdefault("register_to", "main.ft")
    kwargs.setdefault("date", DAY)
    kwargs.setdefault("context_length", 64)
    return ftdata.preflight(**kwargs)


def run_codes(result) -> dict[str, str]:
    """RN findings as {code: argument}."""
    return {f.code: f.location.key for f in result.findings if f.location.source == "<run>"}


# --- the library signature ----------------------------------------------------------------

# The keyword names of databricks-genai's foundation_model.create() (the create() parameters page:
# https://docs.databricks.com/aws/en/large-language-models/foundation-model-training/create-fine-tune-run).
CREATE_NAMES = {
    "model",
    "train_data_path",
    "register_to",
    "experiment_path",
    "task_type",
    "eval_data_path",
    "eval_prompts",
    "custom_weights_path",
    "training_duration",
    "learning_rate",
    "context_length",
    "validate_inputs",
    "data_prep_cluster_id",
}


def test_preflight_takes_every_create_keyword():
    names = set(inspect.signature(ftdata.preflight).parameters)
    assert CREATE_NAMES <= names


def test_the_same_dict_is_checked(volume):
    kwargs = dict(
        model=MISTRAL,
        train_data_path="/Volumes/main/ft/data/train.jsonl",
        register_to="main.ft",
        task_type="CHAT_COMPLETION",
        context_length=64,
        training_duration="2ep",
        learning_rate=1e-5,
        eval_prompts=["hi"],
        experiment_path="/Users/me/x",
        validate_inputs=True,
        custom_weights_path=None,
        eval_data_path=None,
        data_prep_cluster_id=None,
    )
    result = ftdata.preflight(**kwargs, volume_root=str(volume), date=DAY)
    assert result.ok, [f.message for f in result.findings]
    assert result.extra["run"]["train_data"]["read_from"].endswith("train.jsonl")


# --- path forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, task, kind",
    [
        ("dbfs:/Volumes/main/ft/data/train.jsonl", "chat", "volume"),
        ("/Volumes/main/ft/data/train.jsonl", "instruction", "volume"),
        ("/Volumes/main/ft/corpus", "pretraining", "volume"),
        ("dbfs:/Volumes/main/ft/corpus/sub", "pretraining", "volume"),
        ("main.ft.chats", "chat", "table"),
        ("mosaicml/dolly_hhrlhf/train", "instruction", "hf"),
        ("squad/train", "chat", "hf"),
    ],
)
def test_accepted_path_forms(path, task, kind):
    data = classify(path)
    assert data.kind == kind and form_problems(data, task) == []
    assert data.formatted.startswith("dbfs:/Volumes/") or kind != "volume"


@pytest.mark.parametrize(
    "path, task, quoted",
    [
        ("dbfs:/Volumes/main/ft/data/train.json", "chat", "must be a .jsonl file"),
        ("/Volumes/main/ft/train.jsonl", "instruction", "must be inside the volume"),
        ("/Volumes/main/ft", "pretraining", "needs catalog, schema and volume"),
        ("dbfs:/FileStore/train.jsonl", "chat", "only Unity Catalog volumes"),
        ("main.ft.chats", "pretraining", "not a Delta table"),
        ("mosaicml/dolly/train", "pretraining", "not a Hugging Face dataset"),
        ("main.chats", "chat", "three non-empty parts"),
        ("main..chats", "instruction", "three non-empty parts"),
        ("owner/name/subset/train", "chat", "subsets are not supported"),
        ("owner//train", "chat", "no empty component"),
        ("s3://bucket/train.jsonl", "chat", "not a form the service reads"),
        ("./data/train.jsonl", "chat", "not a form the service reads"),
        ("/databricks/driver/train.jsonl", "chat", "only Unity Catalog volumes"),
    ],
)
def test_refused_path_forms(path, task, quoted):
    problems = form_problems(classify(path), task)
    assert len(problems) == 1 and quoted in problems[0]


def test_refused_path_is_an_rn003_finding_and_is_not_read():
    result = run(train_data_path="s3://bucket/train.jsonl")
    assert run_codes(result) == {"RN003": "train_data_path"}
    assert result.extra["run"]["train_data"]["read_from"] is None
    assert not result.ok


# --- arguments -----------------------------------------------------------------------------


def check(**kw):
    args = dict(
        model=MISTRAL,
        task_type="CHAT_COMPLETION",
        context_length=None,
        register_to="main.ft",
        training_duration=None,
        date=dt.date(2026, 1, 1),
    )
    args.update(kw)
    return check_arguments(**args)


def codes_of(checked) -> set[str]:
    return {issue.rule.code for issue in checked.issues}


def test_valid_arguments_have_no_issue():
    checked = check(training_duration="3ep", context_length=4096)
    assert codes_of(checked) == set() and checked.task == "chat"
    assert checked.context_length == 4096 and checked.duration.value == 3


def test_unsupported_model():
    checked = check(model="meta-llama/Llama-3.3-70B-Instruct")
    assert codes_of(checked) == {"RN001"} and checked.model is None


def test_model_retired_after_its_last_day_only():
    name = "meta-llama/Meta-Llama-3-8B-Instruct"  # last day 2024-12-13 in the model table
    assert codes_of(check(model=name, date=dt.date(2024, 12, 13))) == {"DS008"}  # deprecated
    retired = check(model=name, date=dt.date(2024, 12, 14))
    assert codes_of(retired) == {"RN002"}
    assert "Meta-Llama-3.1-8B-Instruct" in retired.issues[0].message


def test_deprecated_model_warns_once_through_ds008_and_stays_usable(volume):
    result = run(
        model="meta-llama/Meta-Llama-3-8B-Instruct",
        date="2024-06-01",
        train_data_path="/Volumes/main/ft/data/train.jsonl",
        volume_root=str(volume),
    )
    assert "RN002" not in result.by_code and result.by_code["DS008"] == 1
    assert run_codes(result) == {"DS008": "model"}
    assert result.extra["run"]["model_status"] == "deprecated"


def test_deprecated_model_warns_when_the_data_cannot_be_read():
    result = run(model="meta-llama/Llama-2-7b-chat-hf", train_data_path="a.b.c")
    assert run_codes(result)["DS008"] == "model"
    retired = run(model="meta-llama/Meta-Llama-3-70B", train_data_path="a.b.c")  # 2026: retired
    assert "RN002" in run_codes(retired) and "DS008" not in retired.by_code


def test_service_end_of_life_after_its_last_day():
    assert codes_of(check(date=dt.date(2026, 8, 14))) == set()
    late = check(date=dt.date(2026, 8, 15))
    assert codes_of(late) == {"RN012"} and late.issues[0].rule.severity.label == "warning"


@pytest.mark.parametrize("task_type", ["CHAT", "chat_completion", "SFT"])
def test_unknown_task_type(task_type):
    checked = check(task_type=task_type)
    assert codes_of(checked) == {"RN005"} and checked.task is None


def test_missing_task_type_is_the_sdk_default():
    checked = check(task_type=None)
    assert checked.task_type == "CHAT_COMPLETION" and checked.task == "chat"


@pytest.mark.parametrize("value", [32769, 0, -5, "4096", 4.5, True])
def test_context_length_refused(value):
    checked = check(context_length=value)
    assert codes_of(checked) == {"RN007"} and checked.context_length == 32768


@pytest.mark.parametrize(
    "value", ["main", "main.ft.model.extra", "main..x", "main.f t", ".ft", "main/ft"]
)
def test_register_to_refused(value):
    assert codes_of(check(register_to=value)) == {"RN008"}


@pytest.mark.parametrize("value", ["main.ft", "main.ft.my_model"])
def test_register_to_accepted(value):
    assert codes_of(check(register_to=value)) == set()


def test_missing_register_to_is_a_warning():
    checked = check(register_to=None)
    assert codes_of(checked) == {"RN011"}
    assert checked.issues[0].rule.severity.label == "warning"


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("3ep", 3, "ep"),
        ("1.5ep", 1.5, "ep"),
        ("100ba", 100, "ba"),
        ("1_000_000tok", 1_000_000, "tok"),
        (None, 1, "ep"),
    ],
)
def test_training_duration_units(text, value, unit):
    checked = check(training_duration=text)
    assert codes_of(checked) == set()
    assert (checked.duration.value, checked.duration.unit) == (value, unit)


@pytest.mark.parametrize("text", ["3", "3 epochs", "0ep", "ep", "10sp", "-1ep", "1e6tok"])
def test_training_duration_refused(text):
    checked = check(training_duration=text)
    assert codes_of(checked) == {"RN009"} and checked.duration is None


def test_bad_date_is_a_usage_error(capsys):
    code = main(
        ["preflight", "--model", MISTRAL, "--train-data-path", "a/train", "--date", "tomorrow"]
    )
    assert code == 2 and "YYYY-MM-DD" in capsys.readouterr().err


# --- the data, where it lives ---------------------------------------------------------------


def test_task_mismatch(volume):
    result = run(
        train_data_path="/Volumes/main/ft/data/qa.jsonl",
        task_type="CHAT_COMPLETION",
        volume_root=str(volume),
    )
    assert run_codes(result) == {"RN006": "task_type"}
    assert result.extra["run"]["train_data"]["detected_tasks"] == ["instruction"]


def test_task_type_matching_the_data(volume):
    result = run(
        train_data_path="/Volumes/main/ft/data/qa.jsonl",
        task_type="INSTRUCTION_FINETUNE",
        volume_root=str(volume),
    )
    assert run_codes(result) == {} and result.ok


def test_volume_path_without_a_volume_root_is_not_read():
    result = run(train_data_path="/Volumes/nowhere_ftdata/ft/data/train.jsonl")
    assert run_codes(result) == {"RN010": "train_data_path"}
    assert result.rows == 0


def test_volume_root_maps_a_volume_path(volume):
    result = run(train_data_path="dbfs:/Volumes/main/ft/data/train.jsonl", volume_root=str(volume))
    assert result.ok and result.rows == 5
    assert result.sources[0].source == str(volume / "main/ft/data/train.jsonl")


def test_volume_root_missing_file(volume):
    result = run(train_data_path="/Volumes/main/ft/data/nope.jsonl", volume_root=str(volume))
    assert run_codes(result) == {"RN010": "train_data_path"}
    assert "not found" in result.findings[0].message


def test_pretraining_folder_needs_a_txt_file(volume, tmp_path):
    corpus = volume / "main" / "ft" / "corpus"
    (corpus / "deep").mkdir(parents=True)
    (corpus / "notes.md").write_text("not text data\n")
    result = run(
        train_data_path="/Volumes/main/ft/corpus",
        task_type="CONTINUED_PRETRAIN",
        volume_root=str(volume),
    )
    assert run_codes(result) == {"RN003": "train_data_path"}
    assert "Could not find a .txt file" in result.findings[0].message
    (corpus / "deep" / "doc.txt").write_text("A document about the handbook.\n" * 50)
    result = run(
        train_data_path="/Volumes/main/ft/corpus",
        task_type="CONTINUED_PRETRAIN",
        volume_root=str(volume),
    )
    assert "RN003" not in result.by_code and result.rows == 1
    section = result.extra["run"]
    assert section["train_data"]["detected_tasks"] == ["pretraining"]
    # Pre-training is billed by full context windows.
    assert section["tokens_reaching_model"] > 0 and section["tokens_reaching_model"] % 64 == 0


def test_delta_table_without_cluster_id(tmp_path):
    result = run(train_data_path="main.ft.chats", table_paths={"main.ft.chats": str(tmp_path)})
    assert run_codes(result)["RN004"] == "train_data_path"
    serverless = run(
        train_data_path="main.ft.chats",
        data_prep_cluster_id="serverless",
        table_paths={"main.ft.chats": str(tmp_path)},
    )
    assert run_codes(serverless)["RN004"] == "data_prep_cluster_id"


def test_table_path_maps_a_table_to_a_delta_folder(tmp_path):
    import pyarrow as pa
    from deltalake import write_deltalake

    rows = [json.loads(line) for line in CHAT_GOOD.read_text().splitlines()]
    table = pa.Table.from_pylist([{"messages": r["messages"]} for r in rows])
    write_deltalake(str(tmp_path / "chats"), table)
    result = run(
        train_data_path="main.ft.chats",
        data_prep_cluster_id="0123-456789-abc",
        table_paths={"MAIN.ft.chats": str(tmp_path / "chats")},
    )
    assert result.ok, [f.message for f in result.findings]
    assert result.rows == 5 and result.extra["run"]["train_data"]["kind"] == "table"
    assert result.extra["run"]["tokens_reaching_model"] > 0


def test_table_path_storage_options_reach_deltalake(tmp_path, monkeypatch, capsys):
    import ftdata.api

    seen = {}
    real = ftdata.api.validate

    def spy(source, **kwargs):
        seen["storage_options"] = kwargs.get("storage_options")
        return real(str(tmp_path), **{**kwargs, "storage_options": {}})

    monkeypatch.setattr(ftdata.api, "validate", spy)
    code = main(
        [
            "preflight",
            "--model",
            MISTRAL,
            "--train-data-path",
            "main.ft.chats",
            "--table-path",
            "main.ft.chats=s3://bucket/chats",
            "--storage-option",
            "AWS_REGION=us-east-1",
            "--data-prep-cluster-id",
            "c",
            "--date",
            DAY,
        ]
    )
    assert code == 1 and seen["storage_options"] == {"AWS_REGION": "us-east-1"}
    assert (
        main(
            [
                "preflight",
                "--model",
                MISTRAL,
                "--train-data-path",
                "a/b",
                "--storage-option",
                "novalue",
            ]
        )
        == 2
    )


def test_table_without_mapping_or_spark_is_not_read():
    result = run(train_data_path="main.ft.chats", data_prep_cluster_id="0123-456789-abc")
    assert run_codes(result) == {"RN010": "train_data_path"}


def make_hf_cache(cache, name: str, records: list[dict]) -> None:
    """A dataset in the Hugging Face cache layout that ``load_dataset`` reads offline."""
    from datasets.data_files import DataFilesDict
    from datasets.packaged_modules.json.json import Json

    owner, short = name.split("/")
    source = write_jsonl(cache.parent / f"{short}.jsonl", records)
    builder = Json(
        cache_dir=str(cache),
        dataset_name=f"{owner}___{short}",
        hash="0123abcd",
        data_files=DataFilesDict.from_local_or_remote({"train": [str(source)]}),
    )
    builder.download_and_prepare()
    # The offline loader looks for config "default" and files named after the short name.
    config = next((cache / f"{owner}___{short}").iterdir())
    config.rename(config.with_name("default"))
    for arrow in (cache / f"{owner}___{short}").rglob("*.arrow"):
        arrow.rename(arrow.with_name(arrow.name.replace(f"{owner}___{short}", short)))


def test_hf_dataset_from_the_local_cache_only(tmp_path):
    pytest.importorskip("datasets")
    cache = tmp_path / "hf"
    cache.mkdir()
    records = [json.loads(line) for line in QA_GOOD.read_text().splitlines()]
    make_hf_cache(cache, "someone/qa", records)
    result = run(
        train_data_path="someone/qa/train", task_type="INSTRUCTION_FINETUNE", hf_cache=str(cache)
    )
    assert result.ok and result.rows == 6, [f.message for f in result.findings]
    missing = run(
        train_data_path="someone/qa/test", task_type="INSTRUCTION_FINETUNE", hf_cache=str(cache)
    )
    assert run_codes(missing) == {"RN010": "train_data_path"}
    absent = run(
        train_data_path="nobody/nothing/train",
        task_type="INSTRUCTION_FINETUNE",
        hf_cache=str(cache),
    )
    assert run_codes(absent) == {"RN010": "train_data_path"}


def test_offline_mode_is_left_as_it_was(tmp_path):
    """Reading the cache offline leaves the caller's Hugging Face libraries online afterwards,
    also when ftdata was the first to import them."""
    pytest.importorskip("datasets")
    script = (
        "import ftdata, os, sys\n"
        "assert 'datasets' not in sys.modules\n"
        f"ftdata.preflight(model='{MISTRAL}', train_data_path='nobody/nothing/train',"
        f" hf_cache={str(tmp_path)!r}, date='{DAY}')\n"
        "import datasets.config, huggingface_hub.constants\n"
        "print(datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE,"
        " os.environ.get('HF_HUB_OFFLINE'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env["HF_HOME"] = str(tmp_path / "home")
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False", "None"]


# --- eval data -------------------------------------------------------------------------------


def test_eval_leak_into_train_is_ds009(volume):
    data = volume / "main" / "ft" / "data"
    train = [json.loads(line) for line in CHAT_GOOD.read_text().splitlines()]
    leaked = dict(train[1])
    leaked["messages"] = [
        *train[1]["messages"][:-1],
        {"role": "assistant", "content": "Another answer entirely."},
    ]
    fresh = {
        "messages": [
            {"role": "user", "content": "A question never seen in train?"},
            {"role": "assistant", "content": "Yes."},
        ]
    }
    write_jsonl(data / "eval.jsonl", [fresh, leaked])
    result = run(
        train_data_path="/Volumes/main/ft/data/train.jsonl",
        eval_data_path="/Volumes/main/ft/data/eval.jsonl",
        volume_root=str(volume),
    )
    leaks = [f for f in result.findings if f.code == "DS009"]
    assert [(f.location.source, f.location.line) for f in leaks] == [(str(data / "eval.jsonl"), 2)]
    assert [s.source for s in result.sources] == [
        str(data / "train.jsonl"),
        str(data / "eval.jsonl"),
    ]
    assert "DS004" not in result.by_code  # eval data are not held to the training thresholds


def test_eval_path_form_checked_like_train():
    result = run(
        train_data_path="a/train",
        eval_data_path="dbfs:/Volumes/main/ft/e.json",
        hf_cache="/nonexistent-ftdata-cache",
    )
    assert run_codes(result)["RN003"] == "eval_data_path"


# --- the run section and the estimate --------------------------------------------------------


def test_run_section_epochs_and_billed_tokens(volume):
    path = "/Volumes/main/ft/data/train.jsonl"
    two = run(train_data_path=path, training_duration="2ep", volume_root=str(volume)).extra["run"]
    reaching = two["tokens_reaching_model"]
    assert reaching > 0 and two["epochs"] == 2 and two["billed_tokens"] == 2 * reaching
    assert two["context_length"] == 64 and two["model_context_length"] == 32768
    tokens = run(
        train_data_path=path, training_duration=f"{3 * reaching}tok", volume_root=str(volume)
    ).extra["run"]
    assert tokens["epochs"] == 3 and tokens["billed_tokens"] == 3 * reaching
    batches = run(train_data_path=path, training_duration="10ba", volume_root=str(volume))
    assert batches.extra["run"]["epochs"] is None and batches.extra["run"]["billed_tokens"] is None
    default = run(train_data_path=path, volume_root=str(volume)).extra["run"]
    assert default["training_duration"] == "1ep" and default["billed_tokens"] == reaching


def test_context_length_above_the_model_checks_at_the_model_maximum(volume):
    result = run(
        train_data_path="/Volumes/main/ft/data/train.jsonl",
        volume_root=str(volume),
        context_length=100_000,
    )
    assert run_codes(result) == {"RN007": "context_length"}
    assert result.extra["run"]["context_length"] == 32768
    assert result.extra["tokens"]["context_length"] == 32768


def test_unsupported_model_still_checks_the_structure(volume):
    result = run(
        model="acme/unknown-7b",
        train_data_path="/Volumes/main/ft/data/train.jsonl",
        volume_root=str(volume),
    )
    assert run_codes(result) == {"RN001": "model"}
    assert result.rows == 5 and "tokens" not in result.extra
    assert result.extra["run"]["model_status"] == "unsupported"


# --- bad input never crashes ------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    path=st.text(max_size=60), task=st.sampled_from(["chat", "instruction", "pretraining", None])
)
def test_any_path_is_classified_without_crashing(path, task):
    data = classify(path)
    assert data.kind in ("volume", "table", "hf")
    assert all(isinstance(p, str) and p for p in form_problems(data, task))


@settings(max_examples=300, deadline=None)
@given(
    task_type=st.one_of(st.none(), st.text(max_size=20)),
    context_length=st.one_of(st.none(), st.integers(), st.text(max_size=5), st.floats()),
    register_to=st.one_of(st.none(), st.text(max_size=30)),
    duration=st.one_of(
        st.none(),
        st.text(max_size=12),
        st.from_regex(r"[0-9_]{1,8}(\.[0-9]+)?(ep|ba|tok)", fullmatch=True),
    ),
)
def test_any_arguments_give_issues_not_exceptions(task_type, context_length, register_to, duration):
    checked = check(
        task_type=task_type,
        context_length=context_length,
        register_to=register_to,
        training_duration=duration,
    )
    assert checked.duration is not None or "RN009" in codes_of(checked)
    assert checked.context_length is None or checked.context_length >= 1


@settings(max_examples=40, deadline=None)
@given(
    model=st.sampled_from([MISTRAL, "nope", ""]),
    path=st.one_of(
        st.text(max_size=40),
        st.sampled_from(["a.b.c", "/Volumes/a/b/c/d.jsonl", "x/y/train", "dbfs:/Volumes/a"]),
    ),
    task_type=st.one_of(
        st.none(), st.sampled_from(["CHAT_COMPLETION", "CONTINUED_PRETRAIN", "bogus"])
    ),
    duration=st.one_of(st.none(), st.text(max_size=8), st.just("2ep")),
    register_to=st.one_of(st.none(), st.text(max_size=12)),
)
def test_any_run_gives_a_report_that_follows_the_schema(
    model, path, task_type, duration, register_to
):
    result = ftdata.preflight(
        model=model,
        train_data_path=path,
        task_type=task_type,
        training_duration=duration,
        register_to=register_to,
        date=DAY,
        volume_root="/nonexistent-ftdata-volumes",
        hf_cache="/nonexistent-ftdata-cache",
    )
    report = result.to_dict()
    assert validator("report").is_valid(report), list(validator("report").iter_errors(report))


# --- the command line ----------------------------------------------------------------------


def cli(volume, *extra):
    return [
        "preflight",
        "--model",
        MISTRAL,
        "--train-data-path",
        "/Volumes/main/ft/data/train.jsonl",
        "--register-to",
        "main.ft",
        "--context-length",
        "64",
        "--date",
        DAY,
        "--volume-root",
        str(volume),
        *extra,
    ]


def test_cli_exit_codes(volume, capsys):
    assert main(cli(volume)) == 0
    assert "Run\n" in capsys.readouterr().out
    assert main(cli(volume, "--task-type", "INSTRUCTION_FINETUNE")) == 1
    assert "RN006" in capsys.readouterr().out
    assert main(cli(volume, "--table-path", "no-equals-sign")) == 2
    assert (
        main(
            [
                "preflight",
                "--model",
                MISTRAL,
                "--train-data-path",
                "main.ft.t",
                "--table-path",
                "main.ft.t=/nonexistent-ftdata/t",
            ]
        )
        == 2
    )
    assert main(["preflight", "--train-data-path", "x/train"]) == 2  # --model is required


def test_cli_json_report_follows_the_schema(volume, capsys):
    assert main(cli(volume, "--format", "json", "--training-duration", "2ep")) == 0
    report = json.loads(capsys.readouterr().out)
    assert validator("report").is_valid(report), list(validator("report").iter_errors(report))
    assert report["run"]["epochs"] == 2 and report["run"]["task"] == "chat"


def test_cli_json_report_with_findings_follows_the_schema(capsys):
    code = main(
        [
            "preflight",
            "--model",
            "nope",
            "--train-data-path",
            "s3://b/t.jsonl",
            "--task-type",
            "X",
            "--format",
            "json",
            "--date",
            DAY,
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and validator("report").is_valid(report)
    assert {"RN001", "RN003", "RN005", "RN011"} <= set(report["summary"]["by_code"])


@pytest.mark.parametrize(
    "fmt, marker",
    [
        ("github", "ftdata run: mistralai/"),
        ("sarif", '"billed_tokens"'),
        ("junit", 'name="run.billed_tokens"'),
        ("text", "billed estimate"),
    ],
)
def test_every_format_has_the_run_section(volume, capsys, fmt, marker):
    assert main(cli(volume, "--format", fmt)) == 0
    assert marker in capsys.readouterr().out


def test_sarif_and_junit_reports_stay_valid(volume, capsys):
    """The run's findings (at <run>, no file) and section keep SARIF schema-valid and JUnit XML."""
    from xml.etree import ElementTree as ET

    from test_sarif import schema_errors

    assert main(cli(volume, "--format", "sarif", "--register-to", "main")) == 1
    log = json.loads(capsys.readouterr().out)
    assert schema_errors(log) == []
    rn008 = [r for r in log["runs"][0]["results"] if r["ruleId"] == "RN008"]
    assert rn008 and rn008[0]["locations"] == []
    assert main(cli(volume, "--format", "junit", "--register-to", "main")) == 1
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    names = {p.get("name") for p in suite.find("properties")}
    assert {"run.model", "run.train_data.path", "run.epochs"} <= names


def test_text_run_section_escapes_control_characters(capsys):
    main(
        [
            "preflight",
            "--model",
            MISTRAL,
            "--train-data-path",
            "a\x1b[31m/train",
            "--date",
            DAY,
            "--hf-cache",
            "/nonexistent-ftdata-cache",
        ]
    )
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b" in out


# --- README ----------------------------------------------------------------------------------


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Before you submit\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_before_you_submit_block_runs(volume, monkeypatch):
    """The README's block runs as written, with its volume mapped to a local folder."""
    code = readme_block()
    assert "fm.create(**run)" in code and "ftdata.preflight(**run" in code
    namespace = {"VOLUME_ROOT": str(volume)}
    exec(compile(code.replace("fm.create(**run)", "None"), "README.md", "exec"), namespace)
    assert namespace["result"].extra["run"]["model"] == "meta-llama/Meta-Llama-3.1-8B-Instruct"
