"""What a per-example check may know besides the example: the active profile."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

CHAT_KEYS = frozenset({"messages"})
MESSAGE_KEYS = frozenset({"role", "content"})
PROMPT_KEYS = frozenset({"prompt"})
RESPONSE_KEYS = frozenset({"response", "completion"})
INSTRUCTION_KEYS = PROMPT_KEYS | RESPONSE_KEYS


@dataclass(frozen=True, slots=True)
class CheckContext:
    """The profile-dependent facts the checks consult.

    ``databricks`` follows the documented service rules; ``llm-foundry`` follows
    what the training engine itself accepts (the ``tool`` role and lists of
    content parts are allowed; role order is checked less strictly).
    ``tokenized`` is true when a tokenizer counts the examples: facts that
    depend on the tokens (an empty prompt that is still a BOS token) are then
    the token stage's to report, not guessed from the text.
    """

    profile: str = "databricks"
    tokenized: bool = False

    @property
    def allowed_roles(self) -> frozenset[str]:
        """Roles a message may have under this profile."""
        roles = {"system", "user", "assistant"}
        if self.profile == "llm-foundry":
            roles.add("tool")
        return frozenset(roles)

    @property
    def list_content_allowed(self) -> bool:
        """Whether ``content`` may be a list of parts (multimodal style)."""
        return self.profile == "llm-foundry"


def classify(example: object) -> str | None:
    """The task an example's keys belong to, or ``None`` if they fit none.

    This is ftdata's one task detector: a table's task is that of its column
    names (``task_of_keys``), a source's that of its first example that fits
    one (``first_task``).
    """
    return task_of_keys(example) if isinstance(example, dict) else None


def task_of_keys(keys: Collection[str]) -> str | None:
    """The task these keys (an example's, or a table's column names) belong to, or ``None``."""
    if "messages" in keys:
        return "chat"
    if not INSTRUCTION_KEYS.isdisjoint(keys):
        return "instruction"
    return None


def first_task(examples: Iterable[object]) -> str | None:
    """The task of a source whose task is not forced: its first example's that fits one.

    Examples are read only up to that one (the engine decides the same way
    while it checks a source's examples in order).
    """
    return next((task for task in map(classify, examples) if task is not None), None)


def is_blank(value: object) -> bool:
    """Whether a value is a string that is empty or only white space."""
    return isinstance(value, str) and not value.strip()
