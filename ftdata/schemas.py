"""The published JSON Schemas (``schemas/``), loaded from the wheel or the checkout."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

NAMES = ("chat", "instruction", "report")


def schema_dir() -> Path:
    """Where the schemas are: ``ftdata/_schemas`` in a wheel, ``schemas/`` in a checkout."""
    packaged = Path(__file__).parent / "_schemas"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema called ``name`` (one of ``chat``, ``instruction``, ``report``)."""
    if name not in NAMES:
        raise ValueError(f"no schema {name!r}; known: {', '.join(NAMES)}")
    return json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def validator(name: str):
    """A cached ``jsonschema`` validator for the schema called ``name``."""
    import jsonschema

    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)
