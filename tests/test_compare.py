"""Matching and diffing: keyed, case-insensitive names, sets per member, precedence as order."""

from __future__ import annotations

from driftcheck.compare import (
    PRECEDENCE_ORDER,
    _longest_increasing,
    compare_section,
    diff_values,
    precedence_changes,
)
from driftcheck.normalize import ConfigObject, MemberSet, Node


def rule(name: str, precedence: int, group: str = "inbound|person", **fields: str) -> ConfigObject:
    body: Node = {"precedence": str(precedence), **fields}
    return ConfigObject(
        "sync-rule", name.casefold(), name, "contoso.com", "", body, group, precedence
    )


def index(*objects: ConfigObject) -> dict[str, ConfigObject]:
    return {o.key: o for o in objects}


def test_longest_increasing_subsequence() -> None:
    assert _longest_increasing([0, 1, 2, 3]) == {0, 1, 2, 3}
    assert len(_longest_increasing([1, 0, 2, 3])) == 3
    assert _longest_increasing([]) == set()


def test_renumbering_that_keeps_order_is_not_an_order_change() -> None:
    primary = index(rule("A", 100), rule("B", 101), rule("C", 102))
    staging = index(rule("A", 200), rule("B", 210), rule("C", 299))
    assert precedence_changes(primary, staging) == []


def test_swapped_rules_are_reported() -> None:
    primary = index(rule("A", 100), rule("B", 101), rule("C", 102), rule("D", 103))
    staging = index(rule("A", 100), rule("B", 103), rule("C", 102), rule("D", 104))
    moved = precedence_changes(primary, staging)
    assert len(moved) == 1
    assert moved[0].path == PRECEDENCE_ORDER
    assert moved[0].object in {"B", "C"}
    assert "rank" in moved[0].primary


def test_rule_added_on_one_side_does_not_shift_others() -> None:
    primary = index(rule("A", 100), rule("B", 101))
    staging = index(rule("A", 100), rule("New", 101), rule("B", 102))
    assert precedence_changes(primary, staging) == []


def test_order_across_unrelated_groups_is_not_compared() -> None:
    primary = index(rule("A", 100, "inbound|person"), rule("B", 101, "inbound|group"))
    staging = index(rule("A", 101, "inbound|person"), rule("B", 100, "inbound|group"))
    assert precedence_changes(primary, staging) == []


def test_objects_match_by_key_and_report_added_and_removed() -> None:
    primary = index(rule("A", 1), rule("Gone", 2))
    staging = index(rule("A", 1), rule("New", 3))
    changes = compare_section(primary, staging)
    assert [(c.object, c.change, c.path) for c in changes] == [
        ("Gone", "removed", ""),
        ("New", "added", ""),
    ]


def test_node_keys_match_ignoring_case() -> None:
    assert list(diff_values("", {"Department": "x"}, {"department": "x"})) == []


def test_nested_difference_paths() -> None:
    a: Node = {"attribute-flows": {"department": {"expression": "Trim([a])", "type": "expression"}}}
    b: Node = {
        "attribute-flows": {"department": {"expression": "Left([a],3)", "type": "expression"}}
    }
    assert list(diff_values("", a, b)) == [
        ("attribute-flows/department/expression", "modified", "Trim([a])", "Left([a],3)")
    ]


def test_set_members_reported_one_by_one() -> None:
    a = {"inclusions": MemberSet.of(["OU=A", "OU=B"])}
    b = {"inclusions": MemberSet.of(["ou=b", "OU=C"])}
    assert list(diff_values("", a, b)) == [
        ("inclusions", "removed", "OU=A", None),
        ("inclusions", "added", None, "OU=C"),
    ]


def test_ordered_lists_compare_by_order() -> None:
    a: Node = {"join-groups": ("x = x", "y = y")}
    b: Node = {"join-groups": ("y = y", "x = x")}
    assert list(diff_values("", a, b)) == [
        ("join-groups", "modified", ["x = x", "y = y"], ["y = y", "x = x"])
    ]
