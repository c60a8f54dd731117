"""The token stage: the model's tokenizer and chat template applied to valid examples.

It turns a batch of examples into per-example ``TokenCounts`` (or the reason
they could not be counted) with one encoder call per batch; the checker turns
those into TK findings. Everything here is offline: nothing is downloaded.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftdata.errors import TokenizerError, UsageError
from ftdata.findings import pointer
from ftdata.option_values import real, whole

if TYPE_CHECKING:
    from ftdata.tokens.encoding.tokenizer import LoadedTokenizer

EMPTY_TEMPLATE = (
    "the tokenizer's chat_template is empty, so every conversation renders to "
    "nothing; give the model's real template (it is not replaced by a default)"
)


@dataclass(frozen=True, slots=True)
class TokenSettings:
    """What the token stage needs: a model and/or a tokenizer path, and training settings."""

    model: str | None = None
    tokenizer: str | None = None
    context_length: int | None = None
    epochs: float = 3.0
    date: _dt.date | None = None
    target_responses: str = "last"
    target_prompts: str = "none"
    per_role: bool = False  # also encode each message's content alone, for per-role statistics
    chat_template: str | None = None  # a built-in template id or a path; overrides the model's

    def __post_init__(self) -> None:
        if self.target_responses.lower() not in ("last", "all"):
            raise UsageError("--target-responses takes last or all")
        prompts = self.target_prompts.lower()
        if prompts not in ("none", "all") and not re.fullmatch(r"length>=[1-9]\d*", prompts):
            raise UsageError("--target-prompts takes none, all or length>=N")
        if self.context_length is not None:
            whole("--context-length", self.context_length, minimum=1)
        real("--epochs", self.epochs, above=0, maximum=1e6)  # nan and inf are refused too
        if self.per_role and not self.requested:
            raise UsageError("--per-role needs --model or --tokenizer (it counts tokens)")

    @property
    def requested(self) -> bool:
        """Whether token counting was asked for at all."""
        return bool(self.model or self.tokenizer)


@dataclass
class Outcome:
    """What the token stage found for one example."""

    counts: Any = None  # TokenCounts, when the example could be counted
    error: tuple[str, str] | None = None  # ("template"|"prefix"|"tokenizer", message)
    special_tokens: list[tuple[str, str]] = field(default_factory=list)  # (pointer, literal)
    doubled_bos: bool = False
    turns: list | None = None  # TurnIds per turn, for writers that store token ids
    roles: dict[str, int] | None = None  # content tokens per role (TokenSettings.per_role)
    lists_as_text: list[str] = field(default_factory=list)  # pointers of lists rendered by str()


@dataclass
class PlannedBatch:
    """A batch rendered and cut into texts, waiting for its encoding."""

    outcomes: list[Outcome]  # one per item; filled in by finish_batch
    plans: list  # ExamplePlan of each example that could be planned
    planned: list[int]  # the item index of each plan
    roles: list[list[tuple[str, str]]] | None  # (role, content) per plan, with per_role


class TokenStage:
    """A loaded tokenizer + chat template, counting examples as training would."""

    def __init__(self, settings: TokenSettings, tokenizer: LoadedTokenizer | None = None) -> None:
        """``tokenizer``: one already loaded (shipped to a Spark executor); else it is resolved."""
        from ftdata.tokens.models import get_model

        self.settings = settings
        self.model = get_model(settings.model) if settings.model else None
        self.tokenizer = tokenizer or self._load_tokenizer()
        self.template, self.template_name = self._load_template()
        self.max_seq_len = settings.context_length or (
            self.model.context_length if self.model else None
        )
        literals = sorted(self.tokenizer.control_tokens, key=len, reverse=True)
        self._literals = re.compile("|".join(map(re.escape, literals))) if literals else None
        from ftdata.tokens.encoding.cache import TokenCache, segmentable

        # Cut texts at control tokens where that is exact, so a system prompt
        # shared by many chats is encoded once; keep only texts seen twice.
        controls = self.tokenizer.control_tokens if segmentable(self.tokenizer) else None
        self.cache = TokenCache(control_tokens=controls, admit_after=2, arrays=True)
        from ftdata.tokens.chat_templates.fast_render import fast_turns_for

        # Known templates cut turns in plain Python (no Jinja); None: always Jinja.
        self._turns = fast_turns_for(self.template)

    def _load_tokenizer(self):
        from ftdata.tokens.encoding.find_tokenizer import resolve_tokenizer
        from ftdata.tokens.encoding.tokenizer import load_tokenizer

        if self.settings.tokenizer:
            if not Path(self.settings.tokenizer).exists():
                raise UsageError(f"no such tokenizer file or folder: {self.settings.tokenizer}")
            return load_tokenizer(self.settings.tokenizer)
        return resolve_tokenizer(self.model.name, self.model.family)

    def _load_template(self):
        from ftdata.tokens.chat_templates.choice import choose_template

        return choose_template(
            self.settings.chat_template, self.tokenizer, self.model, self.settings.date
        )

    def identity(self) -> dict[str, Any]:
        """Which model, tokenizer (file hash) and template (hash) produced the counts."""
        return {
            "model": self.model.name if self.model else None,
            "tokenizer": {"source": self.tokenizer.source, "sha256": self.tokenizer.sha256},
            "template": self.template_name,
            "template_sha256": self.template.sha256,
            "context_length": self.max_seq_len,
            "target_responses": self.settings.target_responses,
            "target_prompts": self.settings.target_prompts,
            "date": self.settings.date.isoformat() if self.settings.date else None,
        }

    def count_examples(self, items: list[tuple[str, dict]]) -> list[Outcome]:
        """Count a batch of ``(task, example)`` pairs with one encoder call per mode."""
        batch = self.plan_batch(items)
        return self.finish_batch(batch, self.encode_planned(batch))

    def plan_batch(self, items: list[tuple[str, dict]]) -> PlannedBatch:
        """Render and cut every example into the texts to encode (step 1 of 3)."""
        outcomes = [Outcome() for _ in items]
        plans, planned = [], []
        for index, (task, example) in enumerate(items):
            plan = self._plan(task, example, outcomes[index])
            if plan is not None:
                plans.append(plan)
                planned.append(index)
        roles = [_role_texts(*items[i]) for i in planned] if self.settings.per_role else None
        return PlannedBatch(outcomes, plans, planned, roles)

    def encode_planned(self, batch: PlannedBatch) -> tuple[list, list[int] | None]:
        """Encode a planned batch (step 2 of 3): the turn ids, and the role content lengths.

        It touches only the encoder and the TokenCache, so one worker thread may
        run it for batch k while the caller plans batch k + 1. An example whose
        text makes the encoder panic gets ``EncodeFailed`` instead of its ids.
        """
        from ftdata.tokens.counting.foundry import encode_plans
        from ftdata.tokens.encoding.safe_encode import EncoderPanic, each_alone, guarded

        # Arrays, not lists: the ids wait one batch for the fold (see encode_arrays).
        encode, cache = self.tokenizer.encode_arrays, self.cache
        try:
            encoded = guarded(encode_plans, batch.plans, encode, cache)
        except EncoderPanic:  # find the examples that panic by encoding each alone
            encoded = each_alone(batch.plans, lambda plan: encode_plans([plan], encode, cache)[0])
        if batch.roles is None:
            return encoded, None
        try:
            return encoded, guarded(_role_lengths, batch.roles, encode, cache)
        except EncoderPanic:  # the example whose content panics fails as a whole
            lengths = []
        for k, got in enumerate(
            each_alone(batch.roles, lambda p: _role_lengths([p], encode, cache))
        ):
            if not isinstance(got, list):
                encoded[k], got = got, [0] * len(batch.roles[k])
            lengths.extend(got)
        return encoded, lengths

    def finish_batch(
        self, batch: PlannedBatch, encoded: tuple[list, list[int] | None]
    ) -> list[Outcome]:
        """Turn the encoded texts into each example's counts (step 3 of 3)."""
        from ftdata.tokens.counting.foundry import counts_from_ids, starts_with, turns_from_ids

        turn_ids, role_lengths = encoded
        bos = self.tokenizer.bos_token_id
        for plan, ids, index in zip(batch.plans, turn_ids, batch.planned, strict=True):
            outcome = batch.outcomes[index]
            if not isinstance(ids, list):  # EncodeFailed: the encoder panicked on its text
                outcome.error = ("tokenizer", ids.message)
                continue
            outcome.turns = turns_from_ids(plan, ids, bos)
            outcome.doubled_bos = starts_with(ids[0], bos, times=2)
            outcome.counts = counts_from_ids(
                outcome.turns,
                max_seq_len=self.max_seq_len,
                eos_token_id=self.tokenizer.eos_token_id,
                target_responses=self.settings.target_responses,
                target_prompts=self.settings.target_prompts,
            )
        if role_lengths is not None:
            _fold_roles(batch, role_lengths)
        return batch.outcomes

    def _plan(self, task: str, example: dict, outcome: Outcome):
        from ftdata.tokens.chat_templates.jinja_render import TemplateRenderError
        from ftdata.tokens.chat_templates.turns import NotPrefixConsistent, unsplittable
        from ftdata.tokens.counting.foundry import ExamplePlan, plan_chat, plan_instruction

        if task == "instruction":
            # (the structural rules let only examples with a string response or completion here)
            response = example["response"] if "response" in example else example["completion"]
            self._find_literals(
                outcome,
                ("prompt", example["prompt"]),
                ("response" if "response" in example else "completion", response),
            )
            return plan_instruction(example["prompt"], response)
        messages = example["messages"]
        self._find_literals(
            outcome, *[(("messages", i, "content"), m["content"]) for i, m in enumerate(messages)]
        )
        if not self.template.source.strip():
            outcome.error = ("template", EMPTY_TEMPLATE)
            return None
        if (reason := unsplittable(messages)) is not None:  # before either way of cutting turns
            outcome.error = ("template", reason)
            return None
        if self._turns is not None and (turns := self._turns(messages)) is not None:
            return ExamplePlan(
                "chat", tuple(t for turn in turns for t in (turn.prompt, turn.response))
            )
        try:
            plan = plan_chat(messages, self._render)
            outcome.lists_as_text = _lists_as_text(messages, plan.texts)
            return plan
        except TemplateRenderError as exc:
            outcome.error = ("template", exc.message)
        except NotPrefixConsistent as exc:
            outcome.error = ("prefix", str(exc))
        return None

    def _render(self, messages, add_generation_prompt: bool) -> str:
        return self.template.render(messages, add_generation_prompt=add_generation_prompt)

    def _find_literals(self, outcome: Outcome, *fields) -> None:
        if self._literals is None:
            return
        for where, text in fields:
            if isinstance(text, str) and (found := self._literals.search(text)):
                tokens = where if isinstance(where, tuple) else (where,)
                outcome.special_tokens.append((pointer(*tokens), found.group()))

    def count_document(self, path) -> tuple[int, str | None]:
        """Tokens of one text file or ``Document`` (chunked like llm-foundry), first literal.

        Raises ``EncoderPanic`` when the encoder panics on the text.
        """
        from ftdata.tokens.encoding.safe_encode import guarded
        from ftdata.writers.records import text_chunks

        bos = self.tokenizer.bos_token_id
        total, literal, first = 0, None, True
        for chunk in text_chunks(path):  # a file, or a Spark row's in-memory Document
            ids = guarded(self.tokenizer.encode_batch, [chunk], True)[0]
            if not first and bos is not None and ids[:1] == [bos]:
                ids = ids[1:]  # only the document's first chunk keeps its BOS
            total += len(ids)
            first = False
            if literal is None and self._literals and (found := self._literals.search(chunk)):
                literal = found.group()
        return total, literal


def _lists_as_text(messages, texts) -> list[str]:
    """Pointers of list contents that the rendering holds as their Python ``str()``."""
    listed = [(i, m["content"]) for i, m in enumerate(messages) if isinstance(m["content"], list)]
    if not listed:
        return []
    rendered = "".join(texts)
    # Jinja turns a list into text with str() (also under | trim), so its repr shows up verbatim.
    return [
        pointer("messages", i, "content")
        for i, parts in listed
        if parts and str(parts).strip() in rendered
    ]


def _role_lengths(roles: list[list[tuple[str, str]]], encode, cache) -> list[int]:
    """Token counts of every content of ``roles`` (one list of pairs per example), flattened."""
    texts = [text for pairs in roles for _, text in pairs]
    return [len(ids) for ids in cache.encode(texts, False, encode)]


def _fold_roles(batch: PlannedBatch, lengths: list[int]) -> None:
    """Content tokens per role into each planned example's outcome.

    Chat roles are the messages' roles; an instruction's are ``prompt`` and
    ``response``. Each content is encoded alone, without special tokens, so
    template tokens belong to no role.
    """
    assert batch.roles is not None  # called only when roles were counted (per_role)
    lengths_iter = iter(lengths)
    for pairs, index in zip(batch.roles, batch.planned, strict=True):
        by_role: dict[str, int] = {}
        for role, _ in pairs:
            by_role[role] = by_role.get(role, 0) + next(lengths_iter)
        batch.outcomes[index].roles = by_role


def _role_texts(task: str, example: dict) -> list[tuple[str, str]]:
    """``(role, text)`` of an example's contents, in order."""
    if task == "instruction":
        response = example.get("response", example.get("completion"))
        return [("prompt", example["prompt"]), ("response", response)]
    return [
        (m["role"], m["content"]) for m in example["messages"] if isinstance(m.get("content"), str)
    ]


def open_stage(settings: TokenSettings) -> tuple[TokenStage | None, str | None]:
    """The token stage, or ``(None, why)`` when no tokenizer can be found for the model."""
    try:
        return TokenStage(settings), None
    except TokenizerError as exc:
        if settings.tokenizer:
            raise  # an explicit --tokenizer that does not load is a usage problem
        return None, str(exc)
