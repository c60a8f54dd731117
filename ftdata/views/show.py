"""How ``ftdata show`` renders a :class:`~ftdata.show.ShowView`: text, token list or HTML.

Trainable tokens are coloured on a terminal and wrapped in ``«»`` otherwise;
special tokens are always written as their literals; the point where the
context length cuts is marked with a ``✂`` line. Data text is escaped for the
terminal (control characters shown as escapes) and for HTML.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # views sit below the commands whose results they draw
    from ftdata.show import ShowView

TRAINED, SPECIAL, DIM, RESET = "\033[1;32m", "\033[35m", "\033[2m", "\033[0m"
OPEN, CLOSE = "«", "»"


def safe(text: str) -> str:
    """Text for a terminal: control characters other than newline and tab escaped."""
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def _cut(view: ShowView) -> int | None:
    """Index of the first token past the context length, when the example is truncated."""
    if view.counts is None or not view.counts.truncated or not view.identity:
        return None
    return view.identity["context_length"]


def _runs(view: ShowView, span, start: int):
    """(kind, text) pieces of one span: kind is "text", "special" or "cut"."""
    cut, pending = _cut(view), b""
    for offset, token in enumerate(span.ids):
        if start + offset == cut:
            if pending:
                yield "text", pending.decode("utf-8", errors="replace")
                pending = b""
            yield "cut", ""
        if token in view.special_ids:
            if pending:
                yield "text", pending.decode("utf-8", errors="replace")
                pending = b""
            yield "special", view.token_bytes(token).decode("utf-8", errors="replace")
        else:
            pending += view.token_bytes(token)
    if pending:
        yield "text", pending.decode("utf-8", errors="replace")


def _header(view: ShowView) -> str:
    line = f"{safe(view.where)} ({view.task or 'unknown task'})"
    ident = view.identity
    if ident:
        context = f"{ident['context_length']:,}" if ident["context_length"] else "-"
        line += (
            f"\n  model: {ident['model'] or '(none given)'}; context length "
            f"{context}; tokenizer sha256 "
            f"{ident['tokenizer']['sha256'][:12]}…; template sha256 "
            f"{ident['template_sha256'][:12]}…"
        )
    return line


def text(view: ShowView, color: bool = False) -> str:
    """The example as training sees it, turn by turn, then the counts and findings."""
    out = [_header(view)]
    if view.example is None:
        out.append("  this line is not an example")
    elif not view.spans:
        import json

        out.append(_indent(safe(json.dumps(view.example, ensure_ascii=False, indent=2))))
        if view.error:
            out.append(f"  tokens: not counted: {safe(view.error)}")
    start = 0
    for span in view.spans:
        state = "trained" if span.trained else "not trained"
        out.append(f"turn {span.turn} {span.part}: {len(span.ids):,} tokens, {state}")
        out.append(_indent(_span_text(view, span, start, color)))
        start += len(span.ids)
    if view.counts is not None:
        out.append(_totals(view))
    out += _findings(view)
    return "\n".join(out) + "\n"


def _span_text(view: ShowView, span, start: int, color: bool) -> str:
    parts = []
    for kind, piece in _runs(view, span, start):
        if kind == "cut":
            assert view.identity is not None  # a cut is only shown with the counts that found it
            mark = f"\n✂ context length {view.identity['context_length']:,}: the rest is cut\n"
            parts.append(f"{RESET}{mark}" if color else mark)
            continue
        piece = safe(piece)
        if color and kind == "special":
            piece = f"{SPECIAL}{piece}{RESET}"
        if color:
            piece = f"{TRAINED if span.trained else DIM}{piece}{RESET}"
        parts.append(piece)
    body = "".join(parts)
    return f"{OPEN}{body}{CLOSE}" if span.trained and not color else body


def _indent(block: str) -> str:
    return "\n".join("    " + line for line in block.split("\n"))


def _totals(view: ShowView) -> str:
    c = view.counts
    state = (
        f"truncated: {c.tokens_lost:,} tokens past the context length are cut"
        if c.truncated
        else "not truncated"
    )
    dropped = f"; dropped ({c.drop_reason})" if c.dropped else ""
    return (
        f"total: {c.tokens:,} tokens (prompt {c.prompt_tokens:,}, response "
        f"{c.response_tokens:,}); trainable {c.trainable_tokens:,} "
        f"({c.trainable_in_window:,} within the context length); {state}{dropped}"
    )


def _findings(view: ShowView) -> list[str]:
    if not view.findings:
        return []
    out = ["findings:"]
    for f in view.findings:
        pointer = f" [{safe(f.location.pointer)}]" if f.location.pointer else ""
        out.append(f"  {f.code} {f.severity.label}: {safe(f.message)}{pointer}")
        out.append(f"      hint: {f.hint}")
    return out


def tokens(view: ShowView) -> str:
    """One line per token: index, id, span, trained, and the token's text (quoted)."""
    out = [_header(view), f"{'#':>6} {'id':>8}  {'span':<18}{'trained':<9}text"]
    index, cut = 0, _cut(view)
    for span in view.spans:
        for token in span.ids:
            if index == cut:
                out.append(f"✂ context length {cut:,}: the rest is cut")
            piece = view.token_bytes(token).decode("utf-8", errors="replace")
            where = f"turn {span.turn} {span.part}"
            out.append(
                f"{index:>6} {token:>8}  {where:<18}{'yes' if span.trained else '-':<9}{piece!r}"
            )
            index += 1
    if view.counts is not None:
        out.append(_totals(view))
    out += _findings(view)
    return "\n".join(out) + "\n"


def html(view: ShowView) -> str:
    """The same as a self-contained page: tokens as boxes, trained ones marked."""
    from ftdata.views.html_parts import STYLE, findings_table

    body = [f"<h1>{escape(view.where)}</h1><pre class='head'>{escape(_header(view))}</pre>"]
    start = 0
    for span in view.spans:
        state = "trained" if span.trained else "not trained"
        body.append(f"<h3>turn {span.turn} {span.part}: {len(span.ids):,} tokens, {state}</h3>")
        body.append(
            f"<pre class='{'trained' if span.trained else 'prompt'}'>"
            f"{_html_tokens(view, span, start)}</pre>"
        )
        start += len(span.ids)
    if view.counts is not None:
        body.append(f"<p>{escape(_totals(view))}</p>")
    if view.error:
        body.append(f"<p>Tokens not counted: {escape(view.error)}</p>")
    if view.findings:
        body.append(
            "<h2>Findings</h2>" + findings_table(view.findings, filters=False, examples=False)
        )
    style = (
        STYLE + "pre.trained .t{background:#d4f4dd}pre.prompt{color:#666}"
        ".t{border-right:1px solid #ccc}.special{color:#8e44ad;font-weight:600}"
        ".cut{display:block;color:#c0392b;border-top:2px dashed #c0392b}"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>ftdata show: {escape(view.where)}</title><style>{style}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _html_tokens(view: ShowView, span, start: int) -> str:
    parts: list[str] = []
    cut = _cut(view)
    for offset, token in enumerate(span.ids):
        if start + offset == cut:
            parts.append(f"<span class='cut'>✂ context length {cut:,}</span>")
        piece = view.token_bytes(token).decode("utf-8", errors="replace")
        kind = "t special" if token in view.special_ids else "t"
        parts.append(f"<span class='{kind}' title='id {token}'>{escape(piece)}</span>")
    return "".join(parts)


def render(view: ShowView, mode: str, color: bool = False) -> str:
    """``view`` as ``text`` (coloured or with markers), ``tokens`` or ``html``."""
    if mode == "text":
        return text(view, color)
    return tokens(view) if mode == "tokens" else html(view)
