"""The duplicate index: 64-bit digest -> the mark of its first example, 16 bytes per entry.

A dict of Python ints costs about 110 bytes per example, so 8M tiny rows took
close to 1 GB. Past its first ``SMALL`` entries the index is a few sorted runs
of two parallel numpy ``int64`` arrays (digest, mark): 16 bytes per distinct
example and nothing per copy. A lookup searches each run once for a whole
call (callers pass thousands of digests at a time), and the call's new
digests become a run. Neighbouring runs of similar size are merged, so each
entry is merged O(log n) times and a lookup searches few runs, but never into
one above ``max(CAP, size / 4)`` entries: a merge needs bounded scratch space
instead of doubling the peak at the end of a large input.

Small inputs never import numpy: up to ``SMALL`` entries the index is a dict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

NOT_SEEN = -1  # the first mark of an example whose digest is new
_MASK, _SIGN = (1 << 64) - 1, 1 << 63


class DigestIndex:
    """Remembers the first mark (a non-negative int) of every 64-bit digest it was given."""

    SMALL = 1 << 15  # entries kept in a dict (~3.5 MB) before the arrays take over
    CAP = 1 << 18  # runs up to this many entries merge whatever the index's size (4 MB)

    def __init__(self) -> None:
        self._small: dict[int, int] | None = {}
        self._runs: list[tuple[Any, Any]] = []  # (sorted int64 digests, their marks)
        self._size = 0

    def __len__(self) -> int:
        """Distinct digests remembered."""
        return len(self._small) if self._small is not None else self._size

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays: 16 per distinct digest once the dict is gone."""
        return sum(digests.nbytes + marks.nbytes for digests, marks in self._runs)

    @property
    def runs(self) -> int:
        """Sorted runs a lookup searches (few: logarithmic, and at most ~4-8 large ones)."""
        return len(self._runs)

    def copies(self, digests: Sequence[int], marks: Sequence[int]) -> list[tuple[int, int]]:
        """``(entry, first mark)`` of every entry whose digest came before, in entry order.

        Entries are taken in order: a digest repeated inside the call is a copy
        of its first occurrence there. Every new digest is remembered with its
        mark. ``digests`` are 64-bit integers (signed or unsigned: the same
        bits are the same digest), ``marks`` distinct non-negative ints.
        """
        if self._small is not None:
            if len(self._small) + len(digests) <= self.SMALL:
                return self._small_copies(self._small, digests, marks)
            self._promote()
        import numpy as np

        firsts = self.first_marks(digests, marks)
        found = np.flatnonzero(firsts != NOT_SEEN)
        return list(zip(found.tolist(), firsts[found].tolist(), strict=True))

    def first_marks(self, digests, marks):
        """For each entry the mark of the first example with its digest, or ``NOT_SEEN``.

        The numpy form of :meth:`copies` (an ``int64`` array; imports numpy).
        """
        import numpy as np

        if self._small is not None:
            self._promote()
        digests = as_int64(digests)
        marks = np.asarray(marks, dtype=np.int64)
        result = np.full(len(digests), NOT_SEEN, dtype=np.int64)
        if not len(digests):
            return result
        order = np.argsort(digests, kind="stable")  # equal digests keep their entry order
        ordered = digests[order]
        head = np.ones(len(ordered), dtype=bool)
        head[1:] = ordered[1:] != ordered[:-1]
        group = np.cumsum(head) - 1  # which distinct digest each sorted entry has
        heads = order[head]  # entry of each distinct digest's first occurrence
        unique = ordered[head]
        earlier = self._lookup(unique)
        firsts = np.where(earlier != NOT_SEEN, earlier, marks[heads])
        result[order] = firsts[group]
        result[heads] = earlier  # a first occurrence only has a first mark if seen before
        new = earlier == NOT_SEEN
        if new.any():
            self._add(unique[new], marks[heads[new]])
        return result

    def _small_copies(self, seen: dict[int, int], digests, marks) -> list[tuple[int, int]]:
        found = []
        if hasattr(digests, "tolist"):
            digests = digests.tolist()
        for entry, (digest, mark) in enumerate(zip(digests, marks, strict=True)):
            if not -_SIGN <= digest < _SIGN:
                digest = ((digest & _MASK) ^ _SIGN) - _SIGN  # the signed reading of its bits
            first = seen.setdefault(digest, mark)
            if first != mark:
                found.append((entry, first))
        return found

    def _promote(self) -> None:
        """Turn the dict into the first sorted run."""
        import numpy as np

        small, self._small = self._small, None
        if small:
            digests = np.fromiter(small.keys(), dtype=np.int64, count=len(small))
            marks = np.fromiter(small.values(), dtype=np.int64, count=len(small))
            order = np.argsort(digests)
            self._add(digests[order], marks[order])

    def _lookup(self, unique):
        """The remembered mark of each sorted distinct digest, or ``NOT_SEEN``."""
        import numpy as np

        found = np.full(len(unique), NOT_SEEN, dtype=np.int64)
        for digests, marks in self._runs:
            at = np.minimum(np.searchsorted(digests, unique), len(digests) - 1)
            hit = digests[at] == unique
            found[hit] = marks[at[hit]]
        return found

    def _add(self, digests, marks) -> None:
        """Append a sorted run of new digests, then merge runs of similar size."""
        self._runs.append((digests, marks))
        self._size += len(digests)
        limit = max(self.CAP, self._size // 4)
        while (pair := self._pair_to_merge(limit)) is not None:
            self._runs[pair : pair + 2] = [_merge(self._runs[pair], self._runs[pair + 1])]

    def _pair_to_merge(self, limit: int) -> int | None:
        """The smallest neighbours to merge: of similar size, and not above ``limit`` together."""
        sizes = [len(digests) for digests, _ in self._runs]
        fits = [
            (sizes[i] + sizes[i + 1], i)
            for i in range(len(sizes) - 1)
            if sizes[i] + sizes[i + 1] <= limit and sizes[i] <= 4 * sizes[i + 1]
        ]
        return min(fits)[1] if fits else None


def _merge(left: tuple[Any, Any], right: tuple[Any, Any]) -> tuple[Any, Any]:
    """Merge two sorted runs with disjoint digests in O(n), without a full sort."""
    import numpy as np

    size = len(left[0]) + len(right[0])
    # Where each right entry lands: its rank in left plus the right entries before it.
    at = np.searchsorted(left[0], right[0]) + np.arange(len(right[0]))
    from_left = np.ones(size, dtype=bool)
    from_left[at] = False
    digests = np.empty(size, dtype=np.int64)
    marks = np.empty(size, dtype=np.int64)
    digests[at], marks[at] = right
    digests[from_left], marks[from_left] = left
    return digests, marks


def as_int64(digests):
    """64-bit digests as ``int64``: unsigned ones are reinterpreted bit for bit."""
    import numpy as np

    if isinstance(digests, np.ndarray):
        if digests.dtype == np.uint64:
            return digests.view(np.int64)
        return digests.astype(np.int64, copy=False)
    try:
        return np.array(digests, dtype=np.int64)
    except OverflowError:
        values = [int(d) & _MASK for d in digests]
        return np.array(values, dtype=np.uint64).view(np.int64)
