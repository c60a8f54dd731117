"""The cache folder: checksummed entries written atomically, bounded in size by LRU eviction.

An entry is one file, ``<root>/ftdata-cache-v1/<kind>/<key[:2]>/<key>``: a header
(magic, format version, the key, the payload's length and a 128-bit hash of it)
and the zlib-compressed payload. An entry whose header, key, length or hash
does not match is *foreign or corrupt*: it is ignored (the caller recomputes
and writes it again), never trusted. Entries are written to a temporary file
beside their place and renamed over it, so concurrent runs see either the whole
old entry or the whole new one. Reading an entry refreshes its time, and
:meth:`CacheStore.evict` removes the least recently used entries once the folder
holds more than its bound: only files that carry the entry header, i.e. files
this cache wrote, are ever deleted.

Writing never fails a run: a read-only or full disk only costs the speed-up
(the first such error is kept in :attr:`CacheStore.problem`).
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path

import xxhash

FORMAT = 1
FOLDER = f"ftdata-cache-v{FORMAT}"
MAGIC = b"FTDCACHE"
# magic, format, key (16 bytes), payload length, xxh3-128 of the payload
HEADER = struct.Struct("<8sH16sQ16s")
DEFAULT_MAX_BYTES = 4 << 30


def default_cache_dir() -> Path:
    """Where the cache lives unless told: ``$FTDATA_CACHE_DIR``, else the user's cache folder."""
    explicit = os.environ.get("FTDATA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "ftdata" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ftdata"


def default_max_bytes() -> int:
    """The size bound: ``$FTDATA_CACHE_MAX_MB`` megabytes when set to a whole number, else 4 GiB."""
    value = os.environ.get("FTDATA_CACHE_MAX_MB", "")
    return int(value) << 20 if value.isdigit() else DEFAULT_MAX_BYTES


class CacheStore:
    """A folder of cache entries addressed by ``(kind, key)``; ``key`` is 32 hex digits."""

    def __init__(self, root: str | os.PathLike[str], max_bytes: int | None = None) -> None:
        self.root = Path(root) / FOLDER
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes
        self.problem: str | None = None  # the first write error, if any
        self.hits = self.misses = self.writes = 0

    def path(self, kind: str, key: str) -> Path:
        """The file of entry ``(kind, key)``."""
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload of an entry, or None when it is missing, foreign or corrupt."""
        path = self.path(kind, key)
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError:
            self.misses += 1
            return None
        payload = _unpack(data, key)
        if payload is None:
            self.misses += 1
            return None
        self.hits += 1
        try:
            os.utime(path)  # the LRU clock: a used entry is young again
        except OSError:
            pass
        return payload

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Write an entry atomically (a temporary file renamed into place)."""
        path = self.path(kind, key)
        data = _pack(key, payload)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.replace(temporary, path)
            except BaseException:
                _remove(Path(temporary))
                raise
        except OSError as exc:
            self.problem = self.problem or f"cannot write the cache at {self.root}: {exc}"
            return
        self.writes += 1

    def entries(self) -> list[tuple[float, int, Path]]:
        """``(time of last use, size, path)`` of every file that is one of this cache's entries."""
        found: list[tuple[float, int, Path]] = []
        if not self.root.is_dir():
            return found
        for folder, _, names in os.walk(self.root):
            for name in names:
                path = Path(folder) / name
                if name.startswith(".tmp-") or not _is_entry(path):
                    continue
                try:
                    info = path.stat()
                except OSError:
                    continue
                found.append((info.st_mtime, info.st_size, path))
        return found

    def size(self) -> int:
        """Bytes held by this cache's entries."""
        return sum(size for _, size, _ in self.entries())

    def evict(self) -> int:
        """Remove the least recently used entries until the cache fits its bound; return how many.

        Only files with this cache's entry header are removed; anything else
        in the folder is left alone.
        """
        entries = sorted(self.entries())
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            if _remove(path):
                total -= size
                removed += 1
        return removed


def _pack(key: str, payload: bytes) -> bytes:
    body = zlib.compress(payload, 1)
    digest = xxhash.xxh3_128_digest(body)
    return HEADER.pack(MAGIC, FORMAT, bytes.fromhex(key), len(body), digest) + body


def _unpack(data: bytes, key: str) -> bytes | None:
    """The payload of an entry's bytes if they are whole and belong to ``key``, else None."""
    if len(data) < HEADER.size:
        return None
    magic, version, stored_key, length, digest = HEADER.unpack_from(data)
    body = data[HEADER.size :]
    if magic != MAGIC or version != FORMAT or len(body) != length:
        return None
    if stored_key.hex() != key or xxhash.xxh3_128_digest(body) != digest:
        return None
    try:
        return zlib.decompress(body)
    except zlib.error:
        return None


def _is_entry(path: Path) -> bool:
    """Whether ``path`` starts with this cache's magic: a file the cache wrote."""
    try:
        with open(path, "rb") as file:
            return file.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True
