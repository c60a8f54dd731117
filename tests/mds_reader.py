"""An independent MDS reader for tests: checks every byte of the layout, then decodes samples.

Written from the format description (research note section 3), not from
ftdata's writer: it re-derives offsets, config, per-sample sizes, encodings and
hashes and fails loudly on any deviation.
"""

from __future__ import annotations

import hashlib
import json
import struct
from itertools import pairwise
from pathlib import Path

import zstandard

SHARD_KEYS = {
    "version",
    "format",
    "compression",
    "hashes",
    "size_limit",
    "column_names",
    "column_encodings",
    "column_sizes",
    "samples",
    "raw_data",
    "zip_data",
}
CONFIG_KEYS = SHARD_KEYS - {"samples", "raw_data", "zip_data"}
FIXED = {"int": 8, "int32": 4, "int64": 8, "uint32": 4, "float32": 4, "float64": 8}


class LayoutError(AssertionError):
    """The folder does not follow the MDS layout."""


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise LayoutError(message)


def _hash(name: str, data: bytes) -> str:
    if name == "xxh64":
        import xxhash

        return xxhash.xxh64(data).hexdigest()
    return hashlib.new(name, data).hexdigest()


def read_index(folder: Path) -> dict:
    """Load ``index.json`` and check its keys exactly."""
    index = json.loads((folder / "index.json").read_text("utf-8"))
    _need(set(index) == {"version", "shards"}, f"index keys {sorted(index)}")
    _need(index["version"] == 2, "index version must be 2")
    for shard in index["shards"]:
        _need(set(shard) == SHARD_KEYS, f"shard keys {sorted(shard)}")
        _need(shard["version"] == 2 and shard["format"] == "mds", "shard version/format")
        _need(shard["column_names"] == sorted(shard["column_names"]), "columns not sorted")
        _need(shard["hashes"] == sorted(set(shard["hashes"])), "hashes not sorted/unique")
    return index


def _raw_bytes(folder: Path, shard: dict) -> bytes:
    """The uncompressed shard, after checking the stored file's size and hashes."""
    raw_info, zip_info = shard["raw_data"], shard["zip_data"]
    if shard["compression"] is None:
        _need(zip_info is None, "zip_data without compression")
        data = (folder / raw_info["basename"]).read_bytes()
    else:
        _need(shard["compression"].split(":")[0] == "zstd", "only zstd is expected")
        _need(zip_info["basename"] == raw_info["basename"] + ".zstd", "compressed basename")
        _need(not (folder / raw_info["basename"]).exists(), "raw shard kept beside compressed")
        stored = (folder / zip_info["basename"]).read_bytes()
        _need(len(stored) == zip_info["bytes"], "zip_data bytes")
        for name in shard["hashes"]:
            _need(_hash(name, stored) == zip_info["hashes"][name], f"zip {name} mismatch")
        data = zstandard.ZstdDecompressor().decompress(stored)
    _need(len(data) == raw_info["bytes"], "raw_data bytes")
    _need(set(raw_info["hashes"]) == set(shard["hashes"]), "raw hash names")
    for name in shard["hashes"]:
        _need(_hash(name, data) == raw_info["hashes"][name], f"raw {name} mismatch")
    return data


def _decode(encoding: str, data: bytes):
    if encoding == "str":
        return data.decode("utf-8")
    if encoding == "json":
        text = data.decode("utf-8")
        value = json.loads(text)
        _need(json.dumps(value) == text, "json column not in json.dumps default form")
        return value
    if encoding == "ndarray:int32":
        head = data[0]
        ndim, width = head >> 2, head & 3
        size = (1, 2, 4, 8)[width]
        shape = struct.unpack(f"<{ndim}{'BHIQ'[width]}", data[1 : 1 + ndim * size])
        _need(max(shape) < 1 << (8 * size), "shape width")
        _need(width == 0 or max(shape) >= 1 << (8 * (1, 2, 4, 8)[width - 1]), "shape too wide")
        values = data[1 + ndim * size :]
        count = 1
        for dim in shape:
            count *= dim
        _need(len(values) == 4 * count and count > 0, "ndarray size")
        return list(struct.unpack(f"<{count}i", values))
    if encoding in FIXED:
        return data
    raise LayoutError(f"unexpected encoding {encoding}")


def read_shard(raw: bytes, shard: dict) -> list[dict]:
    """Check one uncompressed shard byte by byte; return its samples."""
    (count,) = struct.unpack_from("<I", raw, 0)
    _need(count == shard["samples"], "sample count")
    offsets = struct.unpack_from(f"<{count + 1}I", raw, 4)
    config = {k: shard[k] for k in CONFIG_KEYS}
    config_bytes = json.dumps(config, sort_keys=True).encode()
    header_end = 4 + 4 * (count + 1)
    _need(raw[header_end : header_end + len(config_bytes)] == config_bytes, "config JSON")
    _need(offsets[0] == header_end + len(config_bytes), "first offset")
    _need(offsets[-1] == len(raw), "last offset is the file size")
    _need(all(a <= b for a, b in pairwise(offsets)), "offsets increase")
    names, encodings = shard["column_names"], shard["column_encodings"]
    sizes = shard["column_sizes"]
    _need(len(raw) <= shard["size_limit"] or count == 1, "shard over its size limit")
    samples = []
    for start, end in pairwise(offsets):
        variable = [i for i, s in enumerate(sizes) if s is None]
        prefix = struct.unpack_from(f"<{len(variable)}I", raw, start)
        lengths = dict(zip(variable, prefix, strict=True))
        position = start + 4 * len(variable)
        sample = {}
        for i, (name, encoding) in enumerate(zip(names, encodings, strict=True)):
            length = sizes[i] if sizes[i] is not None else lengths[i]
            sample[name] = _decode(encoding, raw[position : position + length])
            position += length
        _need(position == end, "sample bytes do not add up to the offsets")
        samples.append(sample)
    return samples


def read_dataset(folder: str | Path) -> list[dict]:
    """Every sample of an MDS folder, after checking the whole layout."""
    folder = Path(folder)
    index = read_index(folder)
    expected = set()
    samples: list[dict] = []
    for number, shard in enumerate(index["shards"]):
        _need(shard["raw_data"]["basename"] == f"shard.{number:05d}.mds", "shard numbering")
        info = shard["zip_data"] or shard["raw_data"]
        expected.add(info["basename"])
        samples += read_shard(_raw_bytes(folder, shard), shard)
    present = {p.name for p in folder.iterdir()} - {"index.json"}
    _need(present == expected, f"files {sorted(present)} vs index {sorted(expected)}")
    return samples


def read_merged(folder: str | Path) -> list[dict]:
    """Every sample of a merged MDS folder (per-partition subfolders, one index at the root).

    The layout mosaicml-streaming's index merging writes: each subfolder is a
    complete MDS folder of its own, and the root index lists every subfolder's
    shards in order with ``<subfolder>/`` prefixed to their basenames.
    """
    folder = Path(folder)
    index = read_index(folder)
    parts = sorted(p for p in folder.iterdir() if p.is_dir())
    _need(
        {p.name for p in folder.iterdir()} - {p.name for p in parts} == {"index.json"},
        "only index.json and subfolders at the root",
    )
    expected = [(part.name, shard) for part in parts for shard in read_index(part)["shards"]]
    _need(len(expected) == len(index["shards"]), "the root index lists every subfolder's shards")
    samples: list[dict] = []
    for (part, own), shard in zip(expected, index["shards"], strict=True):
        for key in ("raw_data", "zip_data"):
            if own[key] is not None:
                _need(
                    shard[key]["basename"] == f"{part}/{own[key]['basename']}",
                    f"basename of {part}'s shard in the merged index",
                )
        samples += read_shard(_raw_bytes(folder, shard), shard)
    _need(
        samples == [s for part in parts for s in read_dataset(part)],
        "the merged index reads the subfolders' samples",
    )
    return samples
