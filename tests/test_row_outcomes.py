"""The per-row hook writers consume: every example once, valid exactly as accounted."""

from __future__ import annotations

from ftdata.config import Settings
from ftdata.core.driver import Runner
from ftdata.core.options import Options
from ftdata.sources.memory import RecordsSource
from ftdata.tokens.counting.batches import TokenSettings

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
WARN = {"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "?"}]}
BAD = {"messages": [{"role": "user", "content": "hi"}]}
SYSTEM = {"messages": [{"role": "system", "content": "x"}, *GOOD["messages"]]}


def outcomes(records, tokens=None):
    seen = []
    runner = Runner(Options(Settings(), tokens), on_row=seen.append)
    summary = runner.check_source(RecordsSource(records))
    return seen, summary


def test_every_example_reported_once_with_its_codes():
    seen, summary = outcomes([GOOD, WARN, BAD])
    assert [(o.location["row"], o.valid, o.codes) for o in seen] == [
        (0, True, ()),
        (1, True, ("CH013",)),
        (2, False, ("CH002", "CH011")),
    ]
    assert summary.valid == sum(o.valid for o in seen)


def test_token_outcomes_carry_turn_ids_and_template_errors_invalidate():
    seen, summary = outcomes(
        [GOOD, SYSTEM], TokenSettings(model="mistralai/Mistral-7B-Instruct-v0.2")
    )
    good, system = seen
    assert good.valid and good.tokens.turns and good.tokens.counts.tokens > 0
    assert not system.valid and system.codes == ("TK001",)
    assert (summary.valid, summary.invalid) == (1, 1)
