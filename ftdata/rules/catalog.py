"""Import every rule family so that all rules are registered."""

from ftdata.rules import chat, dataset, instruction, internal, load, schema, text  # noqa: F401
