"""Rewriting data into the service's shape: ``ftdata convert`` and ``ftdata fix``.

Both stream an input JSONL file once, rewrite each example, log every change,
send examples that stay invalid to a rejects file with their codes, and end by
validating the file they wrote. The input is never modified.
"""
