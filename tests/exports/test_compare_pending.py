"""``compare PRIMARY STAGING --pending PATH``: pending changes linked to the differences that
explain them, the rest shown as data changes, the findings counted in the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftcheck.cli.app import main
from driftcheck.report.types import Report
from tests.conftest import SAMPLES
from tests.exports.csxml import CsExport, CsObject, DeltaAttr, user

AAD = "fabrikam.onmicrosoft.com - AAD"


def pending_folder(tmp_path: Path, extra: list[CsObject] | None = None) -> Path:
    folder = tmp_path / "pending"
    folder.mkdir()
    objs = (
        [user(i, "sales", "Sales") for i in range(30)]
        + [
            CsObject(
                f"CN=T{i}",
                id=f"{{t{i}}}",
                old={"title": "a"},
                new={"title": "b"},
                delta=[DeltaAttr("title", "replace", [("", "b")])],
            )
            for i in range(4)
        ]
        + (extra or [])
    )
    (folder / f"{AAD}.xml").write_bytes(CsExport(objs).bytes())
    return folder


def test_differences_explain_pending_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    page = tmp_path / "r.html"
    code = main(
        [
            "compare",
            str(SAMPLES / "primary"),
            str(SAMPLES / "staging"),
            "--pending",
            str(pending_folder(tmp_path)),
            "--json",
            str(out),
            "--html",
            str(page),
        ]
    )
    assert code == 1
    text = capsys.readouterr().out
    assert "Pending exports on staging: 34 objects would change" in text
    assert "title on fabrikam.onmicrosoft.com - AAD: 4 objects" in text  # a data change
    data = json.loads(out.read_text())
    fixup = [d for d in data["differences"] if d["object"] == "In from AD - User Department Fixup"]
    assert fixup and all(
        d["pending"] == [{"connector": AAD, "attribute": "department", "objects": 30}]
        for d in fixup
    )
    assert all("pending" in d for d in data["differences"])
    assert data["pending"]["schema"] == "driftcheck/exports/v1"
    attrs = {a["name"]: a["explained_by"] for a in data["pending"]["connectors"][0]["attributes"]}
    assert attrs["title"] == [] and any("Department Fixup" in x for x in attrs["department"])
    html = page.read_text()
    assert 'id="pending"' in html and "Not explained by any difference" in html
    assert "pending exports: department on fabrikam.onmicrosoft.com - AAD: 30 objects" in html
    again = Report.from_json(data, file=str(out))
    assert again.pending is not None and again.to_json() == data


def test_pending_findings_count_in_the_verdict(tmp_path: Path) -> None:
    escrowed = [CsObject("CN=E", operation="none", escrowed=True)]
    same = SAMPLES / "primary"
    out = tmp_path / "r.json"
    base = ["compare", str(same), str(same), "--json", str(out)]
    assert main(base) == 0
    assert main([*base, "--pending", str(pending_folder(tmp_path, escrowed))]) == 1
    summary = json.loads(out.read_text())["summary"]
    assert summary["verdict"] == "drift" and summary["pending_failing"] >= 1


def test_render_rebuilds_the_pending_section(tmp_path: Path) -> None:
    out, page = tmp_path / "r.json", tmp_path / "again.html"
    main(
        [
            "compare",
            str(SAMPLES / "primary"),
            str(SAMPLES / "staging"),
            "--pending",
            str(pending_folder(tmp_path)),
            "--json",
            str(out),
        ]
    )
    assert main(["render", str(out), "--html", str(page)]) == 0
    assert 'id="pending"' in page.read_text()


def test_bad_pending_input_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<ma-data/>")
    assert (
        main(["compare", str(SAMPLES / "primary"), str(SAMPLES / "staging"), "--pending", str(bad)])
        == 2
    )
    assert "expected <cs-objects>" in capsys.readouterr().err


def test_attribute_inclusion_explains_what_inbound_rules_made_of_it(tmp_path: Path) -> None:
    if not (SAMPLES / "staging-pending").is_dir():
        pytest.skip("samples/staging-pending not in this checkout")
    out = tmp_path / "r.json"
    main(
        [
            "compare",
            str(SAMPLES / "primary"),
            str(SAMPLES / "staging"),
            "--pending",
            str(SAMPLES / "staging-pending"),
            "--json",
            str(out),
        ]
    )
    data = json.loads(out.read_text())
    attrs = {
        (c["name"].casefold(), a["name"]): a["explained_by"]
        for c in data["pending"]["connectors"]
        for a in c["attributes"]
    }
    explained = attrs[(AAD.casefold(), "thumbnailPhoto")]
    assert any(e.startswith("connector fabrikam.com: attribute-inclusion") for e in explained), (
        explained
    )
