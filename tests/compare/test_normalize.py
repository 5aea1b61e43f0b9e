"""Normalisation: expressions, sets, ordered join groups, GUID references resolved to names."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftcheck.compare.canonical import Loose, MemberSet
from driftcheck.compare.normalize import canonicalize
from driftcheck.compare.sections import join_group_text, keyed, reference, scoping_group_text
from driftcheck.model.expression import normalize_expression
from driftcheck.model.server import JoinCondition, JoinGroup, ScopeClause, ScopingGroup
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('IIF( [a] , "x" , NULL )', 'IIF([a],"x",NULL)'),
        ("Trim(\n\t[department]\n)", "Trim([department])"),
        ('[a] & "-" & [b]', '[a]&"-"&[b]'),
        ("BitAnd([x],&H21C07000) > 0", "BitAnd([x], &H21C07000)>0"),
    ],
)
def test_whitespace_outside_literals_is_not_a_difference(a: str, b: str) -> None:
    assert normalize_expression(a) == normalize_expression(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ('Left([a], 14) = "SystemMailbox{"', 'Left([a], 14) = "SystemMailbox {"'),
        ('InStr([dn],"\\\\0ACNF:")', 'InStr([dn],"\\\\0ACNF: ")'),
        ('"a  b"', '"a b"'),
        ("Trim([department])", "Trim([Department])"),
        ("x Mod 2", "xMod2"),
    ],
)
def test_everything_else_in_an_expression_is_a_difference(a: str, b: str) -> None:
    assert normalize_expression(a) != normalize_expression(b)


def test_literal_with_escaped_quote_keeps_its_spaces() -> None:
    assert normalize_expression('Replace([a], "\\"  x", "")') == 'Replace([a],"\\"  x","")'


def test_member_set_ignores_order_and_case_but_keeps_display() -> None:
    a = MemberSet.of(["OU=Sales,DC=contoso,DC=com", "OU=IT,DC=contoso,DC=com"])
    b = MemberSet.of(["ou=it,dc=contoso,dc=com", "OU=Sales,DC=contoso,DC=com"])
    assert a == b
    assert a.members == ("OU=IT,DC=contoso,DC=com", "OU=Sales,DC=contoso,DC=com")


def test_member_set_keeps_the_empty_member() -> None:
    assert MemberSet.of([""]) != MemberSet.of([])


def test_case_sensitive_member_set() -> None:
    assert MemberSet.of(["a"], fold=False) != MemberSet.of(["A"], fold=False)


def test_loose_compares_by_key_only() -> None:
    assert Loose("a ( b )", "a(b)") == Loose("a(b)", "a(b)")


def test_scoping_group_text_is_order_insensitive() -> None:
    one = ScopingGroup((ScopeClause("a", "EQUAL", "1"), ScopeClause("b", "ISNOTNULL", "")))
    two = ScopingGroup((ScopeClause("b", "ISNOTNULL", ""), ScopeClause("a", "EQUAL", "1")))
    assert scoping_group_text(one) == scoping_group_text(two)


def test_join_group_text_marks_case_sensitivity() -> None:
    group = JoinGroup((JoinCondition("sourceAnchor", "sourceAnchor", True),))
    assert join_group_text(group) == "sourceAnchor = sourceAnchor (case-sensitive)"


def test_keyed_disambiguates_repeated_names() -> None:
    assert list(keyed([("mail", "1"), ("Mail", "2"), ("mail", "3")])) == [
        "mail",
        "Mail (2)",
        "mail (3)",
    ]


def test_guid_references_become_names(minimal_export: Path) -> None:
    config = canonicalize(server_configuration(read_export(minimal_export)))
    rule = next(iter(config.objects["sync-rule"].values()))
    assert rule.connector == "contoso.com"
    assert rule.key == "contoso.com|inbound|in from ad - user custom"
    assert rule.precedence_group == "inbound|person"


def test_reference_export_resolves_every_reference(reference_export: Path) -> None:
    config = canonicalize(server_configuration(read_export(reference_export)))
    assert config.warnings == ()
    assert len(config.objects["sync-rule"]) == 62
    assert {o.connector for o in config.objects["sync-rule"].values()} == {
        "contoso.com",
        "contoso.onmicrosoft.com - AAD",
    }
    ad = config.objects["connector"]["contoso.com"].fields
    assert ad["password-hash-sync"] == {
        "enabled": "false",
        "target": reference("contoso.onmicrosoft.com - AAD"),
    }
    profiles = ad["run-profiles"]
    assert isinstance(profiles, dict)
    profile = profiles["Full Import"]
    assert isinstance(profile, dict)
    step = profile["step 1"]
    assert isinstance(step, dict)
    assert step["partition"] == reference("DC=contoso,DC=com")
    aad = config.objects["connector"]["contoso.onmicrosoft.com - aad"].fields
    connectivity = aad["connectivity"]
    assert isinstance(connectivity, dict)
    assert connectivity["Password"] == "(encrypted)"


def test_resolved_references_compare_ignoring_case() -> None:
    assert reference("Fabrikam.onmicrosoft.com - AAD") == reference(
        "fabrikam.onmicrosoft.com - AAD"
    )
    assert reference("a").shown == "a"
