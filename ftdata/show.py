"""``ftdata show``: one example as training sees it, built from public surfaces only.

The example is read through the sources (``open_sources``), its findings come
from ``ftdata.validate`` on that example alone, and its tokens from the token
stage (``TokenStage.count_examples``): the rendered template cut into turns,
which spans carry loss, and where the context length cuts. Rendering (text,
token list, HTML) is in ``ftdata.views.show``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ftdata.errors import UsageError
from ftdata.findings import Finding


@dataclass(frozen=True, slots=True)
class Span:
    """A run of tokens of one turn's prompt or response, and whether it carries loss."""

    turn: int  # 1-based
    part: str  # "prompt" or "response"
    ids: tuple[int, ...]
    trained: bool


@dataclass(slots=True)
class ShowView:
    """Everything ``show`` prints about one example."""

    where: str
    task: str | None
    example: Any
    findings: list[Finding] = field(default_factory=list)
    identity: dict[str, Any] | None = None
    spans: list[Span] = field(default_factory=list)
    counts: Any = None  # TokenCounts
    error: str | None = None  # why the tokens could not be counted
    special_ids: frozenset[int] = frozenset()
    token_bytes: Any = None  # id -> bytes

    @property
    def trained_tokens(self) -> int:
        """Tokens shown as trainable (equals the counts' ``trainable_tokens``)."""
        return sum(len(s.ids) for s in self.spans if s.trained)


def parse_place(place: str, row: int | None) -> tuple[str, int | None]:
    """``PATH:LINE`` -> (path, line); with ``--row`` the whole text is the path."""
    if row is not None:
        if row < 0:
            raise UsageError("--row takes a row number from 0")
        return place, None
    match = re.fullmatch(r"(.+):(\d+)", place)
    if not match or int(match.group(2)) < 1:
        raise UsageError(
            f"name the example as PATH:LINE (lines count from 1), or a table row "
            f"with --row N; got {place!r}"
        )
    return match.group(1), int(match.group(2))


def read_example(path: str, line: int | None, row: int | None) -> tuple[Any, str | None, list]:
    """The example at ``line`` (JSONL) or ``row`` (tables), its source's task, and its problems.

    Problems are the reasons a line did not become an example (it does not parse).
    """
    from ftdata.config import settings_from
    from ftdata.sources import open_sources
    from ftdata.sources.table_options import TableOptions

    settings = settings_from({})
    wanted = line if line is not None else row
    for source in open_sources(
        path,
        task=None,
        max_line_bytes=settings.max_line_bytes,
        table=TableOptions(vectorise=False, hash_clean_rows=False),
    ):
        if source.kind == "text":
            raise UsageError(f"{path}: ftdata show takes a JSONL line or a table row, not text")
        if (line is None) == (source.kind == "jsonl"):
            raise UsageError(f"{path}: use PATH:LINE for JSONL files and --row N for tables")
        for batch in source.batches():
            for position, value in zip(batch.positions, batch.values, strict=True):
                if position == wanted:
                    return value, getattr(source, "task", None), []
            problems = [
                p
                for p in (*batch.problems, *batch.notes)  # notes: a blank line
                if (p.line if line is not None else p.row) == wanted
            ]
            if problems:
                return None, None, problems
    unit = f"line {line}" if line is not None else f"row {row}"
    raise UsageError(f"{path} has no {unit}")


def build_view(
    place: str,
    *,
    row: int | None = None,
    model: str | None = None,
    tokenizer: str | None = None,
    **token_options: Any,
) -> ShowView:
    """Read the example at ``place`` and work out its findings and tokens."""
    from ftdata.api import validate  # lazy: `ftdata show --help` needs no engine

    path, line = parse_place(place, row)
    where = f"{path}:{line}" if line is not None else f"{path} row {row}"
    example, task, problems = read_example(path, line, row)
    if example is None:
        return ShowView(where, None, None, findings=[_problem_finding(p, path) for p in problems])
    result = validate([example], task=task, model=model, tokenizer=tokenizer, **token_options)
    view = ShowView(
        where,
        result.sources[0].task,
        example,
        findings=[f for f in result.findings if f.location.row is not None],
    )
    if (model or tokenizer) and view.task in ("chat", "instruction"):
        _count(view, view.task, model, tokenizer, token_options)
    return view


def _problem_finding(problem, path: str) -> Finding:
    from ftdata.findings import Location

    rule = problem.rule
    return Finding(
        rule.code,
        rule.name,
        rule.severity,
        problem.message,
        rule.hint,
        Location(path, problem.line, problem.row, pointer=problem.pointer),
    )


def _count(view: ShowView, task: str, model, tokenizer, options: dict[str, Any]) -> None:
    """Fill in the token spans of ``view`` (an example of ``task``) from the token stage."""
    from ftdata.tokens.counting.batches import TokenSettings, TokenStage

    allowed = ("context_length", "date", "target_responses", "target_prompts")
    settings = TokenSettings(
        model=model,
        tokenizer=tokenizer,
        **{k: v for k, v in options.items() if k in allowed and v is not None},
    )
    stage = TokenStage(settings)
    outcome = stage.count_examples([(task, view.example)])[0]
    view.identity = stage.identity()
    view.special_ids = frozenset(stage.tokenizer.control_tokens.values())
    view.token_bytes = stage.tokenizer.token_bytes
    if outcome.counts is None:
        view.error = outcome.error[1] if outcome.error else "the example could not be counted"
        return
    view.counts = outcome.counts
    view.spans = spans(
        outcome.turns,
        stage.tokenizer.eos_token_id,
        settings.target_responses,
        settings.target_prompts,
    )


def spans(
    turns, eos_token_id: int | None, target_responses: str, target_prompts: str
) -> list[Span]:
    """Prompt and response spans as training stitches them (EOS added to the last response).

    Which spans are trained follows ``--target-responses`` (``last``/``all``)
    and ``--target-prompts`` (``none``/``all``/``length>=N``), as llm-foundry.
    """
    prompts = target_prompts.lower()
    cutoff = int(prompts.split(">=")[1]) if prompts.startswith("length>=") else None
    out = []
    for k, turn in enumerate(turns):
        last = k == len(turns) - 1
        response = list(turn.response)
        if last and eos_token_id is not None and response[-1:] != [eos_token_id]:
            response.append(eos_token_id)
        n = len(turn.prompt)
        prompt_trained = prompts == "all" or (cutoff is not None and n >= cutoff)
        out.append(Span(k + 1, "prompt", tuple(turn.prompt), prompt_trained))
        out.append(Span(k + 1, "response", tuple(response), last or target_responses == "all"))
    return out
