"""The self-contained HTML report: --format html, Result.to_html(), opened in headless Chromium."""

from __future__ import annotations

import re

import pytest
from conftest import SAMPLE_DATA

import ftdata
from ftdata.cli import main

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"


@pytest.fixture(scope="module")
def sample_result():
    return ftdata.validate(str(SAMPLE_DATA), model=MISTRAL, per_role=True)


def test_report_opens_in_headless_chromium(sample_result, tmp_path):
    from browser.webdriver import browser

    page = tmp_path / "report.html"
    page.write_text(sample_result.to_html(), encoding="utf-8")
    url = page.as_uri()
    with browser() as chrome:
        chrome.open(url)
        plots = chrome.run("""return Array.from(document.querySelectorAll('svg.plot')).map(
            function(s){var r=s.getBoundingClientRect();
              return {w:r.width,h:r.height,marks:s.querySelectorAll('rect.bar').length};});""")
        rows = chrome.run("return document.querySelectorAll('#findings tbody tr').length")
        codes = chrome.run(
            "return Array.from(document.querySelectorAll('#findings tbody tr'))"
            ".map(function(r){return r.dataset.code;})"
        )
        visible = chrome.run("""var s=document.querySelector('.filters select[name=code]');
            s.value='CH006';s.dispatchEvent(new Event('change'));
            return Array.from(document.querySelectorAll('#findings tbody tr'))
              .filter(function(r){return r.style.display!=='none';}).length;""")
        # The picture in the README is this screenshot: the token plots of sample_data.
        chrome.resize(960, 1000)
        chrome.run("document.getElementById('tokens').scrollIntoView()")
        chrome.screenshot(tmp_path / "report.png")
        console = chrome.log("browser")
        requests = chrome.requests()
    assert [e for e in console if e["level"] in ("SEVERE", "WARNING")] == []
    assert set(requests) <= {url}, requests  # the page itself, nothing else
    # One histogram per task (3), two trained/prompt bars, and the gauges.
    assert len(plots) >= 3 + 2 + 3
    assert all(p["w"] > 100 and p["h"] > 20 and p["marks"] > 0 for p in plots)
    assert rows == len(sample_result.findings) and rows > 0
    assert visible == codes.count("CH006") == 1
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_writes_the_html_report(tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(
        ["validate", str(SAMPLE_DATA), "--model", MISTRAL, "--format", "html", "--output", str(out)]
    )
    assert code == 1
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "FAILED" in html
    for code_ in ("CH006", "TK001", "LD001"):
        assert f"<code>{code_}</code>" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_report_holds_hashes_rule_docs_and_billed_estimate(sample_result):
    html = sample_result.to_html()
    tokens = sample_result.extra["tokens"]
    assert tokens["tokenizer"]["sha256"] in html and tokens["template_sha256"] in html
    assert f"{tokens['by_task']['chat']['billed_tokens']:,}" in html
    assert "tokens vs the 1.5M recommended" in html and "tokens vs the 10B limit" in html
    # DS004's threshold (one full context length of tokens) has its gauge for chat and
    # instruction data, and the chat template is named, not only hashed.
    chat = tokens["by_task"]["chat"]
    assert (
        f"tokens vs one full context length (the minimum for this task): "
        f"{chat['total']:,} of {tokens['context_length']:,}"
    ) in html
    assert f"<th>chat template</th><td>{tokens['template']}</td>" in html
    assert f"examples, {chat['trainable_in_window']:,} trained on</h3>" in html
    assert "How to fix:" in html and "<details>" in html
    assert "assistant (content)" in html  # per-role statistics


def test_nothing_in_the_page_points_outside_it(sample_result):
    html = sample_result.to_html()
    assert not re.search(r"""(src|href)\s*=\s*["']?[a-z]+:""", html, re.I)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_data_text_is_escaped(jsonl):
    evil = "<script>alert(1)</script>"
    path = jsonl(
        [
            {"messages": [{"role": evil, "content": "x"}]},
            {"prompt": evil, "response": "<img src=x onerror=alert(2)>", "oops": 1},
        ],
        name="a<b>.jsonl",
    )
    html = ftdata.validate(str(path)).to_html()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a&lt;b&gt;.jsonl" in html


def test_example_is_shown_with_the_offending_part_marked(jsonl):
    path = jsonl(
        [
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "Assistant", "content": "hello"},
                ]
            }
        ]
    )
    result = ftdata.validate(str(path))
    assert result.findings[0].location.pointer == "/messages/1/role"
    assert "<mark>&quot;Assistant&quot;</mark>" in result.to_html()


def test_the_mark_lands_on_the_pointed_value_not_an_earlier_equal_one(jsonl):
    path = jsonl(
        [
            {
                "messages": [
                    {"role": "user", "content": "first"},
                    {"role": "assistant", "content": "x"},
                    {"role": "user", "content": "last"},
                ]
            }
        ]
    )
    result = ftdata.validate(str(path))
    assert result.findings[0].location.pointer == "/messages/2/role"
    html = result.to_html()
    assert (
        "{&quot;role&quot;: <mark>&quot;user&quot;</mark>, &quot;content&quot;: &quot;last&quot;}"
    ) in html


def test_large_run_stays_small_with_exact_counts(jsonl):
    bad = [{"messages": [{"role": "User", "content": "hi"}]} for _ in range(3000)]
    result = ftdata.validate(str(jsonl(bad)))
    html = result.to_html(max_per_code=20)
    rows = html.count("<tr data-code=")
    assert rows == sum(min(n, 20) for n in result.by_code.values())
    assert len(html) < 200_000
    for code, count in result.by_code.items():
        assert f"<td class='num'>{count:,}</td>" in html
        if count > 20:
            assert f"{count - 20:,} more {code}" in html


def test_report_without_tokens_or_findings(jsonl):
    path = jsonl(
        [
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "hello"},
                ]
            }
        ]
    )
    html = ftdata.validate(str(path)).to_html()
    assert "No findings." in html and ">Tokens</h2>" not in html and "OK" in html


def test_context_length_is_marked_on_the_histogram_when_examples_reach_it():
    result = ftdata.validate(str(SAMPLE_DATA / "chat"), model=MISTRAL, context_length=40)
    chat = result.extra["tokens"]["by_task"]["chat"]
    html = result.to_html()
    assert chat["truncated_examples"] > 0
    assert html.count('class="marker"') == 1 and ">context 40</text>" in html
    assert f"Truncated: {chat['truncated_examples']:,} examples" in html
    # Passing a limit turns its gauge red.
    assert re.search(r'fill="#c0392b" rx="3"/><text[^>]*>longest example vs context length', html)


def test_report_says_when_tokens_were_skipped(monkeypatch, tmp_path):
    monkeypatch.delenv("FTDATA_ALLOW_LLAMA3_PACKAGE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    result = ftdata.validate(
        str(SAMPLE_DATA / "instruction" / "qa_good.jsonl"),
        model="meta-llama/Meta-Llama-3.1-8B-Instruct",
    )
    assert result.extra["tokens"]["skipped"]
    assert "Skipped: no tokenizer found (see TK008)" in result.to_html()
    assert "Skipped: no tokenizer found" in result._repr_html_()
