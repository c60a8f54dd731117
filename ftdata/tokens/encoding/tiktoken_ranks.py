"""Build a Hugging Face ``tokenizers`` BPE from a tiktoken ranks file.

A ``*.tiktoken`` file holds one ``<base64 token bytes> <rank>`` pair per line.
tiktoken merges, inside each regex piece, the adjacent pair whose concatenation
has the lowest rank, and returns a piece whole when it is itself a token.
A byte-level BPE reproduces that exactly when:

* every vocabulary entry is the byte-level (GPT-2 alphabet) spelling of the bytes,
* every split of a token into two tokens is a merge whose priority is the rank
  of the token (the lowest rank wins, as in tiktoken),
* ``ignore_merges`` is on (a whole piece that is a token is emitted as is),
* the pre-tokenizer splits with the same regex and no prefix space.

Special tokens go into the model vocabulary as well as into the added tokens:
if they were only added tokens, ``tokenizers`` would renumber ids that leave a
gap (cl100k's ``<|endoftext|>`` is 100257 while ranks end at 100255).
"""

from __future__ import annotations

import hashlib
from binascii import a2b_base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ftdata.errors import TokenizerError

# tiktoken's cl100k_base split pattern, spelled for Oniguruma (the regex engine
# of `tokenizers`): it reads `{1,3}+` as "one or more runs of 1-3", not as a
# possessive interval, so that one quantifier is plain (equivalent here: the
# alternative ends right after it). `?+`, `++` and `*+` are possessive in both.
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}|"""
    r""" ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
CL100K_SPECIALS: dict[str, int] = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"


@dataclass(frozen=True)
class RanksSpec:
    """What a ranks file alone does not say: its split regex and special tokens."""

    name: str
    pattern: str
    specials: Mapping[str, int] = field(default_factory=dict)


# Meta's Llama 3 `tokenizer.model` (tiktoken format): split regex and the 256
# control tokens of Meta's reference tokenizer (3.0 names).
LLAMA3_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"""
    r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
LLAMA3_SHA256 = "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55"


def llama3_specials() -> dict[str, int]:
    """Llama 3.0 control tokens, ids 128000..128255."""
    named = [
        "<|begin_of_text|>",
        "<|end_of_text|>",
        "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>",
        "<|reserved_special_token_2|>",
        "<|reserved_special_token_3|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|reserved_special_token_4|>",
        "<|eot_id|>",
    ]
    named += [f"<|reserved_special_token_{i}|>" for i in range(5, 5 + 256 - len(named))]
    return {lit: 128000 + i for i, lit in enumerate(named)}


# Ranks files recognised by content hash. An unknown file is refused rather
# than guessed at: a wrong regex gives plausible but wrong counts.
KNOWN_RANKS: dict[str, RanksSpec] = {
    CL100K_SHA256: RanksSpec("cl100k_base", CL100K_PATTERN, CL100K_SPECIALS),
    LLAMA3_SHA256: RanksSpec("llama3", LLAMA3_PATTERN, llama3_specials()),
}


def byte_alphabet() -> dict[int, str]:
    """The GPT-2 byte-to-printable-character table that ByteLevel BPE uses."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def read_ranks(path: Path) -> tuple[dict[bytes, int], str]:
    """Parse a ranks file; return ``(ranks, sha256 of the file bytes)``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TokenizerError(f"cannot read tiktoken ranks file {path}: {exc}") from exc
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            token, rank = line.split()
            # base64.b64decode(token, validate=True) is this call behind two Python layers,
            # which cost more than the decoding over 100k lines (0.2 s of every load).
            ranks[a2b_base64(token, strict_mode=True)] = int(rank)
        except ValueError as exc:
            raise TokenizerError(
                f"{path}:{lineno}: not a tiktoken ranks line (base64 token, space, rank)"
            ) from exc
    return ranks, hashlib.sha256(data).hexdigest()


def _merges(ranks: Mapping[bytes, int], spell: Mapping[bytes, str]) -> list[tuple[str, str]]:
    """Every two-token split of every token, ordered by the rank of the result."""
    found: list[tuple[int, int, int, str, str]] = []
    for token, rank in ranks.items():
        for cut in range(1, len(token)):
            left, right = token[:cut], token[cut:]
            lr, rr = ranks.get(left), ranks.get(right)
            # A merge whose parts rank after the result could never fire in
            # tiktoken before the result itself; it is harmless but useless.
            if lr is not None and rr is not None and lr < rank and rr < rank:
                found.append((rank, lr, rr, spell[left], spell[right]))
    found.sort()
    return [(a, b) for _, _, _, a, b in found]


def ranks_to_tokenizer(ranks: Mapping[bytes, int], spec: RanksSpec):
    """Build a ``tokenizers.Tokenizer`` equivalent to tiktoken on ``ranks``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers

    alphabet = byte_alphabet()
    spell = {tok: "".join(alphabet[b] for b in tok) for tok in ranks}
    vocab = {spell[tok]: rank for tok, rank in ranks.items()}
    taken = set(vocab.values())
    for literal, idx in spec.specials.items():
        if idx in taken:
            raise TokenizerError(f"special token {literal} reuses id {idx} of a ranks entry")
        vocab[literal] = idx
    model = models.BPE(vocab=vocab, merges=_merges(ranks, spell), ignore_merges=True)
    tok = Tokenizer(model)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(spec.pattern), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    # Sorted by id so that any id lookups are stable; ids come from the vocab.
    specials = sorted(spec.specials.items(), key=lambda kv: kv[1])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s, _ in specials])
    _check_special_ids(tok, spec.specials)
    return tok


def _check_special_ids(tok, specials: Mapping[str, int]) -> None:
    """Fail loudly if ``tokenizers`` renumbered a special token (see module doc)."""
    for literal, idx in specials.items():
        got = tok.token_to_id(literal)
        if got != idx:
            raise TokenizerError(f"special token {literal} got id {got}, expected {idx}")
