"""Notebook display: a one-line ``repr(result)`` and the rich ``_repr_html_`` view."""

from __future__ import annotations

import re

import pytest
from conftest import SAMPLE_DATA

import ftdata

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"


@pytest.fixture(scope="module")
def result():
    return ftdata.validate(str(SAMPLE_DATA / "chat" / "support_bad.jsonl"), model=MISTRAL)


def test_repr_is_one_line_of_totals(result):
    s = result.summary
    assert repr(result) == (
        f"Result(ok=False, rows={s['rows']}, valid={s['valid']}, "
        f"invalid={s['invalid']}, errors={s['errors']}, "
        f"warnings={s['warnings']})"
    )
    assert (s["rows"], s["valid"], s["invalid"]) == (16, 4, 12)


def test_repr_of_a_clean_result(jsonl):
    path = jsonl([{"prompt": "a", "response": "b"}])
    assert repr(ftdata.validate(str(path))) == (
        "Result(ok=True, rows=1, valid=1, invalid=0, errors=0, warnings=0)"
    )


def test_repr_html_shows_summary_codes_histogram_and_first_findings(result):
    html = result._repr_html_()
    assert html.startswith("<div class='ftdata'>") and html.endswith("</div>")
    assert "FAILED" in html and "16 rows: 4 valid, 12 invalid" in html
    for code, count in result.by_code.items():
        assert re.search(rf"<code>{code}</code>.*?<td class='num'>{count}</td>", html)
    assert html.count('<svg class="plot"') == 1 and 'class="bar"' in html  # the histogram
    shown = html.count("<tr data-code=")
    assert shown == min(10, len(result.findings)) and shown > 0
    assert "<script" not in html  # notebooks may refuse scripts; the view needs none


def test_repr_html_styles_stay_inside_the_view(result):
    style = re.search(r"<style>(.*?)</style>", result._repr_html_()).group(1)
    selectors = [rule.split("{")[0] for rule in style.split("}") if rule]
    assert selectors and all(
        all(part.strip().startswith(".ftdata ") for part in sel.split(",")) for sel in selectors
    )


def test_readme_repr_example_is_real():
    from conftest import ROOT

    line = repr(ftdata.validate(str(SAMPLE_DATA / "chat" / "support_bad.jsonl")))
    readme = (ROOT / "README.md").read_text(encoding="utf-8").replace("\n", " ")
    assert line in readme  # the README wraps lines; joined with spaces it reads the same
