"""Work done while waiting for the worker process (pipeline.load_both's ``meanwhile``): called
once, on one core and on two, without changing what is loaded; ``compare --html`` uses it
to compile the report's template, and the page is the same as without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from driftcheck.pipeline import compare as pipeline
from driftcheck.render.html import render_html, report_template

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.parametrize("cores", [1, 2])
def test_meanwhile_runs_once_while_loading(cores: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    calls: list[int] = []
    primary, staging = pipeline.load_both(
        SAMPLES / "primary", SAMPLES / "staging", meanwhile=lambda: calls.append(cores)
    )
    assert calls == [cores]
    alone = pipeline.load_both(SAMPLES / "primary", SAMPLES / "staging")
    assert (primary, staging) == alone


def test_a_report_rendered_after_meanwhile_is_the_same_page() -> None:
    report = pipeline.compare_exports(SAMPLES / "primary", SAMPLES / "staging")
    report_template.cache_clear()
    cold = render_html(report)
    prepared = pipeline.compare_exports(
        SAMPLES / "primary", SAMPLES / "staging", meanwhile=report_template
    )
    assert render_html(prepared) == cold
    assert report_template() is report_template()  # compiled once
