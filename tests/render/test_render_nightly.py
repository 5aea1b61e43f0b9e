"""The nightly index page: valid HTML, links relative to where it is written, values escaped."""

from __future__ import annotations

from typing import Any

import html5lib
import pytest

from driftcheck.nightly.job import safe_name
from driftcheck.render.html.nightly import index_view, render_index


def side(server: str, *, staging: bool) -> dict[str, Any]:
    return {
        "server": server,
        "export_date": "2026-11-30 01:30:00",
        "product_version": "2.4.18.0",
        "staging": staging,
        "path": f"/drop/{server}/x.zip",
    }


def night(**changes: Any) -> dict[str, Any]:
    counts = {"blocking": 1, "warning": 0, "info": 0}
    zero = {"blocking": 0, "warning": 0, "info": 0}
    data = {
        "schema": "driftcheck/nightly/v1",
        "date": "2026-11-30",
        "generated": "2026-11-30T02:30:00+00:00",
        "fail_on": "warning",
        "verdict": "drift",
        "history": None,
        "comparisons": [
            {
                "key": "a|b",
                "kind": "pair",
                "title": "SYNC01 vs SYNC02",
                "name": "pair-SYNC01-vs-SYNC02",
                "left": side("SYNC01", staging=False),
                "right": side("SYNC02", staging=True),
                "verdict": "drift",
                "by_severity": counts,
                "statuses": {"new": counts, "open": zero, "resolved": zero},
                "html": "pair-SYNC01-vs-SYNC02.html",
                "json": "pair-SYNC01-vs-SYNC02.json",
            },
        ],
        "new": [
            {
                "comparison": "SYNC01 vs SYNC02",
                "status": "new",
                "severity": "blocking",
                "section": "connector",
                "object": "<i>contoso.com</i>",
                "path": "",
                "change": "added",
                "first_seen": "",
            }
        ],
        "resolved": [],
        "warnings": ["<b>x.zip.tmp</b>: temporary name, still being copied; skipped"],
    }
    data.update(changes)
    return data


def test_the_index_is_valid_html_with_escaped_values() -> None:
    page = render_index(night(), prefix="2026-11-30/", earlier=["2026-11-30", "2026-11-29"])
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(page)
    assert 'href="2026-11-30/pair-SYNC01-vs-SYNC02.html"' in page
    assert 'href="2026-11-29/index.html"' in page and 'href="2026-11-30/index.html"' not in page
    assert "&lt;b&gt;x.zip.tmp&lt;/b&gt;" in page and "<b>x" not in page
    assert "No trend: no active-vs-staging pair was compared." in page
    assert "New since the last run (1)" in page and "Resolved since the last run (0)" in page
    assert "&lt;i&gt;contoso.com&lt;/i&gt;" in page and "(whole object)" in page


def test_view_counts_and_labels() -> None:
    view = index_view(night(), prefix="", trend_svg='<svg role="img"></svg>')
    [row] = view["comparisons"]
    assert (row["new"], row["open"], row["resolved"]) == (1, 0, 0)
    assert row["left"] == "SYNC01 (active, 2.4.18.0) exported 2026-11-30 01:30:00"
    assert row["by_severity"] == "1 / 0 / 0"
    assert str(view["trend"]) == '<svg role="img"></svg>'


@pytest.mark.parametrize(
    ("server", "name"),
    [
        ("FAB-SYNC01", "FAB-SYNC01"),
        ("a/b\\c", "a_b_c"),
        ("..", "server"),
        (".hidden", "hidden"),
        ("x" * 100, "x" * 80),
    ],
)
def test_server_names_as_file_names(server: str, name: str) -> None:
    assert safe_name(server) == name
