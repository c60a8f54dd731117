"""The incremental cache: what a run took from each chunk of its input, kept for the next run.

``chunker`` cuts JSONL at content-defined line boundaries; ``record`` keeps a
chunk's part of a run and ``replay`` adds it again; ``jsonl`` (and ``text``)
read a source through the cache; ``run_cache`` holds one run's keys under its
``fingerprint``; ``store`` is the folder of entries.
"""
