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


def pending_entry(title: str, failures: list[str]) -> dict[str, Any]:
    zero = {"blocking": 0, "warning": 0, "info": 0}
    return {
        "key": "sync02",
        "server": "SYNC02",
        "title": title,
        "export_date": "2026-11-30 01:37:00",
        "path": "/drop/SYNC02/x.zip",
        "name": "pending-SYNC02",
        "verdict": "fail",
        "counts": {
            "objects": 1250,
            "adds": 3,
            "updates": 1203,
            "deletes": 44,
            "delete_adds": 0,
            "escrowed": 1,
            "unconfirmed": 2,
        },
        "connectors": [],
        "by_severity": {"blocking": 1, "warning": 2, "info": 0},
        "statuses": {
            "new": {**zero, "blocking": 1},
            "open": {**zero, "warning": 2},
            "resolved": zero,
        },
        "findings": [],
        "failures": failures,
        "html": "pending-SYNC02.html",
        "json": "pending-SYNC02.json",
    }


def test_the_pending_exports_table_counts_and_escapes() -> None:
    entry = pending_entry("<b>SYNC02</b> pending exports", ["connector '<i>x</i>': exit code 2"])
    page = render_index(night(pending=[entry]), prefix="2026-11-30/")
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    assert "Pending exports of staging servers" in page
    assert 'href="2026-11-30/pending-SYNC02.html"' in page
    assert "&lt;b&gt;SYNC02&lt;/b&gt;" in page and "<b>SYNC02" not in page
    assert "&lt;i&gt;x&lt;/i&gt;" in page and "<i>x" not in page
    [row] = index_view(night(pending=[entry]), prefix="")["pending"]
    assert (row["objects"], row["updates"], row["deletes"], row["unconfirmed"]) == (
        1250,
        1203,
        44,
        3,
    )
    assert (row["new"], row["resolved"], row["by_severity"]) == (1, 0, "1 / 2 / 0")
    assert row["verdict"] == "drift" and row["verdict_label"] == "fail"


def test_no_pending_exports_no_table() -> None:
    assert "Pending exports of staging servers" not in render_index(night(), prefix="")
