"""What a per-example check may know besides the example: the active profile."""

from __future__ import annotations

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
    """The task an example's keys belong to, or ``None`` if they fit none."""
    if not isinstance(example, dict):
        return None
    if "messages" in example:
        return "chat"
    if not INSTRUCTION_KEYS.isdisjoint(example):
        return "instruction"
    return None


def is_blank(value: object) -> bool:
    """Whether a value is a string that is empty or only white space."""
    return isinstance(value, str) and not value.strip()
