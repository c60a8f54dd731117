"""A text -> ids cache so repeated texts (a shared system prompt) are encoded once.

Two levels:

* whole texts: identical texts in a batch are encoded once, and the last
  ``max_entries`` results are kept across batches (the older half dropped when full);
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

import itertools
import re
from array import array
from collections.abc import Callable, Mapping, MutableSequence, Sequence

# texts, with special tokens? -> ids per text (lists, or arrays the collector does not walk)
EncodeBatch = Callable[[list[str], bool], Sequence[Sequence[int]]]


def segmentable(tokenizer) -> bool:
    """Whether segment caching is exact for a ``LoadedTokenizer``.

    HF ``tokenizer.json`` files with a normalizer or a Metaspace pre-tokenizer
    may treat the first segment differently from later ones, so only the
    backends known to be position-independent qualify.
    """
    if tokenizer.kind in {"sentencepiece", "tiktoken"}:
        return True
    if getattr(tokenizer.backend, "segmentable", False):  # a tokenizer.json run by tiktoken
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
    When the memo is full its older half is dropped (first in, first out):
    cheaper per text than an LRU, and a text that keeps repeating is soon
    admitted again.
    """

    def __init__(
        self,
        max_entries: int = 65_536,
        control_tokens: Mapping[str, int] | None = None,
        max_text_chars: int = 20_000,
        admit_after: int = 1,
        arrays: bool = False,
    ) -> None:
        self.max_entries = max_entries
        self.max_text_chars = max_text_chars  # long, one-off texts would evict the useful ones
        # admit_after=2 keeps a text's ids only once it was seen twice: most chat
        # texts occur once, and keeping their ids costs ~10 KB each for nothing.
        self.admit_after = admit_after
        # With an encoder that returns array("I") (LoadedTokenizer.encode_arrays),
        # texts put together from segments are arrays too: the GC does not walk them.
        self._empty: Callable[[], MutableSequence[int]] = (lambda: array("I")) if arrays else list
        self._seen: dict[int, int] = {}  # hash -> sightings (a collision only admits early)
        self._memo: dict[bool, dict[str, Sequence[int]]] = {False: {}, True: {}}
        self._controls = dict(control_tokens or {})
        alts = sorted(self._controls, key=len, reverse=True)
        self._split = re.compile("(" + "|".join(map(re.escape, alts)) + ")") if alts else None
        self.hits = 0
        self.encoded = 0

    def encode(
        self, texts: Sequence[str], add_special_tokens: bool, encode_batch: EncodeBatch
    ) -> list[Sequence[int]]:
        """Ids for each text, calling ``encode_batch`` once for what is missing."""
        if self._split is not None and not add_special_tokens:
            return self._encode_segmented(texts, encode_batch)
        return self._lookup(texts, add_special_tokens, encode_batch)

    def _lookup(
        self, texts: Sequence[str], mode: bool, encode_batch: EncodeBatch
    ) -> list[Sequence[int]]:
        memo = self._memo[mode]
        unique = dict.fromkeys(texts)
        missing = [t for t in unique if t not in memo]
        fresh = dict(zip(missing, encode_batch(missing, mode), strict=True)) if missing else {}
        self.encoded += len(missing)
        self.hits += len(texts) - len(missing)  # duplicates in the batch count as hits too
        # Take the hits before admitting the fresh texts: admission may evict them.
        found = {t: memo[t] for t in unique if t in memo} if len(missing) < len(unique) else {}
        found.update(fresh)
        self._admit(fresh, memo)
        return [found[t] for t in texts]

    def _admit(self, fresh: dict[str, Sequence[int]], memo: dict[str, Sequence[int]]) -> None:
        """Keep the fresh ids of texts now seen ``admit_after`` times; bound the memo."""
        seen, admit_after, longest = self._seen, self.admit_after, self.max_text_chars
        for text, ids in fresh.items():
            if len(text) > longest:
                continue
            if admit_after > 1:
                digest = hash(text)
                sightings = seen.get(digest, 0) + 1
                if sightings < admit_after:
                    seen[digest] = sightings
                    continue
                seen.pop(digest, None)
            memo[text] = ids
        if len(memo) > self.max_entries:
            for text in list(itertools.islice(memo, len(memo) - self.max_entries // 2)):
                del memo[text]
        if len(seen) > 4 * self.max_entries:
            seen.clear()  # forgetting one-off sightings only delays an admission

    def _encode_segmented(
        self, texts: Sequence[str], encode_batch: EncodeBatch
    ) -> list[Sequence[int]]:
        # The pattern has one group, so a split alternates text and control literal:
        # [text, literal, text, ..., text]; texts may be empty.
        assert self._split is not None  # only called when there are control literals to split on
        split, controls = self._split.split, self._controls
        layouts = [split(t) for t in texts]
        pieces = [piece for layout in layouts for piece in layout[::2] if piece]
        encoded = iter(self._lookup(pieces, False, encode_batch))
        out: list[Sequence[int]] = []
        for layout in layouts:
            if len(layout) == 1:  # no control token: the piece's ids as they are
                out.append(next(encoded) if layout[0] else self._empty())
                continue
            ids = self._empty()
            for k, part in enumerate(layout):
                if k & 1:
                    ids.append(controls[part])
                elif part:
                    ids.extend(next(encoded))
            out.append(ids)
        return out
