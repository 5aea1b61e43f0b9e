"""The outputs: CSV rows and formula neutralisation, JSON schema and round trip, text, HTML,
and the command line's exit codes and all-or-none writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import html5lib
import pytest

from driftcheck.cli.app import main
from driftcheck.exports import ExportsResult, verify_exports
from driftcheck.exports.tally import BoundedCounter
from driftcheck.render.exports_csv import COLUMNS, cell
from driftcheck.render.exports_text import render_text
from driftcheck.render.html.exports import render_html
from tests.exports.csxml import CsExport, CsObject, DeltaAttr, user

HOSTILE = '=HYPERLINK("http://evil")'


def sample(tmp_path: Path) -> Path:
    objs = [
        user(1),
        CsObject(
            "CN=Evil",
            old={"displayName": "-2+3", "title": "a"},
            new={"displayName": "-2+3", "title": HOSTILE},
            delta=[DeltaAttr("title", "replace", [("", HOSTILE)])],
        ),
        CsObject(
            "CN=G",
            object_type="group",
            old={"member": ["CN=a", "CN=b"]},
            new={"member": ["CN=a", "CN=c"]},
            refs=["member"],
            delta=[
                DeltaAttr(
                    "member",
                    "update",
                    [("delete", "CN=b"), ("add", "CN=c")],
                    multivalued=True,
                    reference=True,
                )
            ],
        ),
        CsObject(
            "CN=Gone", operation="delete", old={"displayName": "Gone", "userPrincipalName": "g@x"}
        ),
        CsObject(
            "CN=Term\x9b]0;owned",
            old={"title": "a"},
            new={"title": "\x9b2Jb\u202e"},
            delta=[DeltaAttr("title", "replace", [("", "\x9b2Jb\u202e")])],
        ),
    ]
    path = tmp_path / "contoso.com.xml"
    path.write_bytes(CsExport(objs).bytes())
    return path


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value: str) -> None:
    assert cell(value) == "'" + value
    assert cell("plain") == "plain"


def test_cli_writes_csv_json_html_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sample(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    code = main(
        [
            "exports",
            str(path),
            "--csv",
            str(out / "p.csv"),
            "--json",
            str(out / "p.json"),
            "--html",
            str(out / "p.html"),
        ]
    )
    assert code == 0  # info findings only
    text = capsys.readouterr().out
    assert "\x9b" not in text and "\u202e" not in text and "\\x9b" in text
    assert "PASS: pending exports" in text
    with (out / "p.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS
    by_dn: dict[str, list[dict[str, str]]] = {}
    for row in rows[1:]:
        by_dn.setdefault(row[2], []).append(dict(zip(COLUMNS, row, strict=True)))
    evil = by_dn["CN=Evil"][0]
    assert evil["new value"] == "'" + HOSTILE and evil["displayName"] == "'-2+3"
    group = by_dn["CN=G"]
    assert {(r["attribute operation"], r["old value"], r["new value"]) for r in group} == {
        ("delete value", "CN=b", ""),
        ("add value", "", "CN=c"),
    }
    gone = by_dn["CN=Gone"][0]
    assert (
        gone["operation"] == "delete"
        and gone["attribute"] == ""
        and gone["userPrincipalName"] == "g@x"
    )
    document = json.loads((out / "p.json").read_text())
    assert document["schema"] == "driftcheck/exports/v1"
    assert set(document["summary"]) >= {
        "verdict",
        "objects",
        "adds",
        "updates",
        "deletes",
        "delete_adds",
    }
    attribute = document["connectors"][0]["attributes"][0]
    assert set(attribute) >= {
        "name",
        "objects",
        "kinds",
        "values_added",
        "values_removed",
        "transitions",
    }
    assert set(attribute["kinds"]) >= {"case-only", "whitespace-only", "set", "cleared", "changed"}
    page = (out / "p.html").read_text()
    html5lib.HTMLParser(strict=False).parse(page)
    assert "<script" not in page
    assert (
        "=HYPERLINK(&#34;http://evil&#34;)" in page or "=HYPERLINK(&quot;http://evil&quot;)" in page
    )


def test_json_round_trip(tmp_path: Path) -> None:
    result = verify_exports([sample(tmp_path)])
    again = ExportsResult.from_json(json.loads(json.dumps(result.to_json())))
    assert again.to_json() == result.to_json()


def test_json_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exports", str(sample(tmp_path)), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "driftcheck/exports/v1"


def test_exit_1_on_a_warning_and_fail_on(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(CsExport([CsObject("CN=E", operation="none", escrowed=True)]).bytes())
    assert main(["exports", str(path)]) == 1
    assert main(["exports", str(path), "--fail-on", "blocking"]) == 0


def test_a_failed_run_keeps_earlier_outputs(tmp_path: Path) -> None:
    good = sample(tmp_path)
    csv_path, json_path = tmp_path / "p.csv", tmp_path / "p.json"
    assert main(["exports", str(good), "--csv", str(csv_path), "--json", str(json_path)]) == 0
    before = csv_path.read_bytes(), json_path.read_bytes()
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes(good.read_bytes()[:-200])
    assert (
        main(
            ["exports", str(good), str(truncated), "--csv", str(csv_path), "--json", str(json_path)]
        )
        == 2
    )
    assert (csv_path.read_bytes(), json_path.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "wrong.xml"
    path.write_text("<ma-data/>")
    assert main(["exports", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}:1: root element is <ma-data>" in err


def test_text_and_html_stay_small_for_many_attributes(tmp_path: Path) -> None:
    objs = [
        CsObject(
            f"CN=U{i}",
            old={f"a{j}": "x" for j in range(120)},
            new={f"a{j}": "y" for j in range(120)},
            operation="replace",
            delta={f"a{j}": "y" for j in range(120)},
        )
        for i in range(3)
    ]
    path = tmp_path / "x.xml"
    path.write_bytes(CsExport(objs).bytes())
    result = verify_exports([path])
    assert len(render_text(result).splitlines()) < 60
    assert "60 more attributes in the JSON" in render_html(result)


def test_bounded_counter_keeps_the_frequent_keys() -> None:
    counter = BoundedCounter(capacity=10)
    for i in range(1000):
        counter.add(("a", "A"))
        counter.add((str(i), "x"))
    assert counter.top(1) == [(("a", "A"), 1000)]
    assert counter.approximate and len(counter.counts) <= 10
