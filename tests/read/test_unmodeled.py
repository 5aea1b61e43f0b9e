"""Sections driftcheck does not model are compared by identity, not by position.

Repeated elements are keyed by what identifies them (an object type, an attribute, the
connector a flow comes from, a name), GUID references are resolved to connector names, and an
element inserted into a list is one difference, not a cascade (issue 14, items 3-5).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from driftcheck.pipeline.compare import compare_exports
from tests.conftest import MINIMAL_MV

CONNECTOR = "Connectors/Connector_{11111111-2222-3333-4444-555555555555}.xml"

#: The AAD connector's shapes: primary_class_mappings/mapping and importing/dn/attribute.
CLASSES = ("contact", "device", "group", "user")


def aad_style_configuration(classes: tuple[str, ...]) -> str:
    mappings = "".join(
        f"<mapping><primary_class>{c}</primary_class><oc-value>{c}</oc-value></mapping>"
        for c in classes
    )
    dn = "".join(f'<attribute object_class="{c}">cloudAnchor</attribute>' for c in classes)
    return (
        f"<primary_class_mappings>{mappings}</primary_class_mappings>"
        f"<importing><dn>{dn}</dn></importing>"
    )


def with_connector_configuration(export: Path, xml: str) -> Path:
    connector = export / CONNECTOR
    text = connector.read_text()
    connector.write_text(text.replace("</adma-configuration>", xml + "</adma-configuration>", 1))
    return export


def pair(minimal_export: Path, tmp_path: Path) -> tuple[Path, Path]:
    staging = tmp_path / "staging"
    shutil.copytree(minimal_export, staging)
    return minimal_export, staging


def differences(primary: Path, staging: Path) -> list[dict[str, Any]]:
    return list(compare_exports(primary, staging).to_json()["differences"])


def test_one_inserted_mapping_and_dn_attribute_are_one_difference_each(
    minimal_export: Path, tmp_path: Path
) -> None:
    primary, staging = pair(minimal_export, tmp_path)
    with_connector_configuration(primary, aad_style_configuration(CLASSES))
    # an upgrade adds a class at the front: every later element would shift by position
    with_connector_configuration(staging, aad_style_configuration(("application", *CLASSES)))
    found = differences(primary, staging)
    assert [(d["change"], d["path"]) for d in found] == [
        ("added", "configuration/primary_class_mappings/mapping[application]"),
        ("added", "configuration/importing/dn/attribute[application]"),
    ]
    assert found[0]["staging"] == {"primary_class": "application", "oc-value": "application"}


def test_the_same_mappings_in_another_order_compare_clean(
    minimal_export: Path, tmp_path: Path
) -> None:
    primary, staging = pair(minimal_export, tmp_path)
    with_connector_configuration(primary, aad_style_configuration(CLASSES))
    with_connector_configuration(staging, aad_style_configuration(tuple(reversed(CLASSES))))
    assert differences(primary, staging) == []


def test_an_empty_element_that_becomes_populated_is_one_difference(
    minimal_export: Path, tmp_path: Path
) -> None:
    primary, staging = pair(minimal_export, tmp_path)
    with_connector_configuration(primary, "<component_mappings />")
    with_connector_configuration(
        staging, "<component_mappings><mapping><name>x</name></mapping></component_mappings>"
    )
    found = differences(primary, staging)
    assert len(found) == 1, found
    assert found[0]["path"] == "configuration/component_mappings"
    assert found[0]["change"] == "modified"
    assert found[0]["primary"] == ""


# --- a MIM-era metaverse with import flows -----------------------------------------------------

PRIMARY_AD = "{11111111-2222-3333-4444-555555555555}"
STAGING_AD = "{99999999-8888-7777-6666-555555555555}"


def import_flow_set(object_type: str, ma: str, attributes: tuple[str, ...]) -> str:
    flows = "".join(
        f'<import-flows mv-attribute="{a}" type="ranked">'
        f'<import-flow src-ma="{ma}" cd-object-type="user" id="{{{n:08d}-{ma[1:5]}-0000-0000-000000000000}}">'
        f"<direct-mapping><src-attribute>{a}</src-attribute></direct-mapping></import-flow>"
        "</import-flows>"
        for n, a in enumerate(attributes)
    )
    return f'<import-flow-set mv-object-type="{object_type}">{flows}</import-flow-set>'


def mim_metaverse(ma: str, sets: list[str], ui_version: str = "3") -> str:
    flows = f"<import-attribute-flow>{''.join(sets)}</import-attribute-flow>"
    ui = f'<ui-data><mv-ui-settings version="{ui_version}"><column width="20"/></mv-ui-settings></ui-data>'
    return MINIMAL_MV.replace("<parameter-values>", flows + ui + "<parameter-values>", 1)


ATTRIBUTES = tuple(f"extensionAttribute{n}" for n in range(1, 13))


def write_mim_pair(
    minimal_export: Path, tmp_path: Path, staging_sets: list[str]
) -> tuple[Path, Path]:
    primary, staging = pair(minimal_export, tmp_path)
    (primary / "GlobalSettings" / "MV.xml").write_text(
        mim_metaverse(PRIMARY_AD, [import_flow_set("person", PRIMARY_AD, ATTRIBUTES)])
    )
    (staging / "GlobalSettings" / "MV.xml").write_text(mim_metaverse(STAGING_AD, staging_sets, "9"))
    # the staging server's connector has its own GUID: references resolve to its name
    old = staging / CONNECTOR
    text = old.read_text().replace(PRIMARY_AD, STAGING_AD)
    old.unlink()
    (staging / "Connectors" / f"Connector_{STAGING_AD}.xml").write_text(text)
    rules = staging / "SynchronizationRules"
    for rule in rules.iterdir():
        rule.write_text(rule.read_text().replace(PRIMARY_AD, STAGING_AD))
    return primary, staging


def test_server_local_guids_and_ui_counters_are_not_differences(
    minimal_export: Path, tmp_path: Path
) -> None:
    primary, staging = write_mim_pair(
        minimal_export, tmp_path, [import_flow_set("person", STAGING_AD, ATTRIBUTES)]
    )
    report = compare_exports(primary, staging).to_json()
    assert report["differences"] == []
    hidden = {r["id"]: r["hidden"] for r in report["ignore_rules"]}
    assert hidden["change-tracking"] >= 1  # the ui-data version counter
    assert hidden["server-local-ids"] >= len(ATTRIBUTES)  # each import flow's own id


def test_one_inserted_import_flow_set_is_one_difference(
    minimal_export: Path, tmp_path: Path
) -> None:
    primary, staging = write_mim_pair(
        minimal_export,
        tmp_path,
        [
            import_flow_set("group", STAGING_AD, ATTRIBUTES[:6]),
            import_flow_set("person", STAGING_AD, ATTRIBUTES),
        ],
    )
    found = differences(primary, staging)
    assert [(d["change"], d["path"]) for d in found] == [
        ("added", "import-attribute-flow/import-flow-set[group]")
    ]
    assert "contoso.com" in str(found[0]["staging"])  # the source connector, by name


def test_a_flow_from_another_connector_is_reported_by_name(
    minimal_export: Path, tmp_path: Path
) -> None:
    other = "{77777777-2222-3333-4444-555555555555}"
    primary, staging = write_mim_pair(
        minimal_export, tmp_path, [import_flow_set("person", other, ATTRIBUTES)]
    )
    found = differences(primary, staging)
    assert found, "a flow whose source connector is not in the export must be reported"
    assert all("import-flow-set[person]" in d["path"] for d in found)


def test_the_rank_of_import_flows_is_compared_as_one_value() -> None:
    from driftcheck.read.safexml import parse_xml
    from driftcheck.read.xmltree import flatten

    def flows(first: str, second: str) -> dict[str, str]:
        xml = (
            f'<import-flows mv-attribute="mail" type="ranked">'
            f'<import-flow src-ma="{first}" cd-object-type="user"><direct-mapping/></import-flow>'
            f'<import-flow src-ma="{second}" cd-object-type="user"><direct-mapping/></import-flow>'
            "</import-flows>"
        )
        refs = {"11111111-2222-3333-4444-555555555555": "contoso.com",
                "22222222-2222-3333-4444-555555555555": "fabrikam.com"}  # fmt: skip
        return dict(flatten(parse_xml(xml.encode(), "mv.xml"), references=refs))

    a, b = PRIMARY_AD, "{22222222-2222-3333-4444-555555555555}"
    primary, staging = flows(a, b), flows(b, a)
    changed = {k for k in primary.keys() | staging.keys() if primary.get(k) != staging.get(k)}
    assert changed == {"import-flow (order)"}
    assert primary["import-flow (order)"] == "user, contoso.com > user, fabrikam.com"


def test_a_list_of_unnamed_values_keeps_its_order_as_one_value() -> None:
    from driftcheck.read.safexml import parse_xml
    from driftcheck.read.xmltree import flatten

    def dcs(*names: str) -> dict[str, str]:
        xml = "<preferred-dcs>" + "".join(f"<preferred-dc>{n}</preferred-dc>" for n in names)
        return dict(flatten(parse_xml((xml + "</preferred-dcs>").encode(), "c.xml")))

    primary, staging = dcs("dc1", "dc2", "dc3"), dcs("dc0", "dc1", "dc2", "dc3")
    changed = {k for k in primary.keys() | staging.keys() if primary.get(k) != staging.get(k)}
    assert changed == {"preferred-dc[dc0]", "preferred-dc (order)"}
    swapped = dcs("dc2", "dc1", "dc3")
    assert {k for k in primary if primary[k] != swapped.get(k)} == {"preferred-dc (order)"}
