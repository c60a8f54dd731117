"""Encode a ``tokenizer.json`` with tiktoken when tiktoken gives the same ids.

Many byte-level BPE ``tokenizer.json`` files (Llama 3, cl100k conversions) are
tiktoken vocabularies written in the ``tokenizers`` format. tiktoken encodes
them about twice as fast as ``encode_batch_fast`` on this project's corpus,
so ``twin_of`` checks, when the file is loaded, every condition under which
the two encoders agree, and ``from_tokenizer_json`` falls back to
``tokenizers`` when any one fails:

* no normalizer, no truncation, no padding;
* pre-tokenizer: a ``Split`` (isolated, not inverted) on a regex in
  ``TWIN_PATTERNS``, then ``ByteLevel`` without prefix space or regex of its
  own. Two regex engines are involved (Oniguruma, fancy-regex), so only
  patterns whose splits are parity-tested are trusted;
* model: BPE without dropout, byte fallback or subword prefix/suffix, with
  ``ignore_merges`` (a piece that is a token is emitted whole, as tiktoken
  does), every byte in the vocabulary and every entry spelled in the
  byte-level alphabet;
* merges equivalent to ranks: each merge joins two vocabulary entries into a
  third, merge priority follows the rank (id) of the merged token, and every
  split of a token into two tokens is a merge (tiktoken may join any adjacent
  pair whose concatenation is a token);
* added tokens: all special, matched as plain literals (no strip, no
  whole-word), none inside another, ids apart from the vocabulary's;
* post-processor: none, ``ByteLevel`` (offsets only) or a template that adds
  fixed tokens around one sequence (or a ``Sequence`` of those).

The one difference these checks cannot rule out is a tie: when two different
splits of the same token are mergeable at once, tiktoken merges the leftmost
and ``tokenizers`` the one listed first. The parity tests (random text, the
sample data, and texts built to meet such ties from every token that has a
border in Llama 3's and cl100k's vocabularies) have found no text where that
changes an id; nor has the 20 MB benchmark corpus.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain, compress
from typing import cast

from ftdata.tokens.encoding.tiktoken_ranks import CL100K_PATTERN, LLAMA3_PATTERN, byte_alphabet

# Split regexes whose Oniguruma and fancy-regex splits are parity-tested, as
# tokenizer.json spells them. LLAMA3_PATTERN is also the Hub spelling of cl100k.
TWIN_PATTERNS = frozenset({LLAMA3_PATTERN, CL100K_PATTERN})
_NO_BYTE = "\uffff"  # a character outside latin-1: spells no byte, so decoding fails


@dataclass(frozen=True)
class Twin:
    """What tiktoken needs to encode a ``tokenizer.json`` to the same ids."""

    pattern: str
    ranks: dict[bytes, int]
    specials: dict[str, int]  # added tokens (all special), literal -> id
    prefix: tuple[int, ...]  # ids the post-processor puts before a text
    suffix: tuple[int, ...]  # ... and after it


def _spelling_table() -> dict[int, str]:
    """``str.translate`` table from byte-level characters to latin-1 characters of their byte."""
    table = {ord(char): chr(byte) for byte, char in byte_alphabet().items()}
    for code in range(256):  # a latin-1 character that is not itself a byte's spelling
        table.setdefault(code, _NO_BYTE)
    return table


SPELLING = _spelling_table()


def spelled_bytes(spelling: str) -> bytes | None:
    """The bytes a byte-level vocabulary entry stands for, or None if it is not byte-level."""
    try:
        return spelling.translate(SPELLING).encode("latin-1")
    except UnicodeEncodeError:
        return None


def token_id(
    specials: Mapping[str, int], ranks: Mapping[bytes, int], literal: str | None
) -> int | None:
    """Id of an added token or a byte-level vocabulary spelling, as ``tokenizers`` looks it up."""
    if literal is None:
        return None
    if literal in specials:
        return specials[literal]
    raw = spelled_bytes(literal)
    return None if raw is None else ranks.get(raw)


def could_be_twin(raw: bytes) -> bool:
    """A cheap screen of a file's bytes: every twin names a ``Split`` and ``ByteLevel``.

    False skips parsing files (SentencePiece conversions, WordPiece, ...)
    that ``twin_of`` would refuse anyway; a file spelling them with escapes
    only loses the twin.
    """
    return b'"Split"' in raw and b'"ByteLevel"' in raw


def twin_of(data: Mapping) -> Twin | str:
    """The tiktoken twin of a parsed ``tokenizer.json``, or why there is none (see module doc)."""
    try:
        return _twin(data)
    except (AttributeError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # Any surprise in the file's shape: not a twin; tokenizers loads it or says why not.
        return f"unexpected tokenizer.json shape ({type(exc).__name__})"


def _twin(data: Mapping) -> Twin | str:
    for key in ("normalizer", "truncation", "padding"):
        if data.get(key) is not None:
            return f"has a {key}"
    pattern = _split_pattern(data.get("pre_tokenizer"))
    if pattern is None:
        return "pre-tokenizer is not a known Split regex followed by ByteLevel"
    model = data.get("model") or {}
    why = _model_flags(model)
    if why:
        return why
    added = data.get("added_tokens") or []
    vocab = _without_added(model["vocab"], added)
    ranks = _ranks(vocab)
    if isinstance(ranks, str):
        return ranks
    why = _merges_are_ranks(vocab, model["merges"])
    if why:
        return why
    specials = _specials(added, set(vocab.values()))
    if isinstance(specials, str):
        return specials
    ends = _template_ends(data.get("post_processor"))
    if ends is None:
        return "post-processor adds more than fixed tokens around the text"
    return Twin(pattern, ranks, specials, *ends)


def _split_pattern(pre: Mapping | None) -> str | None:
    """The Split regex of a ``[Split, ByteLevel]`` pre-tokenizer in ``TWIN_PATTERNS``, or None."""
    if not pre or pre.get("type") != "Sequence" or len(pre.get("pretokenizers", [])) != 2:
        return None
    split, level = pre["pretokenizers"]
    pattern = (split.get("pattern") or {}).get("Regex")
    ok = (
        split.get("type") == "Split"
        and split.get("behavior") == "Isolated"
        and split.get("invert") is False
        and level.get("type") == "ByteLevel"
        and level.get("add_prefix_space") is False
        and level.get("use_regex") is False
    )
    return pattern if ok and pattern in TWIN_PATTERNS else None


def _model_flags(model: Mapping) -> str | None:
    """Why the BPE model's settings differ from tiktoken's, or None."""
    if model.get("type") != "BPE":
        return "model is not BPE"
    if model.get("dropout") is not None or model.get("byte_fallback"):
        return "BPE with dropout or byte fallback"
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        return "BPE with a subword prefix or suffix"
    if model.get("ignore_merges") is not True:
        return "BPE without ignore_merges (a whole-token piece may be split)"
    return None


def _without_added(vocab: Mapping[str, int], added: list) -> Mapping[str, int]:
    """The vocabulary without entries that are also added tokens (same text, same id).

    Added tokens are cut out of a text before it is split into pieces, so no
    piece holds one and neither encoder ever builds one by merging.
    """
    both = {t["content"] for t in added if vocab.get(t["content"]) == t["id"]}
    return {k: v for k, v in vocab.items() if k not in both} if both else vocab


def _ranks(vocab: Mapping[str, int]) -> dict[bytes, int] | str:
    """tiktoken ranks from a byte-level vocabulary, or why it is not one."""
    try:
        ranks = {s.translate(SPELLING).encode("latin-1"): idx for s, idx in vocab.items()}
    except UnicodeEncodeError:  # see spelled_bytes
        return "a vocabulary entry is not in the byte-level alphabet"
    if len(set(vocab.values())) != len(vocab):
        return "two vocabulary entries share an id"
    if any(bytes([b]) not in ranks for b in range(256)):
        return "a byte is missing from the vocabulary"
    return ranks


def _merges_are_ranks(vocab: Mapping[str, int], merges: list) -> str | None:
    """Why the merges are not exactly the rank-ordered splits of the vocabulary, or None.

    Each merge must join two entries into a third with priority rising with the
    third's id; distinct merges that are all splits and as many as the splits
    are all of them. Spellings hold no space (``_ranks`` checked), so a merge
    is its two parts around one space, in either format of the file.
    """
    if merges and not isinstance(merges[0], str):  # newer files: [left, right] lists
        merges = list(map(" ".join, merges))
    listed = set(merges)
    if len(listed) != len(merges):
        return "a merge is listed twice"
    if _missing_split(vocab, listed):  # fails fast on files with only some splits
        return "some split of a token into two tokens is not a merge"
    if sum(map(operator.methodcaller("count", " "), merges)) != len(merges):
        return "a merge is not a pair"
    found = list(map(vocab.get, map(operator.methodcaller("replace", " ", ""), merges)))
    if None in found:
        return "a merge makes a token that is not in the vocabulary"
    joined = cast("list[int]", found)  # every merge makes a token of the vocabulary
    if not all(map(operator.le, joined, joined[1:])):
        return "merge priority does not follow the rank of the merged token"
    # Streamed, not kept: ~half a million short-lived strings, no list for the collector to walk.
    parts = chain.from_iterable(map(operator.methodcaller("split", " "), merges))
    if not all(map(vocab.__contains__, parts)):
        return "a merge joins a token that is not in the vocabulary"
    if _split_count(vocab) != len(merges):
        return "some split of a token into two tokens is not a merge"
    return None


def _missing_split(vocab: Mapping[str, int], listed: set[str], last: int = 2048) -> bool:
    """Whether one of the ``last`` entries (the latest ranks) has a split that is not listed.

    Redundant with the full count below, but ~100x cheaper: converters that
    keep only some splits (ftdata's own ``ranks_to_tokenizer``) miss them
    mostly among late tokens, so such files go to ``tokenizers`` at once.
    """
    contains = vocab.__contains__
    for entry in list(vocab)[-last:]:
        for cut in range(1, len(entry)):
            head, tail = entry[:cut], entry[cut:]
            if contains(head) and contains(tail) and f"{head} {tail}" not in listed:
                return True
    return False


def _split_count(vocab: Mapping[str, int]) -> int:
    """How many ways there are to cut a vocabulary entry into two entries.

    One pass per cut position over the entries long enough for it (a prefix
    of the entries sorted longest first); the membership tests run in C.
    """
    contains, count = vocab.__contains__, 0
    entries = sorted(vocab, key=len, reverse=True)
    lengths, longer = list(map(len, entries)), len(entries)
    for cut in range(1, lengths[0] if entries else 0):
        while longer and lengths[longer - 1] <= cut:
            longer -= 1
        ahead = entries[:longer]
        head, tail = operator.itemgetter(slice(None, cut)), operator.itemgetter(slice(cut, None))
        with_head = compress(ahead, map(contains, map(head, ahead)))
        count += sum(map(contains, map(tail, with_head)))
    return count


def _specials(added: list, vocab_ids: set[int]) -> dict[str, int] | str:
    """Added tokens as tiktoken special tokens, or why they cannot be."""
    specials: dict[str, int] = {}
    for token in added:
        if not token.get("special") or token.get("lstrip") or token.get("rstrip"):
            return "an added token is not special, or strips whitespace"
        if token.get("single_word") or not token.get("content") or token["id"] in vocab_ids:
            return "an added token is whole-word, empty, or reuses a vocabulary id"
        specials[token["content"]] = token["id"]
    if len({t.get("normalized") for t in added}) > 1:
        return "added tokens are matched in two passes (normalized and not)"
    literals = sorted(specials, key=len)
    for i, short in enumerate(literals):
        # tokenizers takes the longest literal at a position, tiktoken the first listed
        if any(short in long for long in literals[i + 1 :]):
            return "an added token is part of another"
    return specials


def _template_ends(post: Mapping | None) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Ids a post-processor adds before and after one text, or None when it does more."""
    if post is None or post.get("type") == "ByteLevel":
        return (), ()
    if post.get("type") == "Sequence":
        found = [_template_ends(p) for p in post.get("processors", [])]
        added = [ends for ends in found if ends != ((), ())]
        if None in found or len(added) > 1:
            return None
        return added[0] if added else ((), ())
    if post.get("type") != "TemplateProcessing":
        return None
    ids: dict[str, list[int]] = {k: v["ids"] for k, v in post.get("special_tokens", {}).items()}
    ends: list[list[int]] = [[]]
    for piece in post.get("single", []):
        if "Sequence" in piece:
            if piece["Sequence"].get("id") != "A" or len(ends) > 1:
                return None
            ends.append([])
        else:
            ends[-1].extend(ids[piece["SpecialToken"]["id"]])
    return (tuple(ends[0]), tuple(ends[1])) if len(ends) == 2 else None
