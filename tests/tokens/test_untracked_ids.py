"""Token ids the stage holds are arrays the garbage collector does not walk (issue #13).

The library no longer tunes the collector, so a batch's ids, which wait one
batch for the fold, must not be lists of ints: every young-generation
collection would walk them item by item (~7% of a token run). The ids are the
same values either way, and every consumer reads arrays as it read lists.
"""

from __future__ import annotations

import gc
from array import array
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftdata.tokens.counting.batches import TokenSettings, TokenStage
from ftdata.tokens.counting.foundry import TurnIds, counts_from_ids, instruction_turn
from ftdata.tokens.encoding.cache import TokenCache
from ftdata.tokens.encoding.find_tokenizer import resolve_tokenizer

CHAT = {
    "messages": [
        {"role": "user", "content": "Name a prime."},
        {"role": "assistant", "content": "Seven."},
    ]
}
INSTRUCTION = {"prompt": "Add 2 and 2.", "response": "4"}


def walked(ids) -> int:
    """How many objects the collector visits inside ``ids`` (each int of a list)."""
    return sum(1 for ref in gc.get_referents(ids) if not isinstance(ref, type))


@pytest.mark.parametrize(
    "model", ["databricks/dbrx-instruct", "mistralai/Mistral-7B-Instruct-v0.2"]
)
def test_counted_turn_ids_are_not_walked_by_the_collector(model):
    stage = TokenStage(TokenSettings(model=model))
    outcomes = stage.count_examples([("chat", CHAT), ("instruction", INSTRUCTION)] * 3)
    for outcome in outcomes:
        assert outcome.counts is not None and outcome.counts.tokens > 0
        for turn in outcome.turns:
            for ids in (turn.prompt, turn.response):
                assert len(ids) > 0 and walked(ids) == 0


def test_dbrx_arrays_equal_lists_across_threads_and_the_separator_fallback():
    tok = resolve_tokenizer("databricks/dbrx-instruct", "dbrx", cache=Path("/nonexistent"))
    from ftdata.tokens.encoding.tiktoken_backend import SEPARATOR

    texts = [f"text {i} <|im_start|>user\nhello {i * 7919}<|im_end|>" for i in range(300)]
    for batch in (texts, texts[:3], ["a", f"b{SEPARATOR}c"], [""]):  # threads, one, fallback
        arrays = tok.encode_arrays(batch, False)
        assert all(isinstance(a, array) for a in arrays)
        assert [a.tolist() for a in arrays] == tok.encode_batch(batch, False)


def test_segmented_cache_builds_arrays_with_the_same_ids():
    controls = {"<a>": 1, "<b>": 2}

    def encode(texts, _special):
        return [array("I", [ord(c) for c in t]) for t in texts]

    texts = ["<a>x<b>", "plain", "", "<a>", "<a>x<b>"]
    cache = TokenCache(control_tokens=controls, arrays=True)
    got = cache.encode(texts, False, encode)
    assert all(isinstance(ids, array) and walked(ids) == 0 for ids in got)
    assert [ids.tolist() for ids in got] == [
        [1, 120, 2],
        [112, 108, 97, 105, 110],
        [],
        [1],
        [1, 120, 2],
    ]


ids_lists = st.lists(st.integers(0, 5), max_size=6)


@given(
    turns=st.lists(st.tuples(ids_lists, ids_lists), max_size=4),
    window=st.none() | st.integers(1, 12),
    eos=st.none() | st.integers(0, 5),
    bos=st.none() | st.integers(0, 5),
)
def test_arrays_count_exactly_as_lists(turns, window, eos, bos):
    """EOS at the end, BOS at the start: compared by item, never a list slice against an array."""
    as_lists = [TurnIds(p, r) for p, r in turns]
    as_arrays = [TurnIds(array("I", p), array("I", r)) for p, r in turns]
    for target in ("last", "all"):
        expected = counts_from_ids(
            as_lists, max_seq_len=window, eos_token_id=eos, target_responses=target
        )
        assert (
            counts_from_ids(
                as_arrays, max_seq_len=window, eos_token_id=eos, target_responses=target
            )
            == expected
        )
    for (p, r), turn in zip(turns, as_arrays, strict=True):
        from_lists = instruction_turn(p, r, bos)
        from_arrays = instruction_turn(turn.prompt, turn.response, bos)
        assert list(from_arrays.response) == list(from_lists.response)


def test_doubled_bos_is_found_in_arrays():
    stage = TokenStage(TokenSettings(model="mistralai/Mistral-7B-Instruct-v0.2"))
    (outcome,) = stage.count_examples([("instruction", {"prompt": "<s>hi", "response": "yo"})])
    assert outcome.doubled_bos and isinstance(outcome.turns[0].prompt, array)
