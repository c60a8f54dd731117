"""A text -> ids cache so repeated texts (a shared system prompt) are encoded once.

Two levels:

* whole texts: identical texts in a batch are encoded once, and the last
  ``max_entries`` results are kept across batches (LRU);
* segments (opt-in, ``control_tokens``): texts encoded without added special
  tokens are cut at control-token literals and the pieces between them are
  cached. A chat prompt that starts with the same system message as a thousand
  others then shares that piece's encoding. This is exact only for backends
  that encode the text between two control tokens independently of what
  surrounds it (byte-level BPE, and ftdata's SentencePiece backend); pass
  ``control_tokens`` only for those (``segmentable(tokenizer)`` says).

``admit_after=2`` keeps ids only for texts seen twice, so memory follows the
texts that repeat, not the corpus (the token stage uses it).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

EncodeBatch = Callable[[list[str], bool], list[list[int]]]


def segmentable(tokenizer) -> bool:
    """Whether segment caching is exact for a ``LoadedTokenizer``.

    HF ``tokenizer.json`` files with a normalizer or a Metaspace pre-tokenizer
    may treat the first segment differently from later ones, so only the
    backends known to be position-independent qualify.
    """
    if tokenizer.kind in {"sentencepiece", "tiktoken"}:
        return True
    tok = getattr(tokenizer.backend, "tok", None)
    if tok is None or tok.normalizer is not None:
        return False
    # A special token that strips the whitespace next to it (or matches only
    # as a whole word) encodes differently once the text around it is cut off.
    for added in tok.get_added_tokens_decoder().values():
        if added.special and (added.lstrip or added.rstrip or added.single_word):
            return False
    return "Metaspace" not in repr(tok.pre_tokenizer)


class TokenCache:
    """Memo of ``(add_special_tokens, text) -> ids``.

    ``encoded`` counts texts (or segments) sent to the encoder, ``hits`` those
    served without encoding (from the memo or as a duplicate in the batch).
    """

    def __init__(
        self,
        max_entries: int = 65_536,
        control_tokens: Mapping[str, int] | None = None,
        max_text_chars: int = 20_000,
        admit_after: int = 1,
    ) -> None:
        self.max_entries = max_entries
        self.max_text_chars = max_text_chars  # long, one-off texts would evict the useful ones
        # admit_after=2 keeps a text's ids only once it was seen twice: most chat
        # texts occur once, and keeping their ids costs ~10 KB each for nothing.
        self.admit_after = admit_after
        self._seen: OrderedDict[int, int] = OrderedDict()  # hash -> sightings (collisions only admit early)
        self._memo: OrderedDict[tuple[bool, str], list[int]] = OrderedDict()
        self._controls = dict(control_tokens or {})
        alts = sorted(self._controls, key=len, reverse=True)
        self._split = re.compile("(" + "|".join(map(re.escape, alts)) + ")") if alts else None
        self.hits = 0
        self.encoded = 0

    def encode(
        self, texts: Sequence[str], add_special_tokens: bool, encode_batch: EncodeBatch
    ) -> list[list[int]]:
        """Ids for each text, calling ``encode_batch`` once for what is missing."""
        if self._split is not None and not add_special_tokens:
            return self._encode_segmented(texts, encode_batch)
        return self._lookup(texts, add_special_tokens, encode_batch)

    def _lookup(
        self, texts: Sequence[str], mode: bool, encode_batch: EncodeBatch
    ) -> list[list[int]]:
        missing = [t for t in dict.fromkeys(texts) if (mode, t) not in self._memo]
        fresh = dict(zip(missing, encode_batch(missing, mode))) if missing else {}
        self.encoded += len(missing)
        self.hits += len(texts) - len(missing)  # duplicates in the batch count as hits too
        out: list[list[int]] = []
        for t in texts:
            ids = fresh.get(t)
            if ids is None:
                ids = self._memo[(mode, t)]
                self._memo.move_to_end((mode, t))
            out.append(ids)
        for t, ids in fresh.items():
            self._store((mode, t), ids)
        return out

    def _store(self, key: tuple[bool, str], ids: list[int]) -> None:
        if len(key[1]) > self.max_text_chars or not self._admitted(key):
            return
        self._memo[key] = ids
        while len(self._memo) > self.max_entries:
            self._memo.popitem(last=False)

    def _admitted(self, key: tuple[bool, str]) -> bool:
        """Count a sighting of ``key``; true once it was seen ``admit_after`` times."""
        if self.admit_after <= 1:
            return True
        digest = hash(key)
        seen = self._seen.pop(digest, 0) + 1
        if seen >= self.admit_after:
            return True
        self._seen[digest] = seen
        while len(self._seen) > 4 * self.max_entries:
            self._seen.popitem(last=False)
        return False

    def _encode_segmented(self, texts: Sequence[str], encode_batch: EncodeBatch) -> list[list[int]]:
        # The pattern has one group, so a split alternates text and control literal:
        # [text, literal, text, ..., text]; texts may be empty.
        split, controls = self._split.split, self._controls
        layouts = [split(t) for t in texts]
        pieces = [piece for layout in layouts for piece in layout[::2] if piece]
        encoded = iter(self._lookup(pieces, False, encode_batch))
        out: list[list[int]] = []
        for layout in layouts:
            if len(layout) == 1:  # no control token: the piece's ids as they are
                out.append(next(encoded) if layout[0] else [])
                continue
            ids: list[int] = []
            for k, part in enumerate(layout):
                if k & 1:
                    ids.append(controls[part])
                elif part:
                    ids.extend(next(encoded))
            out.append(ids)
        return out
