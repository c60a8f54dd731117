"""Render chat templates exactly as transformers' ``apply_chat_template`` does.

``ChatTemplate`` compiles a Jinja chat template in a sandbox and renders a
conversation to the text a model is trained on. The output is byte-identical
to ``tokenizer.apply_chat_template(messages, tokenize=False)`` (see research
note §2), with one deliberate addition: the date seen by date-stamped
templates (Llama 3.1/3.2 "Today Date: ...") can be pinned, so that the same
data always renders the same text.

A template that rejects a conversation (``raise_exception``) or fails on it
raises ``TemplateRenderError``; callers turn that into a finding. A template
that cannot be compiled, or that tries to leave the sandbox, raises
``TokenizerError``: the tool cannot use it at all.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from ftdata.errors import TokenizerError
from ftdata.tokens.chat_templates.errors import TemplateRenderError
from ftdata.tokens.encoding import hf_folder

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_REASONING_KEYS = ("reasoning_content", "thinking", "reasoning")


def date_string(day: _dt.date) -> str:
    """``day`` as ``'%d %b %Y'`` with English month names, whatever the locale."""
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year:04d}"


class ChatTemplate:
    """A compiled chat template plus the special tokens it is rendered with.

    ``source`` is the Jinja text; ``special_tokens`` maps names such as
    ``bos_token`` to their strings; ``date``, when given, pins
    ``strftime_now`` and is passed as ``date_string`` (``'%d %b %Y'``), as
    llm-foundry does. Without it, templates see the local clock and no
    ``date_string``, exactly like transformers.
    """

    def __init__(
        self,
        source: str,
        *,
        special_tokens: Mapping[str, str] | None = None,
        date: _dt.date | None = None,
    ) -> None:
        if not isinstance(source, str):
            raise TokenizerError(f"a chat template must be text, not {type(source).__name__}")
        self.source = source
        self.special_tokens = dict(special_tokens or {})
        self.date = date
        self._template = _compile(source, date)

    @property
    def sha256(self) -> str:
        """Hex sha256 of the template source (UTF-8): identifies the template in reports."""
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()

    def render(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        add_generation_prompt: bool = False,
        tools: Sequence[Mapping[str, Any]] | None = None,
        documents: Sequence[Mapping[str, Any]] | None = None,
        **variables: Any,
    ) -> str:
        """Render one conversation to text.

        Extra keyword ``variables`` reach the template as-is and override the
        special tokens and the pinned ``date_string`` (transformers' kwargs).
        Raises ``TemplateRenderError`` when the template rejects or fails on
        the conversation, ``TokenizerError`` when it breaks the sandbox.
        """
        context = self._context(messages, add_generation_prompt, tools, documents, variables)
        return _render(self._template, context)

    def _context(
        self,
        messages: Sequence[Mapping[str, Any]],
        add_generation_prompt: bool,
        tools: Sequence[Mapping[str, Any]] | None,
        documents: Sequence[Mapping[str, Any]] | None,
        variables: Mapping[str, Any],
    ) -> dict[str, Any]:
        context: dict[str, Any] = {
            "messages": [_prepare_message(m) for m in messages],
            "tools": _plain(list(tools)) if tools is not None else None,
            "documents": _plain(list(documents)) if documents is not None else None,
            "add_generation_prompt": add_generation_prompt,
        }
        context.update(self.special_tokens)
        if self.date is not None:
            context["date_string"] = date_string(self.date)
        context.update(variables)
        return context

    @classmethod
    def from_hf_folder(
        cls,
        folder: str | Any,
        *,
        name: str | None = None,
        date: _dt.date | None = None,
        special_tokens: Mapping[str, str] | None = None,
    ) -> ChatTemplate:
        """Load the template of a Hugging Face model folder.

        ``chat_template.jinja`` wins over the ``chat_template`` key of
        ``tokenizer_config.json``; a named template (``name``, default
        ``"default"``) is picked from a list/dict of templates or from
        ``additional_chat_templates/<name>.jinja``. Special tokens come from
        ``tokenizer_config.json`` unless ``special_tokens`` is given.
        """
        source, tokens = hf_folder.read_template(folder, name=name)
        return cls(source, special_tokens=special_tokens or tokens, date=date)

    def __repr__(self) -> str:
        return f"ChatTemplate(sha256={self.sha256[:12]}..., special_tokens={self.special_tokens!r})"


def _compile(source: str, date: _dt.date | None) -> Any:
    from ftdata.tokens.chat_templates.sandbox import environment as jenv

    env = jenv.build_environment(date)
    try:
        return env.from_string(source)
    except jenv.TemplateError as exc:
        raise TokenizerError(f"the chat template does not compile: {exc}") from exc
    except (RecursionError, SyntaxError) as exc:
        # Nesting the parser's own check did not see (5,000 unary operators,
        # a long chain of attributes) overflows Jinja's compiler or Python's.
        raise TokenizerError(
            "the chat template does not compile: it is nested too deeply "
            f"({type(exc).__name__}: {str(exc)[:100]})"
        ) from exc


def _render(template: Any, context: dict[str, Any]) -> str:
    from ftdata.tokens.chat_templates.sandbox import environment as jenv
    from ftdata.tokens.chat_templates.sandbox.budget import run_bounded

    try:
        return run_bounded(context, template.render, context)
    except jenv.RenderLimit as exc:
        raise TemplateRenderError(f"{exc} (ftdata's sandbox)", raised_by_template=False) from None
    except jenv.SecurityError as exc:
        # Trying to reach Python internals is a broken (or hostile) template,
        # not a problem of this one conversation.
        raise TokenizerError(f"the chat template tried an unsafe operation: {exc}") from exc
    except jenv.TemplateRaised as exc:
        raise TemplateRenderError(str(exc.message), raised_by_template=True) from exc
    except RecursionError as exc:
        raise TokenizerError("the chat template recursed without end") from exc
    except Exception as exc:  # noqa: BLE001 - any other failure is about this conversation
        # An undefined key, a type error (content that is not text), an
        # overflow: the template could not render this conversation. Report it
        # for the conversation, as transformers would fail on it too.
        raise TemplateRenderError(f"{type(exc).__name__}: {exc}", raised_by_template=False) from exc


def _prepare_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values and alias reasoning keys, as ``apply_chat_template`` does."""
    kept = {k: v for k, v in message.items() if v is not None}
    reasoning = next((kept[k] for k in _REASONING_KEYS if k in kept), None)
    if reasoning is not None:
        # transformers copies the first present alias to both names the
        # templates read: reasoning_content always, thinking only if absent.
        kept["reasoning_content"] = reasoning
        kept.setdefault("thinking", reasoning)
    return _plain(kept)


def _plain(value: Any) -> Any:
    """Reduce ``value`` to plain JSON types, like transformers before rendering.

    Subclasses of str/int/float become their base type (a template must not
    see methods it would not see on plain data); numpy scalars use ``.item()``;
    dataclasses become dicts; anything else becomes ``"<TypeName>"``.
    """
    if value is None or isinstance(value, bool):
        return value
    for base in (str, int, float):
        if isinstance(value, base):
            return base(value)
    if isinstance(value, Mapping):
        return {str(k) if not isinstance(k, str) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return _plain(value.item())
    return f"<{type(value).__name__}>"
