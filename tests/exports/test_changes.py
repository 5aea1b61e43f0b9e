"""Per-object changes: each operation, missing holograms, multi-valued values, references."""

from __future__ import annotations

from lxml import etree

from driftcheck.exports.changes import Kind, Operation, PendingObject, classify, read_object
from driftcheck.read.limits import Limits
from tests.exports.csxml import CsObject, DeltaAttr


def read(obj: CsObject) -> PendingObject:
    el = etree.fromstring(f"<cs-objects>{obj.xml()}</cs-objects>".encode())[0]
    return read_object(el, "t.xml", Limits())


def by_name(obj: PendingObject) -> dict[str, object]:
    return {c.name: c for c in obj.changes}


def test_update_old_from_synchronized_new_from_unapplied_hologram() -> None:
    obj = read(
        CsObject(
            "CN=A",
            old={"department": "sales", "displayName": "A"},
            new={"department": "Sales", "displayName": "A"},
            delta=[DeltaAttr("department", "replace", [("", "Sales")])],
        )
    )
    assert obj.operation is Operation.UPDATE
    (change,) = obj.changes
    assert (change.name, change.old, change.new, change.kind) == (
        "department",
        ("sales",),
        ("Sales",),
        Kind.CASE_ONLY,
    )
    assert change.operation == "replace" and change.old_known
    assert obj.identity.display_name == "A"


def test_operation_none_is_not_a_change() -> None:
    obj = read(CsObject("CN=A", operation="none", old={"x": "1"}, new={"x": "1"}))
    assert obj.operation is None and obj.changes == ()


def test_add_sets_every_attribute() -> None:
    obj = read(CsObject("CN=N", operation="add", new={"displayName": "N", "mail": "n@x"}))
    assert obj.operation is Operation.ADD
    assert {c.name: c.kind for c in obj.changes} == {"displayName": Kind.SET, "mail": Kind.SET}
    assert obj.old_known


def test_delete_has_no_attribute_changes_but_keeps_identity() -> None:
    obj = read(
        CsObject("CN=D", operation="delete", old={"displayName": "Dee", "userPrincipalName": "d@x"})
    )
    assert obj.operation is Operation.DELETE and obj.changes == ()
    assert obj.identity.user_principal_name == "d@x"


def test_replace_and_delete_add_compare_whole_holograms() -> None:
    for operation in ("replace", "delete-add"):
        obj = read(
            CsObject(
                "CN=R",
                operation=operation,
                old={"title": "a", "company": "C", "gone": "x"},
                new={"title": "b", "company": "C"},
                delta={"title": "b", "company": "C"},
            )
        )
        kinds = {c.name: c.kind for c in obj.changes}
        assert kinds == {"title": Kind.CHANGED, "gone": Kind.CLEARED}, operation


def test_old_style_hologram_names_are_accepted() -> None:
    obj = read(
        CsObject(
            "CN=A",
            old={"department": "a"},
            new={"department": "b"},
            delta=[DeltaAttr("department", "replace", [("", "b")])],
            old_style_names=True,
        )
    )
    (change,) = obj.changes
    assert change.old == ("a",) and change.new == ("b",) and change.old_known


def test_missing_synchronized_hologram_falls_back_to_the_delta() -> None:
    obj = read(
        CsObject(
            "CN=A",
            old=None,
            new=None,
            delta=[
                DeltaAttr("title", "replace", [("", "Boss")]),
                DeltaAttr(
                    "proxyAddresses",
                    "update",
                    [("add", "smtp:n@x"), ("delete", "smtp:o@x")],
                    multivalued=True,
                ),
                DeltaAttr("info", "delete"),
            ],
        )
    )
    assert not obj.old_known
    changes = {c.name: c for c in obj.changes}
    assert changes["title"].kind is Kind.UNKNOWN and changes["title"].new == ("Boss",)
    assert not changes["title"].old_known and changes["title"].old == ()
    assert changes["proxyAddresses"].added == ("smtp:n@x",)
    assert changes["proxyAddresses"].removed == ("smtp:o@x",)
    assert changes["info"].kind is Kind.CLEARED


def test_missing_export_hologram_applies_the_delta_to_the_old_values() -> None:
    obj = read(
        CsObject(
            "CN=A",
            old={"proxyAddresses": ["SMTP:a@x", "smtp:b@x"]},
            new=None,
            delta=[
                DeltaAttr(
                    "proxyAddresses",
                    "update",
                    [("delete", "smtp:b@x"), ("add", "smtp:c@x")],
                    multivalued=True,
                )
            ],
        )
    )
    (change,) = obj.changes
    assert change.new == ("SMTP:a@x", "smtp:c@x")
    assert change.added == ("smtp:c@x",) and change.removed == ("smtp:b@x",)
    assert change.kind is Kind.CHANGED


def test_multi_valued_adds_and_removes_are_counted_per_value() -> None:
    obj = read(
        CsObject(
            "CN=G",
            object_type="group",
            old={"member": ["CN=a", "CN=b", "CN=c"]},
            new={"member": ["CN=a", "CN=d"]},
            refs=["member"],
            delta=[
                DeltaAttr(
                    "member",
                    "update",
                    [("delete", "CN=b"), ("delete", "CN=c"), ("add", "CN=d")],
                    multivalued=True,
                    reference=True,
                )
            ],
        )
    )
    (change,) = obj.changes
    assert change.reference and change.multivalued
    assert change.added == ("CN=d",) and change.removed == ("CN=b", "CN=c")


def test_reference_values_are_dns() -> None:
    obj = read(
        CsObject(
            "CN=U",
            old={"manager": "CN=Old Boss,DC=x"},
            new={"manager": "CN=New Boss,DC=x"},
            refs=["manager"],
            delta=[DeltaAttr("manager", "replace", [("", "CN=New Boss,DC=x")], reference=True)],
        )
    )
    (change,) = obj.changes
    assert change.old == ("CN=Old Boss,DC=x",) and change.new == ("CN=New Boss,DC=x",)


def test_binary_values_stay_opaque_strings() -> None:
    obj = read(
        CsObject(
            "CN=U",
            old={"ms-DS-ConsistencyGuid": "AAEC"},
            new={"ms-DS-ConsistencyGuid": "aaec"},
            binary=["ms-DS-ConsistencyGuid"],
            delta=[DeltaAttr("ms-DS-ConsistencyGuid", "replace", [("", "aaec")])],
        )
    )
    (change,) = obj.changes
    assert change.binary and change.kind is Kind.CHANGED  # never "case-only" for bytes
    assert obj.identity.source_anchor == "aaec"


def test_escrowed_and_unconfirmed_are_flagged() -> None:
    obj = read(CsObject("CN=E", operation="none", escrowed=True, unconfirmed=True))
    assert obj.escrowed and obj.unconfirmed and obj.operation is None


def test_classify() -> None:
    assert classify((), ("a",)) is Kind.SET
    assert classify(("a",), ()) is Kind.CLEARED
    assert classify(("Sales",), ("sales",)) is Kind.CASE_ONLY
    assert classify(("a  b",), ("a b ",)) is Kind.WHITESPACE_ONLY
    assert classify(("A  b",), ("a b",)) is Kind.CHANGED
    assert classify(("x", "y"), ("Y", "X")) is Kind.CASE_ONLY
