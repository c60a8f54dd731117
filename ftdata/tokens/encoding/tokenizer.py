"""Load a tokenizer from a path into one interface, ``LoadedTokenizer``.

Accepted paths: a ``tokenizer.json``; a Hugging Face model folder
(``tokenizer.json`` + ``tokenizer_config.json``, or ``tokenizer.model``); a
SentencePiece ``.model`` file; a tiktoken ranks file (``*.tiktoken``, or any
file whose lines are ``<base64> <rank>``). Loading by model name lives in
``ftdata.tokens.encoding.find_tokenizer``.

Special-token literals inside text (``"<|im_end|>"`` in a message) are encoded
as the control token, whatever the backend: ``transformers`` does so by
default, llm-foundry trains on what it produces, and rendered chat templates
depend on it. Flagging such literals in user content is a rule's job.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ftdata.errors import TokenizerError
from ftdata.tokens.encoding import hf_folder
from ftdata.tokens.encoding.backends import HFBackend, SentencePieceBackend
from ftdata.tokens.encoding.tiktoken_backend import TiktokenBackend, tiktoken_available
from ftdata.tokens.encoding.tiktoken_ranks import (
    KNOWN_RANKS,
    RanksSpec,
    ranks_to_tokenizer,
    read_ranks,
)
from ftdata.tokens.encoding.tokenizer_json import json_backend

_RANKS_LINE = re.compile(rb"^[A-Za-z0-9+/]+={0,2} \d+\r?$")


class Encoder(Protocol):
    """What a backend must offer (see ``ftdata.tokens.encoding.backends``)."""

    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool) -> list[list[int]]:
        """One id list per text."""

    def token_to_id(self, literal: str) -> int | None:
        """Id of a token string, or None."""

    def special_literals(self) -> dict[str, int]:
        """Control-token literals, literal -> id."""

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes one token stands for, for display."""


@dataclass(frozen=True, eq=False)
class LoadedTokenizer:
    """A tokenizer ready for batch counting, with what templates need to know.

    ``sha256`` hashes the bytes of the vocabulary file that defines it
    (``tokenizer.json``, ``.model`` or ``.tiktoken``); ``source`` says in words
    where it came from; ``special_tokens`` holds the named tokens
    (``bos_token``, ``eos_token``, ...) a chat template can use;
    ``control_tokens`` maps every control-token literal to its id.
    """

    backend: Encoder
    source: str
    sha256: str
    kind: str
    special_tokens: Mapping[str, str] = field(default_factory=dict)
    control_tokens: Mapping[str, int] = field(default_factory=dict)
    chat_template: str | None = None

    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool) -> list[list[int]]:
        """Encode many texts at once (threads inside the backend)."""
        return self.backend.encode_batch(texts, add_special_tokens)

    def encode_arrays(self, texts: Sequence[str], add_special_tokens: bool) -> list[array]:
        """``encode_batch``'s ids as ``array("I")``, which the garbage collector does not walk.

        The token stage keeps a batch's ids from encoding until the batch is
        folded; as lists of ints, every young-generation collection meanwhile
        walks them item by item (~7% of a library token run, whose collector
        settings are its caller's). Backends that can build arrays directly
        offer ``encode_arrays`` themselves; the others' lists are converted.
        Token ids are 32-bit unsigned in ``tokenizers`` and tiktoken alike.
        """
        own = getattr(self.backend, "encode_arrays", None)
        if own is not None:
            return own(texts, add_special_tokens)
        return [array("I", ids) for ids in self.backend.encode_batch(texts, add_special_tokens)]

    def set_threads(self, count: int) -> None:
        """Encode with at most ``count`` threads from now on (if the backend has threads)."""
        set_threads = getattr(self.backend, "set_threads", None)
        if set_threads is not None:
            set_threads(count)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """Encode one text; prefer ``encode_batch`` in loops."""
        return self.backend.encode_batch([text], add_special_tokens)[0]

    @property
    def bos_token(self) -> str | None:
        """The BOS string, or None."""
        return self.special_tokens.get("bos_token")

    @property
    def eos_token(self) -> str | None:
        """The EOS string, or None."""
        return self.special_tokens.get("eos_token")

    @property
    def bos_token_id(self) -> int | None:
        """The BOS id, or None."""
        return self.token_id(self.bos_token)

    @property
    def eos_token_id(self) -> int | None:
        """The EOS id, or None."""
        return self.token_id(self.eos_token)

    def token_id(self, literal: str | None) -> int | None:
        """Id of a token string, or None if absent."""
        return None if literal is None else self.backend.token_to_id(literal)

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes one token stands for (for display; a character may span tokens)."""
        return self.backend.token_bytes(token_id)


def from_tokenizer_json(
    path: Path,
    *,
    folder: Path | None = None,
    source: str | None = None,
    named: Mapping[str, str] | None = None,
    edit=None,
    use_tiktoken: bool | None = None,
) -> LoadedTokenizer:
    """Load a ``tokenizer.json``; ``folder`` supplies config and template.

    ``edit`` optionally rewrites the parsed JSON (a dict) before loading, for
    in-memory fixes such as renamed reserved tokens; the hash stays the file's.
    The file is encoded with tiktoken when that gives the same ids
    (``tiktoken_twin``; ``use_tiktoken`` False forces ``tokenizers``).
    """
    folder = folder if folder is not None else path.parent
    cfg = hf_folder.read_config(folder)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TokenizerError(f"cannot load {path} as a tokenizer.json: {exc}") from exc
    names = {**cfg.named, **(named or {})}
    backend = json_backend(path, data, edit=edit, names=names, cfg=cfg, use_tiktoken=use_tiktoken)
    return LoadedTokenizer(
        backend=backend,
        source=source or str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        kind="tokenizers",
        special_tokens=names,
        control_tokens=backend.special_literals(),
        chat_template=cfg.chat_template,
    )


def from_sentencepiece(
    path: Path,
    *,
    source: str | None = None,
    add_bos: bool = True,
    add_eos: bool = False,
    named: Mapping[str, str] | None = None,
    chat_template: str | None = None,
) -> LoadedTokenizer:
    """Load a SentencePiece ``.model`` with the ``sentencepiece`` encoder itself."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TokenizerError(f"cannot read {path}: {exc}") from exc
    backend = SentencePieceBackend(data, add_bos=add_bos, add_eos=add_eos)
    sp = backend.sp
    names = {
        "bos_token": sp.IdToPiece(sp.bos_id()) if sp.bos_id() >= 0 else None,
        "eos_token": sp.IdToPiece(sp.eos_id()) if sp.eos_id() >= 0 else None,
        "unk_token": sp.IdToPiece(sp.unk_id()) if sp.unk_id() >= 0 else None,
    }
    names = {k: v for k, v in names.items() if v is not None} | dict(named or {})
    return LoadedTokenizer(
        backend=backend,
        source=source or str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        kind="sentencepiece",
        special_tokens=names,
        control_tokens=backend.special_literals(),
        chat_template=chat_template,
    )


def from_tiktoken_ranks(
    path: Path,
    *,
    source: str | None = None,
    spec: RanksSpec | None = None,
    extra_specials: Mapping[str, int] | None = None,
    named: Mapping[str, str] | None = None,
    use_tiktoken: bool | None = None,
) -> LoadedTokenizer:
    """Load a tiktoken ranks file: with tiktoken itself when it is installed,
    else converted to a ``tokenizers`` BPE (see ``tiktoken_ranks``); same ids either way.

    Without ``spec`` the file must be one whose split regex is known by hash;
    ``extra_specials`` adds model-specific control tokens (DBRX's ChatML ones);
    ``use_tiktoken`` False forces the converted BPE (None: tiktoken if installed).
    """
    ranks, digest = read_ranks(path)
    spec = spec or KNOWN_RANKS.get(digest)
    if spec is None:
        raise TokenizerError(
            f"{path} is a tiktoken ranks file ftdata does not recognise (sha256 {digest[:12]}...): "
            "its split regex is unknown. Provide the model's tokenizer.json with --tokenizer PATH."
        )
    if extra_specials:
        spec = RanksSpec(spec.name, spec.pattern, {**spec.specials, **extra_specials})
    backend = _ranks_backend(ranks, spec, use_tiktoken)
    names = dict(named or {})
    missing = sorted(v for v in names.values() if backend.token_to_id(v) is None)
    if missing:
        raise TokenizerError(f"{path}: named tokens {missing} are not in the vocabulary")
    return LoadedTokenizer(
        backend=backend,
        source=source or f"{path} ({spec.name})",
        sha256=digest,
        kind="tiktoken",
        special_tokens=names,
        control_tokens=backend.special_literals(),
    )


def _ranks_backend(
    ranks: Mapping[bytes, int], spec: RanksSpec, use_tiktoken: bool | None
) -> Encoder:
    """tiktoken on the ranks (faster, no conversion) unless refused or missing, else the BPE."""
    if use_tiktoken is None:
        use_tiktoken = tiktoken_available()
    if use_tiktoken:
        return TiktokenBackend(spec.name, spec.pattern, ranks, spec.specials)
    return HFBackend(ranks_to_tokenizer(ranks, spec))


def _is_ranks_file(path: Path) -> bool:
    """Sniff the first line: tiktoken ranks are ASCII ``<base64> <int>`` lines."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(4096)
    except OSError as exc:
        raise TokenizerError(f"cannot read {path}: {exc}") from exc
    return bool(_RANKS_LINE.match(first.rstrip(b"\n")))


def load_folder(folder: Path, *, source: str | None = None) -> LoadedTokenizer:
    """Load a Hugging Face model folder (``tokenizer.json`` preferred)."""
    if (folder / "tokenizer.json").is_file():
        return from_tokenizer_json(folder / "tokenizer.json", folder=folder, source=source)
    model = folder / "tokenizer.model"
    if model.is_file():
        if _is_ranks_file(model):
            return from_tiktoken_ranks(model, source=source)
        cfg = hf_folder.read_config(folder)
        return from_sentencepiece(
            model,
            source=source or str(model),
            named=cfg.named,
            add_bos=True if cfg.add_bos is None else cfg.add_bos,
            add_eos=bool(cfg.add_eos),
            chat_template=cfg.chat_template,
        )
    raise TokenizerError(
        f"{folder} has neither tokenizer.json nor tokenizer.model; "
        "point --tokenizer at a tokenizer.json, a .model or a .tiktoken file"
    )


def load_tokenizer(path: str | Path) -> LoadedTokenizer:
    """Load ``--tokenizer PATH``: a folder, ``tokenizer.json``, ``.model`` or ``.tiktoken``."""
    p = Path(path).expanduser()
    if p.is_dir():
        return load_folder(p)
    if not p.is_file():
        raise TokenizerError(f"tokenizer path {p} does not exist")
    if p.suffix == ".json":
        return from_tokenizer_json(p)
    if p.suffix == ".tiktoken" or _is_ranks_file(p):
        return from_tiktoken_ranks(p)
    return from_sentencepiece(p)
