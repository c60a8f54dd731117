"""Encoder backends behind ``LoadedTokenizer``: HF ``tokenizers`` and SentencePiece.

Both backends give the same contract: ``encode_batch(texts, add_special_tokens)``
returns one id list per text, and special-token literals that appear inside a
text are encoded as their control token (the default of ``transformers``, and
what a rendered chat template such as ``<s>[INST] ...`` relies on).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from ftdata.errors import TokenizerError

PIPELINE_TEXTS = 256  # texts per encoder call when a batch is pipelined (HFBackend._pipelined)


def default_threads() -> int:
    """Encoder threads when none are passed: honour the knobs users set for HF tokenizers."""
    if os.environ.get("TOKENIZERS_PARALLELISM", "").lower() in {"0", "false", "no"}:
        return 1
    env = os.environ.get("RAYON_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return os.cpu_count() or 1


class HFBackend:
    """A ``tokenizers.Tokenizer``; batches go through ``encode_batch_fast``.

    ``add_bos``/``add_eos`` given explicitly override the tokenizer's own
    post-processor (as ``LlamaTokenizerFast`` does with ``add_bos_token``);
    ``None`` keeps whatever the post-processor adds. ``threads`` bounds the
    threads ftdata runs itself (one pipelining thread when above 1). The Rust
    encoder's own pool has no knob but ``RAYON_NUM_THREADS``, which the
    ``tokenizers`` library reads once per process: ftdata sets it only in the
    worker processes Spark owns (``ftdata.spark.driver.worker_partition``),
    never in a process that calls it as a library.
    """

    def __init__(
        self,
        tok,
        *,
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        bos_id: int | None = None,
        eos_id: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.tok = tok
        self.threads = threads or default_threads()
        self._manual = add_bos is not None or add_eos is not None
        self._prefix = [bos_id] if add_bos and bos_id is not None else []
        self._suffix = [eos_id] if add_eos and eos_id is not None else []
        # Older tokenizers releases lack encode_batch_fast; offsets cost ~15%.
        self._encode = getattr(tok, "encode_batch_fast", tok.encode_batch)

    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool) -> list[list[int]]:
        """Encode ``texts``; see the class doc for how special tokens are added."""
        if not texts:
            return []
        use_post = add_special_tokens and not self._manual
        texts = list(texts)
        if len(texts) >= 2 * PIPELINE_TEXTS and self.threads > 1:
            ids = self._pipelined(texts, use_post)
        else:
            ids = [e.ids for e in self._encode(texts, add_special_tokens=use_post)]
        if add_special_tokens and self._manual and (self._prefix or self._suffix):
            ids = [self._prefix + x + self._suffix for x in ids]
        return ids

    def _pipelined(self, texts: list[str], use_post: bool) -> list[list[int]]:
        """Encode in chunks; chunk k+1 is encoded while chunk k's ids become Python lists.

        The Rust encoder runs without the GIL, but turning its results into
        lists of ints holds it and leaves the encoder's threads idle; about a
        tenth of the time on a 2-core machine. Overlapping the two hides it.
        """
        from concurrent.futures import ThreadPoolExecutor

        step = PIPELINE_TEXTS
        chunks = [texts[i : i + step] for i in range(0, len(texts), step)]
        ids: list[list[int]] = []
        # A pool per call (a thread start is ~0.1 ms): nothing outlives the call,
        # so a process forked later (multiprocessing, Spark) inherits no dead thread.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ftdata-encode") as pool:
            pending = pool.submit(self._encode, chunks[0], add_special_tokens=use_post)
            for nxt in chunks[1:] + [None]:
                done = pending.result()
                if nxt is not None:
                    pending = pool.submit(self._encode, nxt, add_special_tokens=use_post)
                ids.extend(e.ids for e in done)
        return ids

    def set_threads(self, count: int) -> None:
        """Run at most ``count`` threads of ftdata's own from now on (see the class doc)."""
        self.threads = max(1, count)

    def token_to_id(self, literal: str) -> int | None:
        """Id of a token string, or None."""
        return self.tok.token_to_id(literal)

    def special_literals(self) -> dict[str, int]:
        """Added tokens marked special, literal -> id."""
        decoder = self.tok.get_added_tokens_decoder()
        return {t.content: i for i, t in decoder.items() if t.special}

    def token_bytes(self, token_id: int) -> bytes:
        """The text one token stands for, for display (``ftdata show``)."""
        return self.tok.decode([token_id], skip_special_tokens=False).encode("utf-8")


class SentencePieceBackend:
    """The ``sentencepiece`` encoder itself, for exact parity on ``.model`` files.

    Converting a SentencePiece BPE to ``tokenizers`` changes how runs of spaces
    are merged, so the reference encoder is used directly. Control pieces
    (``<s>``, ``</s>``, ``[INST]`` in v3, ...) and ``<unk>`` inside a text are
    matched as literals and the text between them is encoded piece by piece,
    each piece with SentencePiece's dummy prefix: this is the "legacy" split
    that the HF Llama/Mistral tokenizers apply around added tokens.
    ``threads`` is the ``num_threads`` of every encoder call.
    """

    def __init__(
        self,
        model_bytes: bytes,
        *,
        add_bos: bool = True,
        add_eos: bool = False,
        threads: int | None = None,
    ) -> None:
        from ftdata.errors import require

        spm = require("sentencepiece", purpose="encode with a SentencePiece .model file")
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.LoadFromSerializedProto(model_bytes)
        except Exception as exc:  # sentencepiece raises bare RuntimeError/OSError
            raise TokenizerError(f"not a SentencePiece model: {exc}") from exc
        self.add_bos, self.add_eos = add_bos, add_eos
        self.literals = self._control_literals()
        alternatives = sorted(self.literals, key=len, reverse=True)
        self._split = (
            re.compile("(" + "|".join(map(re.escape, alternatives)) + ")") if alternatives else None
        )
        self.threads = threads or default_threads()

    def set_threads(self, count: int) -> None:
        """Encode with ``count`` threads from now on."""
        self.threads = max(1, count)

    def _control_literals(self) -> dict[str, int]:
        sp = self.sp
        return {
            sp.IdToPiece(i): i
            for i in range(sp.GetPieceSize())
            if sp.IsControl(i) or sp.IsUnknown(i)
        }

    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool) -> list[list[int]]:
        """Encode ``texts``; BOS/EOS per the model's settings when asked."""
        # With one group in the pattern, a split alternates piece and control
        # literal: [piece, literal, piece, ..., piece]; pieces may be empty.
        layouts = [self._split.split(t) for t in texts] if self._split else [[t] for t in texts]
        pieces = [piece for layout in layouts for piece in layout[::2] if piece]
        encoded = iter(self.sp.Encode(pieces, num_threads=self.threads) if pieces else [])
        out: list[list[int]] = []
        for layout in layouts:
            if len(layout) == 1:  # no control literal: the piece's ids as they are
                ids = next(encoded) if layout[0] else []
            else:
                ids = []
                for k, part in enumerate(layout):
                    if k & 1:
                        ids.append(self.literals[part])
                    elif part:
                        ids.extend(next(encoded))
            out.append(self._wrap(ids) if add_special_tokens else ids)
        return out

    def _wrap(self, ids: list[int]) -> list[int]:
        bos, eos = self.sp.bos_id(), self.sp.eos_id()
        head = [bos] if self.add_bos and bos >= 0 else []
        tail = [eos] if self.add_eos and eos >= 0 else []
        return head + ids + tail

    def token_to_id(self, literal: str) -> int | None:
        """Id of a piece string, or None."""
        idx = self.sp.PieceToId(literal)
        return None if idx == self.sp.unk_id() and literal != self.sp.IdToPiece(idx) else idx

    def special_literals(self) -> dict[str, int]:
        """Control and unknown pieces, literal -> id."""
        return dict(self.literals)

    def token_bytes(self, token_id: int) -> bytes:
        """The text one piece stands for, for display: ``▁`` is a space, ``<0xNN>`` a byte."""
        piece = self.sp.IdToPiece(token_id)
        if self.sp.IsByte(token_id):
            return bytes([int(piece[3:5], 16)])
        return piece.replace("\u2581", " ").encode("utf-8")
