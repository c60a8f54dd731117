"""CH015/CH016: how a JSONL file's message contents load in llm-foundry (``--profile llm-foundry``).

llm-foundry accepts a message ``content`` that is a string or a list of parts
(``[{"type": "text", "text": ...}]``) example by example, but it reads a JSONL
file through the ``datasets`` JSON builder (``build_from_hf('json', ...)``),
which gives each column one Arrow type for the whole file. With the
``datasets`` versions llm-foundry 0.22 pins (>=3.3.2,<3.7):

* strings on some lines and lists on others cannot be unified: loading the
  file fails (``DatasetGenerationError`` -> ``MisconfiguredHfDatasetError``);
* parts with different keys are unified into one struct with every key, the
  missing ones ``None``: a template that renders a part as text then renders
  those ``None`` keys too, so the trained text differs from the file's.

These are facts about the file, not about one example, so they are reported
once per file, naming the first line of each kind.
"""

from __future__ import annotations

from collections.abc import Iterator

from ftdata.rules.registry import Rule, declare

CHAT = ("chat",)

MIXED_CONTENT = declare(
    "CH015",
    "mixed-content-types",
    severity="error",
    tasks=CHAT,
    profiles=("llm-foundry",),
    hint="Use one shape for every content in the file: all strings (join the text parts) "
    "or all lists of parts.",
    doc="""The file mixes string contents and lists of content parts, which training cannot load.

    llm-foundry reads JSONL with the ``datasets`` JSON builder, whose Arrow column
    for ``content`` cannot hold strings on some lines and lists on others: the
    whole file fails to load. (Reported under ``llm-foundry``, where lists are
    allowed at all; the message names the first line of each kind.)

    Bad:  line 1 ``"content": "Hi"``, line 2 ``"content": [{"type": "text", "text": "Hi"}]``
    Good: ``"content": "Hi"`` on every line""",
)
PART_KEYS_DIFFER = declare(
    "CH016",
    "content-part-keys-differ",
    severity="warning",
    tasks=CHAT,
    profiles=("llm-foundry",),
    hint="Give every content part the same keys (e.g. always {type, text}).",
    doc="""Content parts in the file have different key sets; loading pads the missing keys with null.

    The ``datasets`` JSON builder unifies all parts of the file into one struct
    with every key; a part without ``image_url`` gets ``"image_url": None``. A
    template that renders parts as text (Llama 3's ``| trim``) then trains on
    a different text than the file holds, and per-example counts differ from
    the loaded dataset's.

    Bad:  ``[{"type": "text", "text": "Hi"}]`` and ``[{"type": "image", "url": "x.png"}]`` in one file
    Good: parts with the same keys everywhere""",
)


def _keys(keys: tuple[str, ...]) -> str:
    """Keys from the data, quoted and cut short (they are shown to people)."""
    quoted = [repr(k) if len(k) <= 20 else repr(k[:17]) + "..." for k in keys[:6]]
    return ", ".join(quoted + (["..."] if len(keys) > 6 else []))


class ContentShapes:
    """Watches the chat examples of one JSONL file; ``findings()`` at its end."""

    def __init__(self) -> None:
        self.first_string: int | None = None
        self.first_list: int | None = None
        self.key_sets: dict[tuple[str, ...], int] = {}  # part keys -> first line

    def see(self, example: object, line: int) -> None:
        """Note the content shapes of one parsed line (valid or not: loading sees them all)."""
        messages = example.get("messages") if isinstance(example, dict) else None
        if not isinstance(messages, list):
            return
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                if self.first_string is None:
                    self.first_string = line
            elif isinstance(content, list):
                if self.first_list is None:
                    self.first_list = line
                self._see_parts(content, line)

    def _see_parts(self, parts: list, line: int) -> None:
        for part in parts:
            if isinstance(part, dict):
                self.key_sets.setdefault(tuple(sorted(part)), line)

    def findings(self) -> Iterator[tuple[Rule, str]]:
        """``(rule, message)`` pairs about the whole file."""
        if self.first_string is not None and self.first_list is not None:
            yield (
                MIXED_CONTENT,
                (
                    f"line {self.first_string} has string content and line "
                    f"{self.first_list} a list of parts; the file cannot be "
                    "loaded with both"
                ),
            )
        if len(self.key_sets) > 1:
            shown = [
                f"{{{_keys(keys)}}} (line {line})"
                for keys, line in sorted(self.key_sets.items(), key=lambda kv: kv[1])[:3]
            ]
            more = len(self.key_sets) - len(shown)
            tail = f" and {more} more" if more > 0 else ""
            yield (
                PART_KEYS_DIFFER,
                (
                    f"content parts have {len(self.key_sets)} key sets: "
                    f"{', '.join(shown)}{tail}; loading fills the missing keys "
                    "with null"
                ),
            )
