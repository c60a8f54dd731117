"""Property: whatever the batches, bounds and admission, the cache returns the encoder's ids."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_counting import CONTROLS, ToyEncoder

from ftdata.tokens.encoding.cache import TokenCache

PIECES = ["a", "b", "ab", " ", "\n", "<|im_start|>", "<|im_end|>", "<s>", "xyz"]
texts = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
batches = st.lists(st.tuples(st.lists(texts, max_size=8), st.booleans()), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    batches=batches,
    max_entries=st.integers(1, 5),
    admit_after=st.integers(1, 3),
    segmented=st.booleans(),
)
def test_cached_ids_equal_plain_encoding(batches, max_entries, admit_after, segmented):
    cache = TokenCache(
        max_entries=max_entries,
        admit_after=admit_after,
        control_tokens=CONTROLS if segmented else None,
    )
    encoder = ToyEncoder()
    for batch, special in batches:
        assert cache.encode(batch, special, encoder) == ToyEncoder()(batch, special)
    assert all(len(memo) <= max_entries for memo in cache._memo.values())
