"""Linking pending changes to the configuration differences that explain them."""

from __future__ import annotations

from pathlib import Path

from driftcheck.exports import verify_exports
from driftcheck.exports.link import PendingRef, link, unexplained
from tests.exports.csxml import CsExport, CsObject, DeltaAttr, user


def test_a_difference_explains_the_attributes_it_flows_into(tmp_path: Path) -> None:
    objs = [user(i) for i in range(3)] + [
        CsObject(
            "CN=T",
            old={"title": "a"},
            new={"title": "b"},
            delta=[DeltaAttr("title", "replace", [("", "b")])],
        )
    ]
    path = tmp_path / "contoso.com.xml"
    path.write_bytes(CsExport(objs).bytes())
    result = verify_exports([path])
    per, explained = link(
        result,
        {"rule X: department": [("CONTOSO.COM", "Department"), ("other", "x")], "rule Y": []},
    )
    assert per == {
        "rule X: department": (PendingRef("contoso.com", "department", 3),),
        "rule Y": (),
    }
    attrs = {a.name: a.explained_by for a in explained.connectors[0].attributes}
    assert attrs == {"department": ("rule X: department",), "title": ()}
    assert unexplained(explained) == [("contoso.com", "title", 1)]
    data = explained.to_json()
    assert data["connectors"][0]["attributes"][0]["explained_by"] == ["rule X: department"]
