"""Per-example token counts as llm-foundry's finetuning sees them (pure functions).

The flow is batch-first: plan many examples (``plan_chat`` / ``plan_instruction``
give the texts to encode), encode every text of the batch in one call
(``encode_plans``, deduplicated and optionally cached by ``TokenCache``), then
turn the ids back into per-example counts (``turns_from_ids`` + ``counts_from_ids``).

Semantics follow llm-foundry (``tasks.py`` / ``collator.py``):

* Chat: one prompt/response turn per assistant message, cut from the rendered
  chat template (see ``split_chat_turns``); texts encoded without adding
  special tokens (the template carries them).
* Instruction: prompt and response encoded with the tokenizer's default special
  tokens; if both start with BOS the response's BOS is removed.
* Both: the final response gets EOS appended when it does not end with it.
* An example is dropped when a turn has an empty prompt or response, or when
  no trained token survives the cut to ``max_seq_len``; longer sequences are
  truncated from the right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ftdata.tokens.chat_templates.turns import Render, split_chat_turns
from ftdata.tokens.encoding.cache import EncodeBatch

TargetResponses = Literal["last", "all"]


@dataclass(frozen=True, slots=True)
class TurnIds:
    """The token ids of one turn: lists, or ``array("I")`` from the token stage (which the
    garbage collector does not track); they may be shared (with the TokenCache): never
    mutate them."""

    prompt: Sequence[int]
    response: Sequence[int]


@dataclass(frozen=True)
class ExamplePlan:
    """Texts to encode for one example: prompt, response, prompt, response, ..."""

    kind: Literal["chat", "instruction"]
    texts: tuple[str, ...]

    @property
    def add_special_tokens(self) -> bool:
        """Chat texts carry their own special tokens; instruction texts do not."""
        return self.kind == "instruction"


@dataclass(frozen=True)
class TokenCounts:
    """Counts of one example; ``trainable_*`` depend on the target settings.

    ``tokens``/``prompt_tokens``/``response_tokens``/``trainable_tokens`` are
    before truncation; ``trainable_in_window`` counts trained tokens among the
    first ``max_seq_len`` (what the collator keeps labels for), 0 for an example
    training drops: it is what training learns from. ``drop_reason`` is
    ``"empty_turn"`` or ``"no_trainable_tokens"`` when ``dropped``.
    """

    tokens: int
    prompt_tokens: int
    response_tokens: int
    trainable_tokens: int
    trainable_in_window: int
    truncated: bool
    tokens_lost: int
    dropped: bool
    drop_reason: str | None


def readable(task: str, example: dict) -> bool:
    """Whether the token stage can read ``example``: the fields it renders have their types.

    The structural rules say so too, but a selection can switch them off.
    """
    if task == "instruction":
        response = example.get("response", example.get("completion"))
        return isinstance(example.get("prompt"), str) and isinstance(response, str)
    messages = example.get("messages")
    return isinstance(messages, list) and all(
        isinstance(m, dict)
        and isinstance(m.get("role"), str)
        and isinstance(m.get("content"), str | list)
        for m in messages
    )


def plan_chat(messages: Sequence[Mapping[str, Any]], render: Render) -> ExamplePlan:
    """Plan a chat example; raises ``NotPrefixConsistent`` like ``split_chat_turns``."""
    texts: list[str] = []
    for turn in split_chat_turns(messages, render):
        texts += [turn.prompt, turn.response]
    return ExamplePlan("chat", tuple(texts))


def plan_instruction(prompt: str, response: str) -> ExamplePlan:
    """Plan a prompt/response example."""
    return ExamplePlan("instruction", (prompt, response))


def encode_plans(
    plans: Sequence[ExamplePlan], encode_batch: EncodeBatch, cache: Any = None
) -> list[list[Sequence[int]]]:
    """Encode every text of ``plans`` with at most one call per special-token mode.

    Identical texts are encoded once. ``cache`` (a ``TokenCache``) also keeps
    ids across batches. Returns, per plan, the id list of each of its texts.
    """
    out: list[list[Sequence[int]]] = [[] for _ in plans]
    for mode in (False, True):
        chosen = [k for k, p in enumerate(plans) if p.add_special_tokens == mode]
        if not chosen:
            continue
        texts = [t for k in chosen for t in plans[k].texts]
        if cache is not None:
            ids = cache.encode(texts, mode, encode_batch)
        else:
            unique = list(dict.fromkeys(texts))
            found = dict(zip(unique, encode_batch(unique, mode), strict=True))
            ids = [found[t] for t in texts]
        pos = 0
        for k in chosen:
            n = len(plans[k].texts)
            out[k] = ids[pos : pos + n]
            pos += n
    return out


def starts_with(ids: Sequence[int], token_id: int | None, times: int = 1) -> bool:
    """Whether ``ids`` starts with ``token_id`` ``times`` times (lists and arrays alike).

    Compared item by item, not by slice: an array's slice never equals a list.
    """
    if token_id is None or len(ids) < times:
        return False
    return all(ids[k] == token_id for k in range(times))


def ends_with(ids: Sequence[int], token_id: int | None) -> bool:
    """Whether ``ids`` ends with ``token_id`` (lists and arrays alike)."""
    return token_id is not None and len(ids) > 0 and ids[-1] == token_id


def instruction_turn(
    prompt_ids: Sequence[int], response_ids: Sequence[int], bos_token_id: int | None
) -> TurnIds:
    """One instruction turn; drops the response's BOS when both sides start with it."""
    if starts_with(prompt_ids, bos_token_id) and starts_with(response_ids, bos_token_id):
        response_ids = response_ids[1:]
    return TurnIds(prompt_ids, response_ids)


def turns_from_ids(
    plan: ExamplePlan, ids: Sequence[Sequence[int]], bos_token_id: int | None = None
) -> list[TurnIds]:
    """Pair up a plan's encoded texts into turns."""
    if plan.kind == "instruction":
        return [instruction_turn(ids[0], ids[1], bos_token_id)]
    return [TurnIds(ids[k], ids[k + 1]) for k in range(0, len(ids), 2)]


def _prompt_rule(target_prompts: str) -> Callable[[int], bool]:
    """``none`` | ``all`` | ``length>=N`` (case-insensitive), as llm-foundry."""
    value = target_prompts.lower()
    if value == "none":
        return lambda n: False
    if value == "all":
        return lambda n: True
    if value.startswith("length>="):
        cutoff = value[len("length>=") :]
        if cutoff.isdigit() and int(cutoff) > 0:
            return lambda n: n >= int(cutoff)
    raise ValueError(f"target_prompts must be none, all or length>=N, not {target_prompts!r}")


def _spans(
    turns: Sequence[TurnIds], eos_token_id: int | None, target_responses: str, target_prompts: str
) -> list[tuple[int, bool, bool]]:
    """Stitched spans as (length, trained, is_prompt), EOS appended to the last response."""
    if target_responses.lower() not in {"last", "all"}:
        raise ValueError(f"target_responses must be last or all, not {target_responses!r}")
    train_prompt = _prompt_rule(target_prompts)
    every = target_responses.lower() == "all"
    spans: list[tuple[int, bool, bool]] = []
    for k, turn in enumerate(turns):
        last = k == len(turns) - 1
        n_resp = len(turn.response)
        if last and eos_token_id is not None and not ends_with(turn.response, eos_token_id):
            n_resp += 1
        spans.append((len(turn.prompt), train_prompt(len(turn.prompt)), True))
        spans.append((n_resp, every or last, False))
    return spans


def counts_from_ids(
    turns: Sequence[TurnIds],
    *,
    max_seq_len: int | None,
    eos_token_id: int | None,
    target_responses: TargetResponses | str = "last",
    target_prompts: str = "none",
) -> TokenCounts:
    """Counts of one example from its turns' ids (see the module doc)."""
    spans = _spans(turns, eos_token_id, target_responses, target_prompts)
    total = sum(n for n, _, _ in spans)
    trained = sum(n for n, t, _ in spans if t)
    window = total if max_seq_len is None else max_seq_len
    kept, start = 0, 0
    for n, is_trained, _ in spans:
        if is_trained:
            kept += max(0, min(start + n, window) - start)
        start += n
    empty = not turns or any(not t.prompt or not t.response for t in turns)
    reason = "empty_turn" if empty else ("no_trainable_tokens" if kept == 0 else None)
    return TokenCounts(
        tokens=total,
        prompt_tokens=sum(n for n, _, p in spans if p),
        response_tokens=sum(n for n, _, p in spans if not p),
        trainable_tokens=trained,
        trainable_in_window=0 if reason else kept,  # a dropped example is not trained at all
        truncated=total > window,
        tokens_lost=max(0, total - window),
        dropped=reason is not None,
        drop_reason=reason,
    )
