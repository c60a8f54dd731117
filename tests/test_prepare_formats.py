"""ftdata prepare, one format at a time, read back by independent readers (real vocabularies)."""

from __future__ import annotations

import json

import pytest
from mds_reader import read_dataset
from prepare_data import DATE, DBRX, MISTRAL, chats, corpus, instructions, write

from ftdata import prepare
from ftdata.tokens.counting.batches import TokenSettings, TokenStage


@pytest.fixture(scope="module")
def dbrx_stage():
    return TokenStage(TokenSettings(model=DBRX, date=None))


def _stitch(turns, eos):
    """llm-foundry's collator (target_prompts=none, target_responses=last): ids and labels."""
    ids, labels = [], []
    for k, turn in enumerate(turns):
        last = k == len(turns) - 1
        response = list(turn["labels"])
        if last and response[-1:] != [eos]:
            response.append(eos)
        ids += turn["input_ids"] + response
        labels += [-100] * len(turn["input_ids"]) + (response if last else [-100] * len(response))
    return ids, labels


def test_chat_mds_turns_round_trip_to_the_template(tmp_path, dbrx_stage):
    examples = chats(40)
    data = write(tmp_path / "chat.jsonl", examples)
    done = prepare(data, out=tmp_path / "out", model=DBRX, shard_bytes=4096)
    samples = read_dataset(tmp_path / "out" / "train")
    assert len(samples) == 40 == done.manifest["examples"]["written"]
    assert len(done.manifest["shards"]) > 1  # the size limit cut shards
    decode = dbrx_stage.tokenizer.backend.encoding.decode  # tiktoken (a test dependency)
    eos = dbrx_stage.tokenizer.eos_token_id
    for example, sample in zip(examples, samples, strict=True):
        turns = sample["turns"]
        assert len(turns) == sum(m["role"] == "assistant" for m in example["messages"])
        ids = [i for t in turns for i in t["input_ids"] + t["labels"]]
        rendered = dbrx_stage.template.render(example["messages"], add_generation_prompt=False)
        assert decode(ids) == rendered
        # labels mask exactly the non-trainable spans: only the last answer (+EOS) is trained
        stitched, labels = _stitch(turns, eos)
        trained = [i for i, label in zip(stitched, labels, strict=True) if label != -100]
        assert trained == turns[-1]["labels"] + ([eos] if turns[-1]["labels"][-1:] != [eos] else [])
        assert all(label == -100 for label in labels[: len(stitched) - len(trained)])
    total = sum(len(t["input_ids"]) + len(t["labels"]) for s in samples for t in s["turns"])
    assert done.manifest["tokens"]["written"] >= total  # counts include the EOS added at collation


def test_instruction_mds_untokenized_and_parquet(tmp_path):
    import polars as pl
    import pyarrow.parquet as pq

    data = write(tmp_path / "qa.jsonl", instructions(30))
    prepare(data, out=tmp_path / "mds", model=MISTRAL, tokenize=False)
    samples = read_dataset(tmp_path / "mds" / "train")
    assert samples[0] == {"prompt": "Name the number after 0.", "response": "It is 1."}
    done = prepare(data, out=tmp_path / "pq", format="parquet", model=MISTRAL)
    files = sorted((tmp_path / "pq" / "train").glob("*.parquet"))
    table = pq.read_table(files[0])
    turns = table.schema.field("turns").type
    assert turns.value_type.field("input_ids").type.value_type == "int32"
    assert turns.value_type.field("labels").type.value_type == "int32"
    assert pq.ParquetFile(files[0]).metadata.row_group(0).column(0).compression == "ZSTD"
    frame = pl.read_parquet(files)
    assert frame.height == 30 == done.manifest["examples"]["written"]
    assert frame["turns"][0][0]["input_ids"][0] == 1  # Mistral BOS starts the prompt


def test_pretraining_mds_windows_exact_length_with_eos_between_documents(tmp_path):
    folder = corpus(tmp_path / "docs", docs=4)
    done = prepare(folder, out=tmp_path / "out", model=MISTRAL, context_length=128)
    samples = read_dataset(tmp_path / "out" / "train")
    assert samples and all(len(s["tokens"]) == 128 for s in samples)
    stream = [t for s in samples for t in s["tokens"]]
    assert stream.count(2) >= 3  # Mistral EOS (id 2) after each of the documents in the windows
    tokens = done.manifest["tokens"]
    assert tokens["written"] == 128 * len(samples) and tokens["tail_tokens_dropped"] > 0
    padded = prepare(
        folder, out=tmp_path / "pad", model=MISTRAL, context_length=128, pad_last_window=True
    )
    assert padded.manifest["tokens"]["windows_by_split"]["train"] == len(samples) + 1
    assert read_dataset(tmp_path / "pad" / "train")[-1]["tokens"][-1] == 2


def test_pretraining_parquet_reads_back(tmp_path):
    import pyarrow.parquet as pq

    folder = corpus(tmp_path / "docs", docs=3)
    prepare(folder, out=tmp_path / "out", format="parquet", model=DBRX, context_length=64)
    table = pq.read_table(next((tmp_path / "out" / "train").glob("*.parquet")))
    assert table.schema.field("tokens").type.value_type == "int32"
    assert {len(v) for v in table["tokens"].to_pylist()} == {64}


def test_jsonl_is_upload_ready_and_validates_clean(tmp_path):
    from ftdata import validate

    records = instructions(20)
    records[3] = {"prompt": "p", "completion": "c"}
    records.append({"prompt": "bad", "response": "x", "id": 7})  # extra key: invalid, left out
    data = write(tmp_path / "qa.jsonl", records + ["{not json"])
    done = prepare(data, out=tmp_path / "out", format="jsonl", file_bytes=400)
    files = sorted((tmp_path / "out" / "train").glob("*.jsonl"))
    assert len(files) > 1 and all(f.stat().st_size <= 400 for f in files)
    lines = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert len(lines) == 20 and {"prompt": "p", "completion": "c"} in lines
    result = validate([str(f) for f in files])
    assert result.ok and not result.findings
    examples = done.manifest["examples"]
    assert examples["left_out_by_reason"] == {"SC003": 1, "unparsed": 1}
    renamed = prepare(data, out=tmp_path / "renamed", format="jsonl", rename_completion=True)
    text = (tmp_path / "renamed" / "train" / "train-00000.jsonl").read_text()
    assert '"completion"' not in text and renamed.manifest["examples"]["written"] == 20


def test_text_recut_on_document_boundaries(tmp_path):
    folder = corpus(tmp_path / "docs", docs=6)
    sizes = sorted(p.stat().st_size for p in folder.iterdir())
    limit = sizes[-1] * 2 + 2
    done = prepare(folder, out=tmp_path / "out", format="text", file_bytes=limit)
    parts = sorted((tmp_path / "out" / "train").glob("*.txt"))
    assert len(parts) == 3 and all(p.stat().st_size <= limit for p in parts)
    joined = "\n\n".join(p.read_text() for p in parts)
    originals = "\n\n".join(p.read_text() for p in sorted(folder.iterdir()))
    assert joined == originals
    assert sum(s["samples"] for s in done.manifest["shards"]) == 6


def test_format_task_mismatch_and_missing_model_are_usage_errors(tmp_path):
    from ftdata.errors import UsageError

    data = write(tmp_path / "c.jsonl", chats(3))
    with pytest.raises(UsageError):
        prepare(data, out=tmp_path / "a", format="text")
    with pytest.raises(UsageError):
        prepare(data, out=tmp_path / "b", format="mds")  # tokenized without a model
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert not list(tmp_path.glob(".*ftdata-tmp*"))
    prepare(data, out=tmp_path / "c", format="mds", tokenize=False)
    assert read_dataset(tmp_path / "c" / "train")[0]["messages"] == chats(1)[0]["messages"]


def test_date_pins_the_template(tmp_path):
    data = write(tmp_path / "c.jsonl", chats(3))
    done = prepare(data, out=tmp_path / "o", model=DBRX, date=DATE)
    assert done.manifest["tokenizer"]["date"] == DATE
    assert len(done.manifest["tokenizer"]["template_sha256"]) == 64


def test_delta_table_input_is_named_by_uri_and_version(tmp_path):
    import pyarrow as pa
    from deltalake import write_deltalake

    table = tmp_path / "table"
    rows = instructions(8)
    write_deltalake(str(table), pa.Table.from_pylist(rows))
    done = prepare(str(table), out=tmp_path / "o", format="jsonl")
    assert done.manifest["inputs"] == [{"delta": str(table), "version": 0}]
    lines = (tmp_path / "o" / "train" / "train-00000.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == rows
    assert prepare(str(table), out=tmp_path / "o", format="jsonl").status == "skipped"


def test_an_in_memory_document_reads_as_its_file(tmp_path, monkeypatch):
    """A Spark row's text gives the chunks, ids, counts and content key of a file holding it."""
    from ftdata.writers import records
    from ftdata.writers.split import content_key

    stage = TokenStage(TokenSettings(model=MISTRAL, date=None))
    text = "First line\r\nsecond\rthird é\r\n" * 5  # CRLF across chunk boundaries
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(records, "CHUNK_CHARS", 7)
    document = records.Document(text)
    assert list(records.text_chunks(document)) == list(records.text_chunks(path))
    assert len(list(records.text_chunks(path))) > 5
    assert list(records.document_ids(stage.tokenizer, document)) == list(
        records.document_ids(stage.tokenizer, path)
    )
    assert stage.count_document(document) == stage.count_document(str(path))
    assert content_key("pretraining", document) == content_key("pretraining", str(path))
