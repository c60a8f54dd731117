"""A hostile chat template cannot read files or reach Python internals."""

from __future__ import annotations

import pytest

from ftdata.errors import TokenizerError
from ftdata.tokens.chat_templates.jinja_render import ChatTemplate, TemplateRenderError

ATTACKS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].listdir('/') }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ raise_exception.__globals__ }}",
    "{{ strftime_now.__globals__ }}",
    "{{ dict.__class__.__base__.__subclasses__() }}",
    "{{ messages.__class__.__base__.__subclasses__() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ open('/etc/passwd').read() }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ '{0.__class__.__mro__}'.format('') }}",
    "{{ ('{0.__class__}' | format(1)) }}",
    "{% set x = messages.append(1) %}{{ messages | length }}",
    "{% set x = messages[0].update({'role': 'x'}) %}{{ messages[0].role }}",
    "{% set ns = namespace(_secret=1) %}{{ ns }}",
    "{% set ns = namespace() %}{% set ns.__class__ = 1 %}{{ ns }}",
    "{{ range(10 ** 9) | list | length }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}{{ os }}",
    "{{ __import__('os') }}",
]

LEAKS = ("<class", "object at", "module", "builtins", "root:", "subprocess", "function")


@pytest.mark.parametrize("source", ATTACKS)
def test_attack_is_refused_or_harmless(source: str) -> None:
    messages = [{"role": "user", "content": "hi"}]
    try:
        out = ChatTemplate(source).render(messages)
    except (TokenizerError, TemplateRenderError):
        return
    assert not any(leak in out for leak in LEAKS), out
    assert messages == [{"role": "user", "content": "hi"}]


def test_internal_attribute_access_is_a_tool_error() -> None:
    with pytest.raises(TokenizerError, match="unsafe"):
        ChatTemplate("{{ cycler.__init__.__globals__ }}").render([])


def test_mutating_the_caller_data_is_refused() -> None:
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(TokenizerError):
        ChatTemplate("{% set x = messages.append(1) %}").render(messages)
    assert len(messages) == 1
