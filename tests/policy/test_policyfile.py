"""The admin's policy file: matchers, expiry, audit, name map and every invalid-file case."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from driftcheck.compare.walk import Change
from driftcheck.errors import InputError
from driftcheck.pipeline.compare import compare_exports
from driftcheck.policy.file import accept_rules, glob_escape, load_policy, parse_policy
from driftcheck.policy.rules import Policy, apply_policy

TODAY = date(2026, 11, 22)

OU_REMOVED = Change(
    "connector",
    "contoso.com",
    "contoso.com",
    "partitions/DC=contoso,DC=com/containers/inclusions",
    "removed",
    "OU=Sales,DC=contoso,DC=com",
    None,
)
FLOW_CHANGED = Change(
    "sync-rule",
    "In from AD - User Custom",
    "contoso.com",
    "attribute-flows/department/expression",
    "modified",
    "Trim([department])",
    "Left([department],3)",
)


def policy_from(text: str, today: date = TODAY) -> Policy:
    admin = parse_policy(text, "driftcheck.toml")
    return Policy(today=today).with_admin_rules(admin.ignore_rules, admin.severity_rules)


def hidden_ids(text: str, change: Change, today: date = TODAY) -> list[str]:
    return [s.rule for s in apply_policy([change], policy_from(text, today)).suppressed]


RULE = '[[ignore]]\nid = "pilot"\nreason = "Sales OU stays out until cutover, CHG-1234"\n'


@pytest.mark.parametrize(
    ("matchers", "hides"),
    [
        ('section = "connector"', True),
        ('section = "sync-rule"', False),
        ('object = "CONTOSO.*"', True),
        ('object = "fabrikam.com"', False),
        ('path = "partitions/*/containers/*"', True),
        ('path = "attribute-inclusion"', False),
        ('value = "ou=sales*"', True),
        ('value = "OU=IT*"', False),
        ('section = "connector"\nvalue = "OU=Sales*"\npath = "partitions/*"', True),
        ('section = "connector"\nvalue = "OU=IT*"\npath = "partitions/*"', False),
    ],
)
def test_each_matcher(matchers: str, hides: bool) -> None:
    assert hidden_ids(RULE + matchers, OU_REMOVED) == (["pilot"] if hides else [])


def test_value_glob_matches_either_side() -> None:
    text = RULE + 'value = "Left(*"'
    assert hidden_ids(text, FLOW_CHANGED) == ["pilot"]


def test_rule_hides_until_it_expires_then_is_reported() -> None:
    text = RULE + 'path = "partitions/*"\nexpires = 2026-12-31'
    assert hidden_ids(text, OU_REMOVED, today=date(2026, 12, 31)) == ["pilot"]
    verdict = apply_policy([OU_REMOVED], policy_from(text, today=date(2027, 1, 1)))
    assert verdict.suppressed == ()
    reported = {(d.change.section, d.change.object, d.severity) for d in verdict.differences}
    assert ("connector", "contoso.com", "blocking") in reported
    assert ("policy", "pilot", "warning") in reported
    statuses = {u.rule.id: u.status for u in verdict.rule_uses}
    assert statuses["pilot"] == "expired"


def test_audit_counts_used_and_unused_rules() -> None:
    text = (
        RULE
        + 'path = "partitions/*"\n\n[[ignore]]\nid = "stale"\nreason = "old pilot"\nobject = "x"\n'
    )
    verdict = apply_policy([OU_REMOVED, OU_REMOVED], policy_from(text))
    uses = {u.rule.id: (u.hidden, u.status, u.rule.source) for u in verdict.rule_uses}
    assert uses["pilot"] == (2, "used", "driftcheck.toml")
    assert uses["stale"] == (0, "unused", "driftcheck.toml")
    assert uses["server-local-ids"] == (0, "unused", "built-in")


def test_severity_override_comes_before_built_in_rules() -> None:
    text = '[[severity]]\nsection = "sync-rule"\npath = "attribute-flows/*"\nlevel = "info"\n'
    verdict = apply_policy([FLOW_CHANGED], policy_from(text))
    assert [(d.severity, d.rule) for d in verdict.differences] == [("info", "policy-severity-1")]


def test_builtin_ignores_off_shows_and_marks() -> None:
    guid = Change("sync-rule", "R", "contoso.com", "id", "modified", "{a}", "{b}")
    verdict = apply_policy([guid], Policy(builtin_ignores=False, today=TODAY))
    assert [d.would_be_hidden_by for d in verdict.differences] == ["server-local-ids"]
    assert verdict.hidden_by_rule["server-local-ids"] == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[[ignore]]\nid = "a"\nreason = "r"\npath = "x"\nsection = \n', 5, "not valid TOML"),
        ("[defaults]\nx = 1\n", 1, "unknown key 'defaults'"),
        (
            '[[ignore]]\nid = "a"\nreason = "r"\npath = "x"\nobjects = "y"\n',
            5,
            "unknown key 'objects'",
        ),
        ('[[ignore]]\nid = "a"\npath = "x"\n', 1, "needs a non-empty reason"),
        ('[[ignore]]\nid = "a"\nreason = "  "\npath = "x"\n', 3, "needs a non-empty reason"),
        ('[[ignore]]\nreason = "r"\npath = "x"\n', 1, "needs an id"),
        (
            '[[ignore]]\nid = "a"\nreason = "r"\npath = "x"\n\n[[ignore]]\nid = "a"\nreason = "r"\npath = "y"\n',
            7,
            "duplicate id 'a'",
        ),
        (
            '[[ignore]]\nid = "a"\nreason = "r"\npath = "x"\nexpires = "soon"\n',
            5,
            "expires must be a date",
        ),
        (
            '[[ignore]]\nid = "a"\nreason = "r"\npath = "x"\nexpires = 2026-13-45\n',
            5,
            "not valid TOML",
        ),
        ('[[ignore]]\nid = "a"\nreason = "r"\n', 1, "needs at least one of"),
        ('[[ignore]]\nid = "a"\nreason = "r"\nsection = "rules"\n', 4, "section must be one of"),
        ('[[severity]]\npath = "x"\nlevel = "critical"\n', 3, "level must be one of"),
        ('[map]\n"contoso-dev.com" = 3\n', 1, "[map] must map"),
        ('ignore = "x"\n', 1, "[[ignore]] tables"),
    ],
)
def test_invalid_policy_files_name_file_line_and_problem(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(InputError) as err:
        parse_policy(text, "driftcheck.toml")
    assert err.value.file == "driftcheck.toml"
    assert err.value.line == line
    assert message in err.value.message
    assert "\n" not in err.value.message


def test_glob_escape_matches_literally() -> None:
    from driftcheck.policy.matching import glob

    text = "IIF([a]*2?,1,0)"
    assert glob(glob_escape(text)).fullmatch(text)
    assert not glob(glob_escape(text)).fullmatch("IIF([a]*2?,1,00)")


def test_accepted_rules_are_valid_precise_and_expire() -> None:
    differences: list[Mapping[str, Any]] = [
        {
            "section": "connector",
            "object": "contoso.com",
            "path": "partitions/DC=contoso,DC=com/containers/inclusions",
            "change": "removed",
            "primary": "OU=Sales,DC=contoso,DC=com",
            "staging": None,
            "severity": "blocking",
        },
        {
            "section": "sync-rule",
            "object": "In from AD - User [Custom]*",
            "path": "join-groups",
            "change": "modified",
            "primary": ["a = a"],
            "staging": ["b = b"],
            "severity": "blocking",
        },
    ]
    text = accept_rules(
        differences,
        reason='Known "pilot" gap',
        expires=date(2026, 12, 22),
        taken_ids=set(),
        today=TODAY,
    )
    admin = parse_policy(text, "p.toml")
    assert [r.id for r in admin.ignore_rules] == ["accepted-20261122-001", "accepted-20261122-002"]
    assert all(r.expires == date(2026, 12, 22) for r in admin.ignore_rules)
    assert admin.ignore_rules[0].reason == 'Known "pilot" gap'
    assert admin.ignore_rules[0].matcher.matches(OU_REMOVED)
    it_removed = Change(
        OU_REMOVED.section,
        OU_REMOVED.object,
        OU_REMOVED.connector,
        OU_REMOVED.path,
        "removed",
        "OU=IT,DC=contoso,DC=com",
        None,
    )
    assert not admin.ignore_rules[0].matcher.matches(it_removed)


# --- the name map on real files ---------------------------------------------------------------


def make_dev_copy(prod: Path, target: Path) -> Path:
    """The same configuration in a DEV forest and tenant, on a server of its own."""
    shutil.copytree(prod, target)
    for f in target.rglob("*.xml"):
        text = f.read_text()
        text = text.replace("contoso.onmicrosoft.com", "contosodev.onmicrosoft.com")
        text = text.replace("DC=contoso,DC=com", "DC=contoso-dev,DC=com")
        text = text.replace("contoso.com", "contoso-dev.com")
        text = text.replace("SYNC01", "DEVSYNC01")
        f.write_text(text)
    return target


MAP = {
    "contoso-dev.com": "contoso.com",
    "DC=contoso-dev,DC=com": "DC=contoso,DC=com",
    "contosodev.onmicrosoft.com": "contoso.onmicrosoft.com",
}


def test_dev_and_prod_differ_without_the_map(minimal_export: Path, tmp_path: Path) -> None:
    dev = make_dev_copy(minimal_export, tmp_path / "dev")
    report = compare_exports(minimal_export, dev).to_json()
    assert report["summary"]["verdict"] == "drift"
    assert {d["object"] for d in report["differences"]} >= {"contoso.com", "contoso-dev.com"}


def test_name_map_makes_renamed_domain_and_tenant_compare_clean(
    minimal_export: Path, tmp_path: Path
) -> None:
    dev = make_dev_copy(minimal_export, tmp_path / "dev")
    report = compare_exports(minimal_export, dev, name_map=MAP, policy_file="p.toml").to_json()
    assert report["differences"] == []
    assert report["policy"] == {"file": "p.toml", "map": MAP}


def test_name_map_on_the_reference_export(reference_export: Path, tmp_path: Path) -> None:
    dev = make_dev_copy(reference_export, tmp_path / "dev")
    mapped = compare_exports(reference_export, dev, name_map=MAP).to_json()
    assert mapped["differences"] == []
    assert compare_exports(reference_export, dev).to_json()["summary"]["verdict"] == "drift"


# --- hostile policy files and values (issue 14, items 9, 10, 16) ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "{a = " * 50_000 + "1" + "}" * 50_000,
        "x = " + "[" * 50_000 + "]" * 50_000,
    ],
)
def test_a_deeply_nested_policy_is_one_line_not_a_recursion_error(text: str) -> None:
    with pytest.raises(InputError, match="nested too deeply") as err:
        parse_policy(text, "deep.toml")
    assert err.value.message.startswith("deep.toml") and "\n" not in err.value.message


def test_a_policy_that_is_a_folder_or_fifo_is_refused(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "policy.toml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_policy(fifo)


@pytest.mark.parametrize("value", ["a\x7fb", "esc \x1b[2J here", "tab\tand \u0085 next line"])
def test_accepted_values_with_control_characters_round_trip(value: str) -> None:
    difference = {
        "section": "connector",
        "object": "contoso\x7f.com",
        "path": "configuration/x",
        "change": "modified",
        "primary": "old",
        "staging": value,
        "severity": "warning",
    }
    text = accept_rules(
        [difference], reason="pilot\x7f", expires=date(2026, 12, 22), taken_ids=set(), today=TODAY
    )
    rule = parse_policy(text, "p.toml").ignore_rules[0]
    change = Change(
        "connector", "contoso\x7f.com", None, "configuration/x", "modified", "old", value
    )
    assert rule.matcher.matches(change)
    assert rule.reason == "pilot\x7f"


def _sign_in_to(export: Path, tenant: str) -> Path:
    """The export with its cloud sync account moved to ``tenant`` (another server's account)."""
    for f in (export / "Connectors").iterdir():
        text = f.read_text()
        f.write_text(
            text.replace(
                "Sync_FAB-SYNC02_c35efa4a5d3d@fabrikam.onmicrosoft.com",
                f"Sync_FAB-SYNC02_c35efa4a5d3d@{tenant}",
            )
        )
    return export


def test_a_staging_server_in_another_tenant_is_blocking_unless_mapped(
    sample_copy: Callable[[str], Path],
) -> None:
    primary = sample_copy("primary")
    staging = _sign_in_to(sample_copy("staging"), "fabrikamlab.onmicrosoft.com")
    report = compare_exports(primary, staging).to_json()
    tenant = [d for d in report["differences"] if d["path"] == "connectivity/UserName"]
    assert [(d["severity"], d["rule"]) for d in tenant] == [("blocking", "cloud-tenant")]
    mapped = compare_exports(
        primary, staging, name_map={"fabrikamlab.onmicrosoft.com": "fabrikam.onmicrosoft.com"}
    ).to_json()
    assert not [d for d in mapped["differences"] if d["path"] == "connectivity/UserName"]
    hidden = [r for r in mapped["ignore_rules"] if r["id"] == "cloud-sync-account"]
    assert hidden[0]["hidden"] >= 1
