"""The export kit (tools/exportkit): the estate's shape, determinism, noise and drift; the
writer's file styles; one noise transform per built-in ignore rule; the manifest format.

Small sizes only (2 connectors x 5 rules): the benchmark exercises the large ones.
"""

from __future__ import annotations

import copy
import json
import random
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from exportkit import Night, estate, fabrikam, nights, noise, self_findings, writer
from exportkit.catalog import aad_rules
from exportkit.manifest import Finding, manifest, read_findings, write_manifest
from exportkit.model import FileStyle
from lxml import etree

from driftcheck.cli.app import main
from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES
from tests.conftest import SAMPLES

CONNECTORS, RULES, DRIFT, SEED = 2, 5, 9, 7
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ZERO = "00000000-0000-0000-0000-000000000000"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
RuleKey = tuple[str, str, str]


def parse(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes(), PARSER)


def text(el: etree._Element, name: str) -> str:
    found = el.find(name)
    return (found.text or "") if found is not None else ""


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, estate.EstateSummary]:
    out = tmp_path_factory.mktemp("pair")
    summary = estate.write_pair(out, CONNECTORS, RULES, drift=DRIFT, seed=SEED)
    return out, summary


def connectors(export: Path) -> dict[str, etree._Element]:
    """Connector id (lower-case, no braces) -> parsed ma-data."""
    out = {}
    for f in sorted((export / "Connectors").glob("*.xml")):
        root = parse(f)
        out[text(root, "id").strip("{}").lower()] = root
    return out


def rules(export: Path) -> dict[RuleKey, etree._Element]:
    """(connector name in lower case, direction, rule name) -> parsed rule."""
    names = {guid: text(root, "name").lower() for guid, root in connectors(export).items()}
    out: dict[RuleKey, etree._Element] = {}
    for f in sorted((export / "SynchronizationRules").glob("*.xml")):
        root = parse(f)
        connector = names[text(root, "connector").strip("{}")]
        key = (connector, text(root, "direction"), text(root, "name"))
        assert key not in out, f"duplicate rule name per (connector, direction): {key}"
        out[key] = root
    return out


def settings(export: Path) -> dict[str, str]:
    root = parse(export / "GlobalSettings" / "MV.xml")
    return {p.get("name", ""): p.text or "" for p in root.iter("parameter")}


def rule_configuration(root: etree._Element) -> bytes:
    """A rule without what is server-local (ids, connector reference, precedence, counter)."""
    copy = etree.fromstring(etree.tostring(root))
    for name in ("id", "internal-id", "connector", "precedence", "version"):
        el = copy.find(name)
        assert el is not None
        copy.remove(el)
    return etree.tostring(copy)


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_layout_and_summary(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, summary = pair
    for side, stats in (("primary", summary.primary), ("staging", summary.staging)):
        export = out / side
        assert len(list((export / "Connectors").glob("Connector_{*}.xml"))) == CONNECTORS + 1
        assert (export / "GlobalSettings" / "MV.xml").is_file()
        rule_files = list((export / "SynchronizationRules").glob("SynchronizationRule_{*}.xml"))
        assert len(rule_files) == stats.rules
        assert stats.files == CONNECTORS + 1 + 1 + stats.rules
        assert stats.bytes == sum(p.stat().st_size for p in export.rglob("*.xml"))
    cloud_rules = len(aad_rules("aad")) + 1  # and the device join
    assert summary.primary.rules == CONNECTORS * RULES + cloud_rules
    assert summary.files == summary.primary.files + summary.staging.files


def test_every_file_parses_with_the_expected_root(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    roots = Counter(parse(f).tag for f in out.rglob("*.xml"))
    assert set(roots) == {"ma-data", "saved-mv-configuration", "synchronizationRule"}
    assert roots["saved-mv-configuration"] == 2


def test_file_names_match_ids(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    for side in ("primary", "staging"):
        for f in (out / side / "Connectors").glob("*.xml"):
            ident = text(parse(f), "id")
            assert ident == ident.upper()
            assert f.name == f"Connector_{ident.lower()}.xml"
        for f in (out / side / "SynchronizationRules").glob("*.xml"):
            root = parse(f)
            assert f.name == f"SynchronizationRule_{text(root, 'id')}.xml"
            assert text(root, "id") == text(root, "internal-id") == text(root, "id").lower()


def test_ad_connector_looks_like_a_real_export(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    ad = [r for r in connectors(out / "primary").values() if text(r, "category") == "AD"]
    assert len(ad) == CONNECTORS
    root = ad[0]
    assert re.fullmatch(r"forest\d{2}\.fabrikam\.com", text(root, "name"))
    dsml = root.find("schema/{http://www.dsml.org/DSML}dsml")
    assert dsml is not None and dsml.prefix is None  # default namespace, as exported
    schema = dsml[0]
    kinds = Counter(etree.QName(e).localname for e in schema)
    assert kinds["attribute-type"] > 3000 and kinds["class"] > 500
    assert kinds["dit-content-rule"] > 400
    ids = {e.get("id") for e in schema if etree.QName(e).localname in ("attribute-type", "class")}
    assert "A0" in ids and "C0" in ids
    refs = {e.get("ref", "")[1:] for e in schema.iter() if e.get("ref")}
    assert refs and refs <= ids  # every "#A25j" resolves
    f = next((out / "primary" / "Connectors").glob(f"Connector_{text(root, 'id').lower()}.xml"))
    lines = f.read_text().split("\n")
    assert len(lines) == 14 and len(lines[-1]) > 1_000_000  # the one long line
    partitions = root.findall("ma-partition-data/partition")
    assert partitions and all(
        p.find("filter/containers/inclusions/inclusion") is not None for p in partitions
    )
    steps = root.findall("ma-run-data/run-configuration/configuration/step/partition")
    part_ids = {text(p, "id").upper() for p in partitions}
    assert {s.text for s in steps} <= part_ids


def test_aad_connector_and_mv_use_prefixed_dsml(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    aad = [r for r in connectors(out / "primary").values() if text(r, "category") == "Extensible2"]
    assert len(aad) == 1
    for root in (aad[0], parse(out / "primary" / "GlobalSettings" / "MV.xml").find("mv-data")):
        assert root is not None
        dsml = root.find("schema/{http://www.dsml.org/DSML}dsml")
        assert dsml is not None and dsml.prefix == "dsml"
    mv_text = (out / "primary" / "GlobalSettings" / "MV.xml").read_text()
    assert mv_text.startswith("<saved-mv-configuration server='")
    assert "<!--WARNING>" in mv_text
    assert len(settings(out / "primary")) == 41  # a 2.x server's global parameters


def test_deterministic_for_a_seed(tmp_path: Path, pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    again = tmp_path / "again"
    estate.write_pair(again, CONNECTORS, RULES, drift=DRIFT, seed=SEED)
    assert files(again) == files(out)
    other = tmp_path / "other"
    estate.write_pair(other, CONNECTORS, RULES, drift=DRIFT, seed=SEED + 1)
    assert files(other) != files(out)


def test_staging_guids_are_fresh(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair

    def guids(export: Path) -> set[str]:
        found = set()
        for f in export.rglob("*.xml"):
            found |= {g.lower() for g in GUID.findall(f.read_text())}
        return found - {ZERO}

    domain_guids = {
        text(p, "custom-data/adma-partition-data/guid").strip("{}").lower()
        for root in connectors(out / "primary").values()
        for p in root.iter("partition")
        if p.find("custom-data/adma-partition-data") is not None
    }
    assert domain_guids
    # Only the AD domain GUIDs (not server-local) are shared by the two servers.
    assert guids(out / "primary") & guids(out / "staging") == domain_guids


def test_staging_references_are_repointed(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    staging = out / "staging"
    conns = connectors(staging)
    aad_id = next(g for g, r in conns.items() if text(r, "category") == "Extensible2")
    for f in (staging / "SynchronizationRules").glob("*.xml"):
        assert text(parse(f), "connector").strip("{}") in conns
    for root in conns.values():
        target = root.find(
            "private-configuration/adma-configuration/password-hash-sync-config/target"
        )
        if target is not None:
            assert (target.text or "").strip("{}").lower() == aad_id
        part_ids = {text(p, "id").upper() for p in root.iter("partition")}
        for step in root.iter("step"):
            assert text(step, "partition") in part_ids


def test_server_identities_differ(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    p_set, s_set = settings(out / "primary"), settings(out / "staging")
    assert p_set["Microsoft.Synchronize.StagingMode"] == "False"
    assert s_set["Microsoft.Synchronize.StagingMode"] == "True"
    p_root = parse(out / "primary" / "GlobalSettings" / "MV.xml")
    s_root = parse(out / "staging" / "GlobalSettings" / "MV.xml")
    assert p_root.get("server") != s_root.get("server")
    p_ad = sorted((text(r, "name"), r) for r in connectors(out / "primary").values())
    s_ad = sorted((text(r, "name"), r) for r in connectors(out / "staging").values())
    for (name, p), (_, s) in zip(p_ad, s_ad, strict=True):
        for path in ("creation-time", "version"):
            assert text(p, path) != text(s, path), (name, path)
        for path in ("private-configuration/adma-configuration/forest-login-user", ".//last-dc"):
            if p.find(path) is not None:
                assert text(p, path) != text(s, path), (name, path)


def test_precedence_renumbered_in_the_same_order(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, _ = pair
    primary, staging = rules(out / "primary"), rules(out / "staging")
    p_prec = {k: int(text(r, "precedence")) for k, r in primary.items()}
    s_prec = {k: int(text(r, "precedence")) for k, r in staging.items()}
    assert len(set(p_prec.values())) == len(p_prec)
    assert len(set(s_prec.values())) == len(s_prec)
    common = p_prec.keys() & s_prec.keys()
    assert all(p_prec[k] != s_prec[k] for k in common)
    assert sorted(common, key=p_prec.__getitem__) == sorted(common, key=s_prec.__getitem__)


def test_rule_names_unique_per_connector_and_direction(tmp_path: Path) -> None:
    estate.write_pair(tmp_path, 2, 40, drift=4, seed=3)  # enough rules for custom ones
    for side in ("primary", "staging"):
        found = rules(tmp_path / side)  # asserts uniqueness while loading
        assert any(text(r, "immutable-tag") == "" for r in found.values())
        assert any(text(r, "immutable-tag").startswith("Microsoft.") for r in found.values())
        assert {k[1] for k in found} == {"Inbound", "Outbound"}


def test_planted_manifest(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, summary = pair
    manifest = json.loads((out / "planted.json").read_text())
    assert manifest["format"] == "exportkit/manifest/v1"
    planted = manifest["planted"]
    assert len(planted) == DRIFT == len(summary.planted)
    assert manifest["seed"] == SEED
    sections = {"global-settings", "metaverse", "connector", "sync-rule"}
    assert all(p["section"] in sections and p["object"] and p["description"] for p in planted)
    assert len({p["kind"] for p in planted}) >= 6
    assert all(p["connector"] and p["direction"] for p in planted if p["section"] == "sync-rule")
    findings = read_findings(out / "planted.json")
    assert len(findings) >= DRIFT
    assert {f.cls for f in findings} == {p["kind"] for p in planted}


def test_only_planted_rules_differ(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, summary = pair
    primary, staging = rules(out / "primary"), rules(out / "staging")
    planted = {(p.connector.lower(), p.direction, p.object) for p in summary.planted if p.connector}
    for key in primary.keys() | staging.keys():
        same = (
            key in primary
            and key in staging
            and rule_configuration(primary[key]) == rule_configuration(staging[key])
        )
        assert same != (key in planted), key


def test_only_planted_settings_differ(pair: tuple[Path, estate.EstateSummary]) -> None:
    out, summary = pair
    p_set, s_set = settings(out / "primary"), settings(out / "staging")
    differing = {n for n in p_set if p_set[n] != s_set[n]}
    planted = {p.object for p in summary.planted if p.section == "global-settings"}
    server_local = {"Microsoft.Synchronize.StagingMode", "Microsoft.Synchronize.NextStartTime"}
    assert differing == planted | server_local


def test_refuses_to_overwrite_and_bad_sizes(tmp_path: Path) -> None:
    (tmp_path / "primary").mkdir()
    (tmp_path / "primary" / "x.txt").write_text("x")
    with pytest.raises(FileExistsError):
        estate.write_pair(tmp_path, 1, 1)
    with pytest.raises(ValueError):
        estate.write_pair(tmp_path / "new", 0, 5)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(tmp_path), "--connectors", "1", "--rules-per-connector", "3", "--drift", "2"]
    assert estate.main(args) == 0
    assert "2 planted differences" in capsys.readouterr().out
    assert len(json.loads((tmp_path / "planted.json").read_text())["planted"]) == 2
    assert estate.main(args) == 2  # folder not empty


# --- driftcheck against the kit's manifests ---------------------------------------------------


def report_of(primary: Path, staging: Path, out: Path) -> dict[str, Any]:
    """``driftcheck compare --json``'s report (the JSON document is the stable interface),
    as an equal-version comparison: the nights' findings carry those severities."""
    args = ["compare", str(primary), str(staging), "--json", str(out), "--quiet"]
    code = main([*args, "--no-upgrade-mode"])
    assert code in (0, 1)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def finding_keys(report: dict[str, Any]) -> set[tuple[str, ...]]:
    keys = ("section", "object", "connector", "path", "change", "severity")
    return {tuple(d[k] for k in keys) for d in report["differences"]}


def test_driftcheck_reports_exactly_the_planted_findings(
    tmp_path: Path, pair: tuple[Path, estate.EstateSummary]
) -> None:
    out, _ = pair
    report = report_of(out / "primary", out / "staging", tmp_path / "r.json")
    expected = {(*f.key, f.severity) for f in read_findings(out / "planted.json")}
    assert finding_keys(report) == expected


# --- the writer's file styles -------------------------------------------------------------------


def test_file_styles_are_what_a_windows_tool_writes(tmp_path: Path) -> None:
    export = fabrikam.build_export("primary")
    rule = export.rules[0]
    plain = writer.styled(writer.render_rule(rule, "1" * 32), FileStyle())
    assert plain.startswith(b"<synchronizationRule>") and b"\r\n" not in plain
    utf16 = writer.styled(writer.render_rule(rule, "1" * 32), FileStyle(crlf=True, utf16=True))
    assert utf16.startswith(b"\xff\xfe") and utf16[2:].decode("utf-16-le").count("\r\n") > 10
    assert etree.fromstring(utf16).tag == "synchronizationRule"
    mv = writer.styled(writer.render_mv(export.mv), FileStyle(ns_prefixes=True))
    assert b"<ns0:dsml" in mv and etree.fromstring(mv).tag == "saved-mv-configuration"
    ad = export.ad[0]
    wrapped = writer.styled(writer.render_ad_connector(ad), FileStyle(gui_wrapper=("S2", "d")))
    root = etree.fromstring(wrapped)
    assert root.tag == "saved-ma-configuration" and root.get("server") == "S2"
    assert root[0].tag == "ma-data" or root.find("ma-data") is not None
    lines = writer.render_ad_connector(ad).split("\n")
    assert len(lines) == 14 and lines[-1].startswith("  <password-sync-allowed>")


def test_write_export_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(FileExistsError):
        writer.write_export(tmp_path, fabrikam.build_export("primary"))


# --- one noise transform per built-in ignore rule ------------------------------------------------


def test_there_is_one_noise_transform_per_built_in_ignore_rule() -> None:
    assert set(noise.TRANSFORMS) == {rule.id for rule in BUILT_IN_IGNORE_RULES}


@pytest.mark.parametrize("rule_id", sorted(noise.TRANSFORMS))
def test_each_noise_transform_is_hidden_by_its_ignore_rule(tmp_path: Path, rule_id: str) -> None:
    before = fabrikam.build_export("primary")
    after = copy.deepcopy(before)
    noise.TRANSFORMS[rule_id](after, random.Random(rule_id))
    writer.write_export(tmp_path / "a", before)
    writer.write_export(tmp_path / "b", after)
    report = report_of(tmp_path / "a", tmp_path / "b", tmp_path / "r.json")
    assert report["differences"] == []
    assert {s["ignored_by"] for s in report["suppressed"]} == {rule_id}


# --- the manifest format -------------------------------------------------------------------------


def test_manifest_round_trip_and_foreign_files(tmp_path: Path) -> None:
    findings = [
        Finding("sync-rule", "R", "c", "disabled", "modified", "blocking", item="5"),
        Finding("global-settings", "S", None, "value", "modified", "info", cls="new-parameter"),
    ]
    path = tmp_path / "m.json"
    write_manifest(path, manifest("test", findings, note="x"))
    assert read_findings(path) == findings
    assert json.loads(path.read_text())["note"] == "x"
    path.write_text('{"format": "something/else", "findings": []}')
    with pytest.raises(ValueError, match="not an exportkit/manifest/v1 manifest"):
        read_findings(path)


def test_samples_manifest_covers_every_drift_item() -> None:
    findings = read_findings(SAMPLES / "expected-drift.json")
    document = json.loads((SAMPLES / "expected-drift.json").read_text())
    assert {f.item for f in findings} == {str(i["id"]) for i in document["items"]}
    assert {f.severity for f in findings} == {"blocking", "warning", "info"}
    assert document["primary"]["server"] == "FAB-SYNC01"


# --- the nightly drop folder ----------------------------------------------------------------------

NIGHTS = [
    Night("2025-03-01"),
    Night("2025-03-02", staging=("delete-threshold",)),
    Night("2025-03-03", staging=("delete-threshold",), primary=("ou-filter", "oob-disabled")),
    Night("2025-03-04", upgraded=True, skip=("primary",), half_copied=("staging",)),
]


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("drop")
    return folder, nights(folder, NIGHTS)


def test_nights_write_one_zip_per_server_and_night(drop: tuple[Path, list[Path]]) -> None:
    folder, written = drop
    assert [p.relative_to(folder).as_posix() for p in written] == [
        "FAB-SYNC01/FAB-SYNC01_2025-03-01.zip",
        "FAB-SYNC02/FAB-SYNC02_2025-03-01.zip",
        "FAB-SYNC01/FAB-SYNC01_2025-03-02.zip",
        "FAB-SYNC02/FAB-SYNC02_2025-03-02.zip",
        "FAB-SYNC01/FAB-SYNC01_2025-03-03.zip",
        "FAB-SYNC02/FAB-SYNC02_2025-03-03.zip",
        "FAB-SYNC02/FAB-SYNC02_2025-03-04.zip",
    ]
    assert sorted(p.name for p in folder.rglob("*")) == sorted(
        [p.name for p in written] + ["FAB-SYNC01", "FAB-SYNC02"]
    )
    with zipfile.ZipFile(written[3]) as zf:
        mv = etree.fromstring(zf.read("FAB-SYNC02_2025-03-02/GlobalSettings/MV.xml"))
    assert mv.get("server") == "FAB-SYNC02"
    assert (mv.get("export-date") or "").startswith("2025-03-02 02:2")
    assert not zipfile.is_zipfile(written[-1])  # still being copied


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_nights_pair_reports_its_findings(
    tmp_path: Path, drop: tuple[Path, list[Path]], index: int
) -> None:
    _, written = drop
    primary, staging = written[2 * index], written[2 * index + 1]
    report = report_of(primary, staging, tmp_path / "r.json")
    assert finding_keys(report) == {(*f.key, f.severity) for f in NIGHTS[index].pair_findings()}


def test_self_drift_between_two_nights(tmp_path: Path, drop: tuple[Path, list[Path]]) -> None:
    _, written = drop
    report = report_of(written[2], written[4], tmp_path / "r.json")  # primary, nights 2 and 3
    expected = self_findings(NIGHTS[1], NIGHTS[2], "primary")
    assert {f.cls for f in expected} == {"ou-filter", "oob-disabled"}
    assert finding_keys(report) == {(*f.key, f.severity) for f in expected}
    assert report["differences"] and not self_findings(NIGHTS[1], NIGHTS[2], "staging")


def test_an_upgraded_night_and_folders(tmp_path: Path) -> None:
    night = Night("2025-04-01", upgraded=True)
    primary, staging = nights(tmp_path, [night], zipped=False)
    assert primary.is_dir() and (staging / "GlobalSettings" / "MV.xml").is_file()
    report = report_of(primary, staging, tmp_path / "r.json")
    assert finding_keys(report) == {(*f.key, f.severity) for f in night.pair_findings()}
