"""The checking core: pure per-batch verdicts, the fold that accounts for them, one driver.

``check.Core.check_batch`` turns a batch into :class:`~ftdata.core.verdicts.BatchVerdicts`
(structural rules, no state); ``token_findings.TokenVerdicts`` adds the token
stage's outcome and findings to them; ``fold.Fold`` adds verdicts to the result
(counts, kept findings, token statistics, drop tally, callbacks); ``driver.Runner``
strings them together for ``ftdata.validate``, ``ftdata.prepare`` and every
Spark partition. ``options.Options`` is the one frozen set of choices they take.
"""
