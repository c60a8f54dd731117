"""Which encoder runs a ``tokenizer.json``: tiktoken when it is an exact twin, else ``tokenizers``.

See ``ftdata.tokens.encoding.tiktoken_twin`` for when tiktoken gives the same ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from ftdata.errors import TokenizerError
from ftdata.tokens.encoding.backends import HFBackend
from ftdata.tokens.encoding.hf_folder import FolderConfig
from ftdata.tokens.encoding.tiktoken_backend import TokenizerJsonBackend, tiktoken_available
from ftdata.tokens.encoding.tiktoken_twin import Twin, could_be_twin, token_id, twin_of


def json_backend(
    path: Path,
    data: bytes,
    *,
    edit: Callable[[dict], dict] | None,
    names: Mapping[str, str],
    cfg: FolderConfig,
    use_tiktoken: bool | None = None,
) -> TokenizerJsonBackend | HFBackend:
    """The encoder of a ``tokenizer.json`` (its bytes ``data``, rewritten by ``edit`` if given).

    tiktoken when it is installed (or ``use_tiktoken``) and ``twin_of`` finds
    it exact, else ``tokenizers``. The folder config's ``add_bos``/``add_eos``,
    when set, replace the post-processor, as in ``HFBackend``.
    """
    add_bos, add_eos = cfg.add_bos, cfg.add_eos
    use_tiktoken = tiktoken_available() if use_tiktoken is None else use_tiktoken
    parsed = None
    if (use_tiktoken and could_be_twin(data)) or edit is not None:
        import orjson

        try:
            parsed = orjson.loads(data)
            if edit is not None:
                parsed = edit(parsed)
                data = orjson.dumps(parsed)
        except Exception as exc:  # edit may fail on any shape; tokenizers reports bad JSON below
            if edit is not None:
                raise TokenizerError(f"cannot load {path} as a tokenizer.json: {exc}") from exc
    twin = twin_of(parsed) if use_tiktoken and isinstance(parsed, dict) else None
    if isinstance(twin, Twin):
        return TokenizerJsonBackend(twin, _ends(twin, names, add_bos, add_eos), data)
    return _hf_backend(path, data, names, add_bos, add_eos)


def _hf_backend(
    path: Path, data: bytes, names: Mapping[str, str], add_bos: bool | None, add_eos: bool | None
) -> HFBackend:
    """``tokenizers`` itself on the file's bytes."""
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_str(data.decode("utf-8"))
    except Exception as exc:  # tokenizers raises a bare Exception on bad JSON
        raise TokenizerError(f"cannot load {path} as a tokenizer.json: {exc}") from exc
    ids = {k: tok.token_to_id(v) for k, v in names.items()}
    return HFBackend(
        tok,
        add_bos=add_bos,
        add_eos=add_eos,
        bos_id=ids.get("bos_token"),
        eos_id=ids.get("eos_token"),
    )


def _ends(
    twin: Twin, names: Mapping[str, str], add_bos: bool | None, add_eos: bool | None
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Ids around a text with special tokens: the config's BOS/EOS if set, else the template's."""
    if add_bos is None and add_eos is None:
        return twin.prefix, twin.suffix
    bos, eos = (
        token_id(twin.specials, twin.ranks, names.get(k)) for k in ("bos_token", "eos_token")
    )
    head = (bos,) if add_bos and bos is not None else ()
    return head, (eos,) if add_eos and eos is not None else ()
