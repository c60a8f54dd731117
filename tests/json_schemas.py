"""The published JSON Schemas (``schemas/``) as ``jsonschema`` validators: the tests' oracle.

The wheel ships the same files as ``ftdata/_schemas`` (pyproject's force-include) for other
tools; ftdata itself never loads them.
"""

from __future__ import annotations

import json
from functools import cache

from conftest import ROOT

NAMES = ("chat", "instruction", "report")


@cache
def validator(name: str):
    """A cached ``jsonschema`` validator for the schema called ``name`` (one of ``NAMES``)."""
    import jsonschema

    if name not in NAMES:
        raise ValueError(f"no schema {name!r}; known: {', '.join(NAMES)}")
    path = ROOT / "schemas" / f"{name}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)
