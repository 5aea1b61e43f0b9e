"""Shared fixtures: the bundled samples, the reference export, and a minimal export writer."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
REFERENCE = ROOT.parent / "shared" / "reference-exports" / "contoso"

# The export kit (tools/exportkit) writes the samples and the benchmark estates; tests import it.
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

MINIMAL_MV = """<saved-mv-configuration server='SYNC01' export-date='2026-01-02 03:04:05.678'>
<!--WARNING>
!! The contents of this file should not be edited.
</WARNING-->
<mv-data>
 <format-version>1</format-version>
 <version>7</version>
 <schema>
  <dsml:dsml xmlns:ms-dsml="http://www.microsoft.com/MMS/DSML" xmlns:dsml="http://www.dsml.org/DSML">
   <dsml:directory-schema>
    <dsml:class id="person" type="structural"><dsml:name>person</dsml:name>
     <dsml:attribute ref="#department" required="false" /></dsml:class>
    <dsml:attribute-type id="department" single-value="true"><dsml:name>department</dsml:name>
     <dsml:syntax>1.3.6.1.4.1.1466.115.121.1.15</dsml:syntax></dsml:attribute-type>
   </dsml:directory-schema>
  </dsml:dsml>
 </schema>
 <parameter-values>
  <parameter name="Microsoft.Synchronize.StagingMode" type="string"
   use="SynchronizationGlobal" dataType="String">False</parameter>
 </parameter-values>
</mv-data>
</saved-mv-configuration>
"""

MINIMAL_CONNECTOR = """<ma-data>
  <format-version>1</format-version>
  <id>{11111111-2222-3333-4444-555555555555}</id>
  <name>contoso.com</name>
  <category>AD</category>
  <description />
  <private-configuration><adma-configuration>
    <forest-name>contoso.com</forest-name>
    <forest-login-domain>contoso.com</forest-login-domain>
    <parameter-values>
      <parameter name="forest-login-domain" type="string" use="connectivity"
        dataType="String">contoso.com</parameter>
      <parameter name="password" type="encrypted-string" use="connectivity"
        dataType="String" encrypted="1" />
    </parameter-values>
  </adma-configuration></private-configuration>
  <attribute-inclusion><attribute>department</attribute></attribute-inclusion>
  <ma-partition-data><partition>
    <id>{dc4c27db-d13d-460a-9a82-c48aba1ee815}</id>
    <name>DC=contoso,DC=com</name>
    <selected>1</selected>
    <filter><object-classes><object-class>user</object-class></object-classes>
      <containers><exclusions /><inclusions>
        <inclusion>OU=Sales,DC=contoso,DC=com</inclusion>
        <inclusion>OU=IT,DC=contoso,DC=com</inclusion>
      </inclusions></containers></filter>
  </partition></ma-partition-data>
</ma-data>
"""

MINIMAL_RULE = """<synchronizationRule>
  <id>{aaaaaaaa-2222-3333-4444-555555555555}</id>
  <name>In from AD - User Custom</name>
  <description />
  <immutable-tag />
  <direction>Inbound</direction>
  <disabled>False</disabled>
  <connector>{11111111-2222-3333-4444-555555555555}</connector>
  <sourceObjectType>user</sourceObjectType>
  <targetObjectType>person</targetObjectType>
  <linkType>Join</linkType>
  <precedence>50</precedence>
  <EnablePasswordSync>false</EnablePasswordSync>
  <attribute-mappings>
    <mapping><dest>department</dest><src><attr>department</attr></src>
      <valueMergeType>Update</valueMergeType></mapping>
    <mapping><dest>mail</dest><src><attr>mail</attr></src>
      <expression>Replace([mail], "@contoso.com", "@contoso.onmicrosoft.com")</expression>
      <valueMergeType>Update</valueMergeType></mapping>
  </attribute-mappings>
</synchronizationRule>
"""


def write_minimal_export(root: Path) -> Path:
    """A small export in the real layout: MV.xml, one connector, one sync rule."""
    (root / "GlobalSettings").mkdir(parents=True)
    (root / "Connectors").mkdir()
    (root / "SynchronizationRules").mkdir()
    (root / "GlobalSettings" / "MV.xml").write_text(MINIMAL_MV)
    (root / "Connectors" / "Connector_{11111111-2222-3333-4444-555555555555}.xml").write_text(
        MINIMAL_CONNECTOR
    )
    (
        root
        / "SynchronizationRules"
        / "SynchronizationRule_{aaaaaaaa-2222-3333-4444-555555555555}.xml"
    ).write_text(MINIMAL_RULE)
    return root


@pytest.fixture
def minimal_export(tmp_path: Path) -> Path:
    return write_minimal_export(tmp_path / "export")


@pytest.fixture
def reference_export() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference-exports/contoso is not present")
    return REFERENCE


@pytest.fixture
def sample_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A writable copy of samples/primary or samples/staging."""

    def copy(side: str) -> Path:
        target = tmp_path / side
        shutil.copytree(SAMPLES / side, target)
        return target

    return copy


#: A forest schema in the AD connector's style: default DSML namespace, synthetic ids.
#: (name, syntax, single-valued)
AD_ATTRIBUTES = (
    ("department", "1.3.6.1.4.1.1466.115.121.1.15", True),
    ("mail", "1.3.6.1.4.1.1466.115.121.1.15", True),
    ("member", "1.3.6.1.4.1.1466.115.121.1.12", False),
    ("objectGUID", "1.3.6.1.4.1.1466.115.121.1.40", True),
)
#: (name, superior, attributes)
AD_CLASSES: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("top", None, ("objectGUID",)),
    ("user", "top", ("department", "mail")),
    ("group", "top", ("mail", "member")),
)


def ad_schema(
    attributes: tuple[tuple[str, str, bool], ...] = AD_ATTRIBUTES,
    *,
    first_id: int = 0,
    reverse: bool = False,
    mms_namespace: str = "http://www.microsoft.com/MMS/DSML",
) -> str:
    """A ``<schema>`` element; ``first_id``/``reverse`` renumber and reorder it, as another
    server might write the same schema."""
    ids = {name: f"A{first_id + i}" for i, (name, _, _) in enumerate(attributes)}
    class_ids = {name: f"C{first_id + i}" for i, (name, _, _) in enumerate(AD_CLASSES)}
    types = [
        f'<attribute-type id="{ids[name]}"'
        + (' single-value="true"' if single else "")
        + f"><name>{name}</name><syntax>{syntax}</syntax></attribute-type>"
        for name, syntax, single in attributes
    ]
    classes = []
    for name, superior, members in AD_CLASSES:
        if name == "user":  # attributes beyond the base set extend class user
            members = members + tuple(a for a, _, _ in attributes[len(AD_ATTRIBUTES) :])
        refs = "".join(f'<attribute ref="#{ids[m]}" required="false" />' for m in members)
        sup = f' superior="#{class_ids[superior]}"' if superior else ""
        classes.append(
            f'<class id="{class_ids[name]}"{sup} type="structural"><name>{name}</name>{refs}</class>'
        )
    if reverse:
        types.reverse()
        classes.reverse()
    return (
        f'<schema><dsml xmlns="http://www.dsml.org/DSML" xmlns:m="{mms_namespace}">'
        f"<directory-schema>{''.join(types)}{''.join(classes)}</directory-schema></dsml></schema>"
    )


def connector_with_schema(schema: str) -> str:
    """The minimal connector with ``schema`` (see :func:`ad_schema`) in its place."""
    return MINIMAL_CONNECTOR.replace(
        "  <attribute-inclusion>", f"  {schema}\n  <attribute-inclusion>", 1
    )


def write_export_with_schema(root: Path, schema: str) -> Path:
    """The minimal export whose connector carries ``schema``."""
    write_minimal_export(root)
    (root / "Connectors" / "Connector_{11111111-2222-3333-4444-555555555555}.xml").write_text(
        connector_with_schema(schema)
    )
    return root
