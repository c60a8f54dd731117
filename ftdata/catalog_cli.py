"""``ftdata rules`` and ``ftdata models``: the rule catalogue and the supported models."""

from __future__ import annotations

from ftdata.cli_common import EXIT_OK
from ftdata.errors import FtdataError


def add_catalog(commands) -> None:
    """Register ``rules`` and ``models`` on the main parser's sub-parsers."""
    rules = commands.add_parser("rules", help="list the rules, or explain one")
    rules.add_argument(
        "code",
        nargs="?",
        help="a code or name (CH011, last-not-assistant), a family or glob (CH, TK0*)",
    )
    rules.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    rules.set_defaults(run=lambda args: _rules(args.code, args.markdown))
    models = commands.add_parser("models", help="list the supported models and context lengths")
    models.add_argument("name", nargs="?", help="show one model (full or short name)")
    models.set_defaults(run=lambda args: _models(args.name))


def _rules(code: str | None, markdown: bool = False) -> int:
    from ftdata.rules import catalog

    if code is None and markdown:
        print(rules_markdown())
        return EXIT_OK
    # One rule by code or name is explained; a family or glob (CH, TK00*) lists its rules,
    # exactly the selectors --select accepts.
    chosen = catalog.all_rules() if code is None else catalog.select(code)
    if not chosen:
        raise FtdataError(f"no rule {code!r}; `ftdata rules` lists them")
    if len(chosen) > 1 or code is None:
        for rule in chosen:
            tasks = ",".join(sorted(rule.tasks))
            fixable = rule.fix or "-"
            print(
                f"{rule.code}  {rule.name:<36}{rule.severity.label:<9}{tasks:<28}{fixable:<8}"
                f"{rule.summary}"
            )
        return EXIT_OK
    rule = chosen[0]
    profiles = ", ".join(sorted(rule.profiles))
    fixable = f"; fixable: {rule.fix}" if rule.fix else ""
    print(
        f"{rule.code} {rule.name} ({rule.severity.label}; tasks: {', '.join(sorted(rule.tasks))};"
        f" profiles: {profiles}{fixable})\n"
    )
    print(rule.doc)
    print(f"\nHow to fix: {rule.hint}")
    return EXIT_OK


def _models(name: str | None) -> int:
    from ftdata.tokens.models import get_model, list_models

    chosen = [get_model(name)] if name else list_models()
    print(f"{'model':<46}{'context':>8}  {'template':<24}note")
    for model in chosen:
        note = model.deprecation_message() or ""
        print(f"{model.name:<46}{model.context_length:>8}  {model.template:<24}{note}")
    if not name:
        from ftdata.tokens.chat_templates.builtin import BUILTIN_TEMPLATES

        print("\nBuilt-in chat templates (--chat-template NAME):")
        for template in BUILTIN_TEMPLATES.values():
            print(f"  {template.id:<26}{template.summary}")
    return EXIT_OK


def rules_markdown() -> str:
    """The rule catalogue as a Markdown table (the README embeds it; a test keeps it in sync)."""
    from ftdata.rules import catalog

    lines = [
        "| code | name | severity | tasks | profiles | fixable | what it checks |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rule in catalog.all_rules():
        lines.append(
            f"| {rule.code} | {rule.name} | {rule.severity.label} | {', '.join(sorted(rule.tasks))}"
            f" | {', '.join(sorted(rule.profiles))} | {rule.fix or ''}"
            f" | {rule.summary.replace('|', '/')} |"
        )
    return "\n".join(lines)
