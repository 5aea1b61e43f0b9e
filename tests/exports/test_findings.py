"""Every finding rule: when it fires, at which severity, and how the thresholds move it."""

from __future__ import annotations

from pathlib import Path

from driftcheck.exports import ExportsOptions, ExportsResult, Thresholds, verify_exports
from driftcheck.exports.rules import CATALOGUE, RuleSettings
from driftcheck.model.vocab import Severity
from tests.exports.csxml import CsExport, CsObject, DeltaAttr, user

AAD = "contoso.onmicrosoft.com - AAD"


def run(
    tmp_path: Path, objects: list[CsObject], name: str = AAD, **options: object
) -> ExportsResult:
    path = tmp_path / f"{name}.xml"
    path.write_bytes(CsExport(objects).bytes())
    return verify_exports([path], ExportsOptions(**options))  # type: ignore[arg-type]


def rules(result: ExportsResult) -> dict[str, Severity]:
    return {f.rule: f.severity for f in result.findings}


def deletes(n: int) -> list[CsObject]:
    return [
        CsObject(f"CN=D{i}", operation="delete", old={"displayName": f"D{i}"}) for i in range(n)
    ]


def change(
    i: int, name: str, old: str | list[str], new: str | list[str], binary: tuple[str, ...] = ()
) -> CsObject:
    multivalued = not isinstance(old, str)
    delta = DeltaAttr(
        name,
        "replace",
        [("", v) for v in ([new] if isinstance(new, str) else new)],
        multivalued=multivalued,
    )
    return CsObject(
        f"CN=U{i}",
        id=f"{{{i}}}",
        old={name: old},
        new={name: new},
        delta=[delta],
        binary=binary,
    )


def test_deletes_info_warning_blocking_by_the_threshold(tmp_path: Path) -> None:
    assert rules(run(tmp_path, deletes(3)))["deletes"] is Severity.INFO
    assert rules(run(tmp_path, deletes(400)))["deletes"] is Severity.WARNING  # 80% of 500
    result = run(tmp_path, deletes(500))
    assert rules(result)["deletes"] is Severity.BLOCKING
    assert result.summary.verdict == "fail" and result.summary.counts.deletes == 500


def test_deletion_threshold_from_policy(tmp_path: Path) -> None:
    result = run(tmp_path, deletes(10), thresholds=Thresholds(deletion_threshold=10))
    assert rules(result)["deletes"] is Severity.BLOCKING
    assert result.connectors[0].deletion_threshold_from == "policy file"


def test_anchor_change_is_blocking_but_a_first_value_is_not(tmp_path: Path) -> None:
    changed = change(1, "sourceAnchor", "QUJD", "REVG")
    assert rules(run(tmp_path, [changed]))["anchor-change"] is Severity.BLOCKING
    first = CsObject(
        "CN=N",
        old={"displayName": "N"},
        new={"displayName": "N", "sourceAnchor": "QUJD"},
        delta=[DeltaAttr("sourceAnchor", "add", [("", "QUJD")])],
    )
    assert "anchor-change" not in rules(run(tmp_path, [first]))


def test_consistency_guid_on_an_ad_connector(tmp_path: Path) -> None:
    obj = change(1, "ms-DS-ConsistencyGuid", "AAEC", "BBED", binary=("ms-DS-ConsistencyGuid",))
    result = run(tmp_path, [obj], name="contoso.com")
    assert rules(result)["anchor-change"] is Severity.BLOCKING
    assert result.connectors[0].kind == "ad"


def test_upn_changes_by_count_and_share(tmp_path: Path) -> None:
    few = [change(i, "userPrincipalName", f"u{i}@a.com", f"u{i}@b.com") for i in range(2)]
    padding = [user(100 + i) for i in range(200)]
    assert rules(run(tmp_path, few + padding))["upn-change"] is Severity.INFO
    many = [change(i, "userPrincipalName", f"u{i}@a.com", f"u{i}@b.com") for i in range(10)]
    assert rules(run(tmp_path, many + padding))["upn-change"] is Severity.WARNING
    share = [change(i, "userPrincipalName", f"u{i}@a.com", f"u{i}@b.com") for i in range(6)]
    assert rules(run(tmp_path, share + padding[:50]))["upn-change"] is Severity.WARNING  # 6 of 56


def test_upn_changes_over_the_deletion_threshold_are_blocking(tmp_path: Path) -> None:
    many = [change(i, "userPrincipalName", f"u{i}@a.com", f"u{i}@b.com") for i in range(20)]
    result = run(tmp_path, many, thresholds=Thresholds(deletion_threshold=20))
    assert rules(result)["upn-change"] is Severity.BLOCKING


def test_proxy_addresses_removed(tmp_path: Path) -> None:
    objs = [
        change(
            i, "proxyAddresses", [f"SMTP:u{i}@a.com", f"smtp:u{i}@old.com"], [f"SMTP:u{i}@a.com"]
        )
        for i in range(12)
    ]
    result = run(tmp_path, objs)
    assert rules(result)["proxy-addresses-removed"] is Severity.WARNING
    attribute = result.connectors[0].attributes[0]
    assert attribute.values_removed == 12 and attribute.values_added == 0
    added_only = [
        change(i, "proxyAddresses", [f"SMTP:u{i}@a.com"], [f"SMTP:u{i}@a.com", f"smtp:n{i}@a.com"])
        for i in range(12)
    ]
    assert "proxy-addresses-removed" not in rules(run(tmp_path, added_only))


def test_cloud_filtered_turning_true(tmp_path: Path) -> None:
    objs = [change(i, "cloudFiltered", "false", "true") for i in range(10)]
    assert rules(run(tmp_path, objs))["cloud-filtered"] is Severity.WARNING
    back = [change(i, "cloudFiltered", "true", "false") for i in range(10)]
    assert "cloud-filtered" not in rules(run(tmp_path, back))


def test_escrowed_and_unconfirmed_exports(tmp_path: Path) -> None:
    objs = [
        CsObject("CN=E", operation="none", escrowed=True),
        CsObject("CN=F", operation="none", unconfirmed=True),
    ]
    found = rules(run(tmp_path, objs))
    assert (
        found["escrowed-exports"] is Severity.WARNING
        and found["unconfirmed-exports"] is Severity.WARNING
    )


def test_mass_change_says_case_only(tmp_path: Path) -> None:
    objs = [user(i) for i in range(480)] + [user(1000 + i, "sales", "Marketing") for i in range(20)]
    result = run(tmp_path, objs, name="contoso.com")
    (finding,) = [f for f in result.findings if f.rule == "mass-change"]
    assert finding.severity is Severity.WARNING and finding.attribute == "department"
    assert "480 case-only, 20 changed" in finding.message
    assert "'sales' -> 'Sales' (480)" in finding.message
    department = result.connectors[0].attributes[0]
    assert department.kinds["case-only"] == 480 and department.transitions[0].objects == 480
    assert len(finding.examples) == 5


def test_rule_severity_and_enabled_from_thresholds(tmp_path: Path) -> None:
    objs = [change(1, "sourceAnchor", "QUJD", "REVG")]
    lowered = Thresholds().with_rule("anchor-change", severity=Severity.INFO)
    assert rules(run(tmp_path, objs, thresholds=lowered))["anchor-change"] is Severity.INFO
    off = Thresholds().with_rule("anchor-change", enabled=False)
    assert "anchor-change" not in rules(run(tmp_path, objs, thresholds=off))
    per_connector = Thresholds(
        connectors={AAD: {"anchor-change": RuleSettings(Severity.WARNING, 1, None)}}
    )
    assert rules(run(tmp_path, objs, thresholds=per_connector))["anchor-change"] is Severity.WARNING


def test_fail_on_moves_the_verdict(tmp_path: Path) -> None:
    objs = [CsObject("CN=E", operation="none", escrowed=True)]
    assert run(tmp_path, objs).summary.verdict == "fail"
    assert run(tmp_path, objs, fail_on=Severity.BLOCKING).summary.verdict == "pass"


def test_every_rule_of_the_catalogue_is_exercised() -> None:
    text = Path(__file__).read_text()
    for rule in CATALOGUE:
        assert f'"{rule.id}"' in text, rule.id


def test_top_transitions_are_bounded(tmp_path: Path) -> None:
    objs = [user(i, f"d{i}", f"e{i}") for i in range(50)] + [user(100 + i) for i in range(5)]
    result = run(tmp_path, objs, name="x", top=3)
    transitions = result.connectors[0].attributes[0].transitions
    assert len(transitions) == 3 and transitions[0].objects == 5


def test_patterns_show_what_per_user_transitions_share(tmp_path: Path) -> None:
    objs = [
        change(i, "userPrincipalName", f"user{i}@contoso.com", f"user{i}@corp.contoso.com")
        for i in range(30)
    ]
    result = run(tmp_path, objs)
    attribute = result.connectors[0].attributes[0]
    assert attribute.transitions[0].objects == 1
    assert [(p.old, p.new, p.objects) for p in attribute.patterns] == [
        ("…@contoso.com", "…@corp.contoso.com", 30)
    ]
    (finding,) = [f for f in result.findings if f.rule == "upn-change"]
    assert "most often '…@contoso.com' -> '…@corp.contoso.com' (30)" in finding.message
