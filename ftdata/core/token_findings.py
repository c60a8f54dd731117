"""The token half of the core: the token stage's outcomes turned into per-row TK findings.

:class:`TokenVerdicts` counts a batch's examples that passed every structural
rule (or takes outcomes the pipeline already counted) and adds each row's
outcome and findings to its verdict. Statistics and callbacks are the fold's.
"""

from __future__ import annotations

from ftdata.core.verdicts import BatchVerdicts, RowVerdict
from ftdata.findings import Severity
from ftdata.rules import tokens
from ftdata.rules.registry import Rule


class TokenVerdicts:
    """Adds token outcomes and findings to verdicts, under one policy."""

    def __init__(self, stage, policy: dict) -> None:
        """``stage``: the open ``TokenStage``; ``policy``: the settings' code -> severity."""
        self.stage = stage
        self.policy = policy

    @staticmethod
    def chats(verdicts: BatchVerdicts) -> list[RowVerdict]:
        """The rows the stage counts as chats or instructions (valid, not pre-training)."""
        return [v for v in verdicts.rows if v.countable and v.task != "pretraining"]

    def count(self, verdicts: BatchVerdicts, counted_chats=None) -> None:
        """Count the batch's valid examples; ``counted_chats`` is ``(chats, outcomes)`` when
        the pipeline has already counted the chats."""
        for verdict in verdicts.rows:
            if verdict.countable and verdict.task == "pretraining":
                self.document(verdict)
        if counted_chats is None:
            chats = self.chats(verdicts)
            outcomes = (
                self.stage.count_examples([(v.task, v.value) for v in chats]) if chats else []
            )
        else:
            chats, outcomes = counted_chats
        for verdict, outcome in zip(chats, outcomes, strict=True):
            self.report(verdict, outcome)

    def _add(self, verdict: RowVerdict, rule: Rule, message: str, pointer: str = "") -> None:
        """Attach a finding at its severity; an error makes the row invalid, as any rule's does.

        (A tokenizer or template failure is an error by default; a warning such as
        TK003 is one when ``severity`` raises it.)
        """
        severity = self.policy.get(rule.code, rule.severity)
        if severity is None:
            return
        if verdict.findings is None:
            verdict.findings = []
        verdict.findings.append((rule, severity, message, pointer, verdict.where))
        if severity is Severity.ERROR:
            verdict.failed = True

    def report(self, verdict: RowVerdict, outcome) -> None:
        """The findings of one counted chat or instruction example."""
        verdict.tokens = outcome
        for where_in, literal in outcome.special_tokens:
            message = f"{literal!r} in the text is read as a control token"
            self._add(verdict, tokens.SPECIAL_TOKEN_TEXT, message, where_in)
        for where_in in outcome.lists_as_text:
            message = (
                "the chat template renders this list of parts as its "
                "Python text; training learns that text"
            )
            self._add(verdict, tokens.LIST_AS_TEXT, message, where_in)
        if outcome.error is not None:
            kind, message = outcome.error
            if kind == "tokenizer":
                self._add(verdict, tokens.TOKENIZER_ERROR, message)
                return
            rule = tokens.TEMPLATE_ERROR if kind == "template" else tokens.NOT_PREFIX_CONSISTENT
            self._add(verdict, rule, f"chat template: {message}")
            return
        counts, window = outcome.counts, self.stage.max_seq_len
        if outcome.doubled_bos:
            self._add(verdict, tokens.DOUBLED_BOS, "the example starts with two BOS tokens")
        if counts.truncated and not counts.dropped:  # a dropped example is not trained at all
            message = (
                f"{counts.tokens:,} tokens; {counts.tokens_lost:,} past "
                f"the context length of {window:,} are cut"
            )
            self._add(verdict, tokens.TRUNCATED, message)
        if counts.drop_reason == "empty_turn":
            message = f"{empty_side(verdict.task or '', outcome.turns)}; training drops it"
            self._add(verdict, tokens.EMPTY_TRAINABLE, message)
        elif counts.dropped:
            message = f"no trainable token within the first {window:,} tokens; training drops it"
            self._add(verdict, tokens.DROPPED, message)

    def document(self, verdict: RowVerdict) -> None:
        """Count one pre-training document; a text the tokenizer fails on is an error."""
        from ftdata.tokens.encoding.safe_encode import EncoderPanic

        try:
            total, literal = self.stage.count_document(verdict.value)
        except EncoderPanic as exc:
            self._add(verdict, tokens.TOKENIZER_ERROR, str(exc))
            return
        verdict.document_tokens = total
        if literal is not None:
            message = f"{literal!r} in the text is read as a control token"
            self._add(verdict, tokens.SPECIAL_TOKEN_TEXT, message)


def empty_side(task: str, turns) -> str:
    """Which text of which turn tokenized to nothing, for TK007's message."""
    for number, turn in enumerate(turns or (), start=1):
        for side, ids in (("prompt", turn.prompt), ("response", turn.response)):
            if not ids:
                where = "" if task == "instruction" else f" of turn {number}"
                return f"the {side}{where} tokenizes to no token"
    return "a turn tokenizes to nothing"
