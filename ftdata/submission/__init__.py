"""Checking a fine-tuning run as submitted: ``ftdata.preflight`` and ``ftdata preflight``.

``core`` runs it; ``arguments`` and ``paths`` hold the service's argument and
path rules; ``reading`` finds the data where it lives; ``leaks`` finds eval
examples whose prompt is in train; ``report`` builds the run section; ``cli``
is the sub-command.
"""
