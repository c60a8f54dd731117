"""The token counting steps chained for tests: encode the plans, then count each one's ids.

The token stage runs the same steps with its own batching; tests call them on plans directly.
"""

from __future__ import annotations

from ftdata.tokens.counting.foundry import counts_from_ids, encode_plans, turns_from_ids


def count_examples(
    plans,
    encode_batch,
    *,
    max_seq_len,
    bos_token_id,
    eos_token_id,
    target_responses="last",
    target_prompts="none",
    cache=None,
):
    """``encode_plans`` then ``counts_from_ids`` for each plan (its ``TokenCounts``)."""
    encoded = encode_plans(plans, encode_batch, cache)
    return [
        counts_from_ids(
            turns_from_ids(plan, ids, bos_token_id),
            max_seq_len=max_seq_len,
            eos_token_id=eos_token_id,
            target_responses=target_responses,
            target_prompts=target_prompts,
        )
        for plan, ids in zip(plans, encoded, strict=True)
    ]
