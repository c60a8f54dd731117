"""An MDS writer (the shard format of mosaicml-streaming), written from the format facts.

Layout of one uncompressed shard, all integers little-endian:

* ``uint32`` sample count n, then ``uint32[n + 1]`` absolute offsets (offset[0]
  is the end of the header, offset[n] the file size);
* the shard's config as JSON with sorted keys;
* the samples back to back: ``uint32`` sizes of the variable-size columns, then
  every column's bytes, columns in sorted name order.

``index.json`` lists every shard with its config, sample count and the size and
hashes of the raw and of the compressed file. With compression only the
compressed file is kept. Readers reject unknown per-shard keys, so the index
holds exactly the documented ones.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ftdata.errors import UsageError
from ftdata.writers import ShardInfo

DEFAULT_SIZE_LIMIT = 1 << 26  # 64 MiB of raw shard, as mosaicml-streaming
ZSTD_DEFAULT_LEVEL = 3
# Fixed byte sizes of the scalar encodings; every other encoding is variable.
FIXED_SIZES = {
    "int": 8,
    "int8": 1,
    "uint8": 1,
    "int16": 2,
    "uint16": 2,
    "int32": 4,
    "uint32": 4,
    "int64": 8,
    "uint64": 8,
    "float16": 2,
    "float32": 4,
    "float64": 8,
}
SUPPORTED = ("str", "bytes", "json", "ndarray:int32")
HASHES = ("md5", "sha1", "sha256", "xxh64")


def encode_str(value: Any) -> bytes:
    """``str``: UTF-8 (bytes pass through unchanged, as the reference writer allows)."""
    return value if isinstance(value, bytes) else value.encode("utf-8")


def encode_json(value: Any) -> bytes:
    """``json``: ``json.dumps`` with its default (ASCII, ``", "``/``": "``) form, UTF-8."""
    return json.dumps(value).encode("utf-8")


def encode_int32_array(value: Any) -> bytes:
    """``ndarray:int32``: one shape byte ``(ndim << 2) | width``, the shape, then the values.

    The dtype is fixed by the encoding, so no dtype byte; the shape is not, so
    it is stored with the narrowest unsigned width that holds its largest dim.
    """
    import numpy as np

    array = np.ascontiguousarray(value, dtype="<i4")
    if array.ndim == 0 or array.size == 0:
        raise ValueError("MDS ndarray columns cannot hold empty or 0-d arrays")
    largest = max(array.shape)
    width = 0 if largest < 1 << 8 else 1 if largest < 1 << 16 else 2 if largest < 1 << 32 else 3
    shape = np.asarray(array.shape, dtype=("<u1", "<u2", "<u4", "<u8")[width]).tobytes()
    return bytes([(array.ndim << 2) | width]) + shape + array.tobytes()


ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "str": encode_str,
    "bytes": bytes,
    "json": encode_json,
    "ndarray:int32": encode_int32_array,
}


def parse_compression(compression: str | None) -> tuple[str | None, int]:
    """``None`` or ``zstd`` / ``zstd:LEVEL`` (1-22) -> (family, level)."""
    if compression in (None, "", "none"):
        return None, 0
    family, _, level = str(compression).partition(":")
    if family != "zstd":
        raise UsageError(f"MDS compression {compression!r}: only zstd[:LEVEL] or none")
    if level and not (level.isdigit() and 1 <= int(level) <= 22):
        raise UsageError(f"zstd level must be 1-22, not {level!r}")
    return "zstd", int(level) if level else ZSTD_DEFAULT_LEVEL


def check_hashes(hashes: tuple[str, ...]) -> list[str]:
    """The hash names, sorted and unique, as readers require."""
    unknown = [h for h in hashes if h not in HASHES]
    if unknown:
        raise UsageError(f"unknown MDS hash {unknown[0]!r}; use {', '.join(HASHES)}")
    return sorted(set(hashes))


def digest(name: str, data: bytes) -> str:
    """Hex digest of ``data`` with a hashlib algorithm or xxh64."""
    if name == "xxh64":
        import xxhash

        return xxhash.xxh64(data).hexdigest()
    return hashlib.new(name, data).hexdigest()


class MDSWriter:
    """Writes samples (dicts of column -> value) into ``folder`` as MDS shards."""

    def __init__(
        self,
        folder: Path,
        columns: Mapping[str, str],
        *,
        prefix: str = "",
        compression: str | None = "zstd",
        hashes: tuple[str, ...] = ("sha1",),
        size_limit: int = DEFAULT_SIZE_LIMIT,
    ) -> None:
        """``columns`` maps names to encodings; ``prefix`` is the folder's path in the manifest."""
        if not 0 < size_limit < 1 << 32:
            raise UsageError("the shard size limit must be between 1 byte and 4 GiB")
        bad = [e for e in columns.values() if e not in SUPPORTED]
        if bad:
            raise UsageError(f"unsupported MDS encoding {bad[0]!r}")
        self.folder, self.prefix = folder, prefix
        self.names = sorted(columns)  # the format stores columns in sorted name order
        self.encodings = [columns[name] for name in self.names]
        self.sizes = [FIXED_SIZES.get(e) for e in self.encodings]
        self.family, self.level = parse_compression(compression)
        self.hashes = check_hashes(tuple(hashes))
        self.size_limit = size_limit
        self.config = {
            "column_encodings": self.encodings,
            "column_names": self.names,
            "column_sizes": self.sizes,
            "compression": None if self.family is None else f"zstd:{self.level}",
            "format": "mds",
            "hashes": self.hashes,
            "size_limit": size_limit,
            "version": 2,
        }
        self._config_bytes = json.dumps(self.config, sort_keys=True).encode("utf-8")
        self._samples: list[bytes] = []
        self._data_bytes = 0
        self.index: list[dict] = []
        self.shards: list[ShardInfo] = []
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, sample: Mapping[str, Any]) -> None:
        """Encode one sample and add it; a full shard is flushed first."""
        parts = [ENCODERS[e](sample[n]) for n, e in zip(self.names, self.encodings, strict=True)]
        sizes = [len(p) for p, fixed in zip(parts, self.sizes, strict=True) if fixed is None]
        blob = struct.pack(f"<{len(sizes)}I", *sizes) + b"".join(parts)
        if self._samples and self._raw_size(len(self._samples) + 1, len(blob)) > self.size_limit:
            self.flush()
        self._samples.append(blob)
        self._data_bytes += len(blob)

    def _raw_size(self, count: int, extra: int) -> int:
        return 4 + 4 * (count + 1) + len(self._config_bytes) + self._data_bytes + extra

    def flush(self) -> None:
        """Write the current shard (if it has samples) and start a new one."""
        if not self._samples:
            return
        count = len(self._samples)
        start = 4 + 4 * (count + 1) + len(self._config_bytes)
        offsets, position = [start], start
        for blob in self._samples:
            position += len(blob)
            offsets.append(position)
        raw = b"".join(
            [struct.pack(f"<I{count + 1}I", count, *offsets), self._config_bytes, *self._samples]
        )
        self._samples, self._data_bytes = [], 0
        self._store(raw, count)

    def _store(self, raw: bytes, count: int) -> None:
        number = len(self.index)
        name = f"shard.{number:05d}.mds"
        raw_info = {
            "basename": name,
            "bytes": len(raw),
            "hashes": {h: digest(h, raw) for h in self.hashes},
        }
        zip_info, stored = None, raw
        if self.family == "zstd":
            import zstandard

            stored = zstandard.ZstdCompressor(level=self.level).compress(raw)
            name = f"{name}.zstd"
            zip_info = {
                "basename": name,
                "bytes": len(stored),
                "hashes": {h: digest(h, stored) for h in self.hashes},
            }
        (self.folder / name).write_bytes(stored)
        self.index.append(
            {**self.config, "raw_data": raw_info, "samples": count, "zip_data": zip_info}
        )
        self.shards.append(
            ShardInfo(self.prefix + name, len(stored), hashlib.sha256(stored).hexdigest(), count)
        )

    def close(self) -> list[ShardInfo]:
        """Flush the last shard, write ``index.json`` and return the shards written."""
        self.flush()
        index = {"shards": self.index, "version": 2}
        (self.folder / "index.json").write_text(json.dumps(index, sort_keys=True), "utf-8")
        return self.shards
