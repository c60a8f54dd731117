"""Import every rule family so that all rules are registered."""

from ftdata.rules import (  # noqa: F401
    chat,
    chat_order,
    content_parts,
    dataset,
    instruction,
    internal,
    load,
    run,
    schema,
    text,
    tokens,
)
