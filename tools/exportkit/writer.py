"""Model to files: the one serializer of the export format (``exportkit.model`` -> bytes).

Writes exactly what ``Get-ADSyncServerConfiguration -Path X`` writes on an Entra Connect 2.x
server (see ``../shared/notes/export-format.md``): ``Connectors/Connector_{guid}.xml`` (root
``ma-data``; the AD connector's DSML in the default namespace with synthetic ids and its body on
one long line; the AAD connector's DSML with ``dsml:``/``ms-dsml:`` prefixes),
``GlobalSettings/MV.xml`` (single-quoted root attributes, the ``<!--WARNING>`` comment) and
``SynchronizationRules/SynchronizationRule_{guid}.xml``. Each file's :class:`~.model.FileStyle`
adds what a re-saved file shows: CRLF, UTF-16LE with BOM, ``ns0:`` prefixes, the GUI wrapper.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .model import (
    RUN_PROFILES,
    AadConnector,
    AdConnector,
    AdSchema,
    Export,
    FileStyle,
    Metaverse,
    Param,
    Rule,
)
from .text import WARNING_COMMENT, ZERO_GUID, esc, esc_attr, lo, to_bytes, up

# --------------------------------------------------------------------------------------------
# Sync rules
# --------------------------------------------------------------------------------------------


def render_rule(rule: Rule, conn_guid: str) -> str:
    """One ``synchronizationRule`` file's text (no trailing newline, as exported)."""
    lines: list[str] = ["<synchronizationRule>"]
    add = lines.append
    add(f"  <id>{lo(rule.guid)}</id>")
    add(f"  <internal-id>{lo(rule.guid)}</internal-id>")
    add(f"  <version>{rule.version}</version>")
    add(f"  <name>{esc(rule.name)}</name>")
    add(
        f"  <description>{esc(rule.description)}</description>"
        if rule.description
        else "  <description />"
    )
    add(f"  <immutable-tag>{rule.tag}</immutable-tag>" if rule.tag else "  <immutable-tag />")
    add(f"  <direction>{rule.direction}</direction>")
    add(f"  <disabled>{'True' if rule.disabled else 'False'}</disabled>")
    add(f"  <connector>{lo(conn_guid)}</connector>")
    add(f"  <sourceObjectType>{rule.src_type}</sourceObjectType>")
    add(f"  <targetObjectType>{rule.tgt_type}</targetObjectType>")
    add(f"  <linkType>{rule.link}</linkType>")
    add(f"  <precedence>{rule.precedence}</precedence>")
    add(f"  <precedence-after>{ZERO_GUID}</precedence-after>")
    add(f"  <precedence-before>{ZERO_GUID}</precedence-before>")
    add("  <softDeleteExpiryInterval>00:00:00</softDeleteExpiryInterval>")
    add(f"  <EnablePasswordSync>{'true' if rule.eps else 'false'}</EnablePasswordSync>")
    if rule.mappings:
        add("  <attribute-mappings>")
        for mp in rule.mappings:
            add('    <mapping execute-once="true">' if mp.once else "    <mapping>")
            add(f"      <dest>{esc(mp.dest)}</dest>")
            if isinstance(mp.src, list):
                add("      <src>")
                for a in mp.src:
                    add(f"        <attr>{esc(a)}</attr>")
                add("      </src>")
            elif isinstance(mp.src, str):
                add(f"      <src>{esc(mp.src)}</src>")
            if mp.expr is not None:
                add(f"      <expression>{esc(mp.expr)}</expression>")
            add(f"      <valueMergeType>{mp.merge}</valueMergeType>")
            add("    </mapping>")
        add("  </attribute-mappings>")
    else:
        add("  <attribute-mappings />")
    if rule.joins:
        add("  <relationshipCriteria>")
        for jgroup in rule.joins:
            add("    <conditions>")
            for cs, ilm, case in jgroup:
                add("      <condition>")
                if case:
                    add("        <caseSensitive>True</caseSensitive>")
                add(f"        <csAttribute>{esc(cs)}</csAttribute>")
                add(f"        <ilmAttribute>{esc(ilm)}</ilmAttribute>")
                add("      </condition>")
            add("    </conditions>")
        add("  </relationshipCriteria>")
    else:
        add("  <relationshipCriteria />")
    if rule.scopes:
        add("  <synchronizationCriteria>")
        for group in rule.scopes:
            add("    <conditions>")
            for attr, op, value in group:
                add("      <scope>")
                add(f"        <csAttribute>{esc(attr)}</csAttribute>")
                add(f"        <csOperator>{op}</csOperator>")
                add(f"        <csValue>{esc(value)}</csValue>" if value else "        <csValue />")
                add("      </scope>")
            add("    </conditions>")
        add("  </synchronizationCriteria>")
    else:
        add("  <synchronizationCriteria />")
    add("</synchronizationRule>")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Connectors
# --------------------------------------------------------------------------------------------


def render_param(p: Param) -> str:
    attrs = f'name="{esc_attr(p.name)}" type="{p.ptype}" use="{p.use}" dataType="{p.data_type}"'
    if p.encrypted:
        return f'<parameter {attrs} encrypted="1" />'
    if p.intrinsic:
        attrs += ' intrinsic="1"'
    if p.value is None or p.value == "":
        return f"<parameter {attrs} />"
    return f"<parameter {attrs}>{esc(p.value)}</parameter>"


def param(name: str, value: str | None, use: str, **kwargs: bool | str) -> str:
    """Shorthand for :func:`render_param` of a :class:`Param` built from the arguments."""
    return render_param(Param(name, value, use, **kwargs))  # type: ignore[arg-type]


def _header(
    guid: str,
    name: str,
    category: str,
    created: str,
    modified: str,
    version: int,
    internal: int,
    subtype: str = "",
    listname: str = "",
    company: str = "",
) -> list[str]:
    def opt(tag: str, value: str) -> str:
        return f"  <{tag}>{esc(value)}</{tag}>" if value else f"  <{tag} />"

    return [
        "<ma-data>",
        "  <format-version>1</format-version>",
        f"  <id>{up(guid)}</id>",
        f"  <name>{esc(name)}</name>",
        f"  <category>{category}</category>",
        "  <description />",
        opt("subtype", subtype),
        opt("ma-listname", listname),
        opt("ma-companyname", company),
        f"  <creation-time>{created}</creation-time>",
        f"  <last-modification-time>{modified}</last-modification-time>",
        f"  <version>{version}</version>",
        f"  <internal-version>{internal}</internal-version>",
    ]


def render_ad_schema(schema: AdSchema) -> str:
    """The AD connector's DSML: default namespace, synthetic ids, all on one line."""
    out = [
        '<dsml xmlns="http://www.dsml.org/DSML" xmlns:m="http://www.microsoft.com/MMS/DSML">'
        "<directory-schema>"
    ]
    add = out.append
    for t in schema.attribute_types:
        flags = "".join(f' {k}="{v}"' for k, v in t.flags)
        add(
            f'<attribute-type id="{t.id}"{flags}><name>{t.name}</name>'
            f"<syntax>{t.syntax}</syntax></attribute-type>"
        )
    for c in schema.classes:
        sup = f' superior="#{c.superior}"' if c.superior else ""
        body = "".join(
            f'<attribute ref="#{a}" required="{"true" if req else "false"}" />'
            for a, req in c.members
        )
        add(f'<class id="{c.id}"{sup} type="{c.type}"><name>{c.name}</name>{body}</class>')
    for d in schema.dit_rules:
        body = "".join(
            f'<attribute ref="#{a}" required="{"true" if req else "false"}" />'
            for a, req in d.members
        )
        body += "".join(f'<m:aux-class ref="#{x}" />' for x in d.aux)
        add(f'<m:dit-content-rule id="{d.id}">{body}</m:dit-content-rule>')
    add("</directory-schema></dsml>")
    return "".join(out)


_STEPS = {
    "Full Import": (
        '<step-type type="full-import"><import-subtype>to-cs</import-subtype></step-type>',
        50,
    ),
    "Full Synchronization": (
        '<step-type type="apply-rules"><apply-rules-subtype>'
        "reevaluate-flow-connectors</apply-rules-subtype></step-type>",
        0,
    ),
    "Delta Import": (
        '<step-type type="delta-import"><import-subtype>to-cs</import-subtype></step-type>',
        50,
    ),
    "Delta Synchronization": (
        '<step-type type="apply-rules"><apply-rules-subtype>'
        "apply-pending</apply-rules-subtype></step-type>",
        0,
    ),
    "Export": ('<step-type type="export" />', 30),
}


def _run_profiles(
    run_ids: dict[str, str],
    version: int,
    partitions: list[str],
    page_sizes: dict[str, int] | None,
) -> str:
    """``ma-run-data``; ``page_sizes`` None means an ECMA (AAD) connector's step data."""
    out = ["<ma-run-data>"]
    for profile in RUN_PROFILES:
        step_type, batch = _STEPS[profile]
        if page_sizes is not None:
            page = page_sizes.get(profile, 500)
            custom = (
                f"<adma-step-data><batch-size>{batch}</batch-size><page-size>{page}"
                "</page-size><time-limit>120</time-limit></adma-step-data>"
            )
        else:
            custom = (
                f"<extensible2-step-data><timeout>120</timeout><batch-size>{batch}"
                "</batch-size></extensible2-step-data><parameter-values />"
            )
        steps = "".join(
            f"<step>{step_type}<threshold><object>0</object><batch-size>{batch}</batch-size>"
            f"</threshold><partition>{up(part)}</partition><custom-data>{custom}</custom-data>"
            "</step>"
            for part in partitions
        )
        out.append(
            f"<run-configuration><id>{lo(run_ids[profile])}</id><name>{profile}</name>"
            f"<version>{version}</version><configuration>{steps}</configuration>"
            "</run-configuration>"
        )
    out.append("</ma-run-data>")
    return "".join(out)


PASSWORD_SYNC_TAIL = (
    "<component_mappings /><password-sync><maximum-retry-count>10"
    "</maximum-retry-count><retry-interval>60</retry-interval>"
    "<allow-low-security>0</allow-low-security><unlock-account>0"
    "</unlock-account></password-sync><encrypted-attributes /></ma-data>"
)


def render_ad_connector(c: AdConnector) -> str:
    """An AD connector: header on separate lines, then the whole body on one line."""
    lines = _header(c.guid, c.name, "AD", c.created, c.modified, c.version, c.internal_version)
    fqdn = c.name
    private = (
        "<private-configuration><adma-configuration>"
        f"<forest-name>{fqdn}</forest-name><forest-guid>{ZERO_GUID}</forest-guid>"
        f"<forest-port>0</forest-port><forest-login-domain>{fqdn}</forest-login-domain>"
        f"<forest-login-user>{c.msol}</forest-login-user><sign-and-seal>1</sign-and-seal>"
        '<default-ssl-strength>0</default-ssl-strength><ssl-bind crl-check="0">0</ssl-bind>'
        "<simple-bind>0</simple-bind><password-hash-sync-config>"
        f"<enabled>{'1' if c.password_hash_sync else '0'}</enabled><target>{up(c.aad_guid)}"
        "</target></password-hash-sync-config>"
        f"<parameter-values>{''.join(render_param(p) for p in c.parameters)}</parameter-values>"
        "</adma-configuration></private-configuration>"
    )
    attr_incl = (
        "<attribute-inclusion>"
        + "".join(f"<attribute>{a}</attribute>" for a in c.inclusion)
        + "</attribute-inclusion>"
    )
    parts = []
    for p in c.partitions:
        dguid = up(p.domain_guid)
        parts.append(
            "<partition>"
            f"<id>{lo(p.guid)}</id><name>{p.dn}</name>"
            f"<creation-time>{p.created}</creation-time>"
            f"<last-modification-time>{p.modified}</last-modification-time>"
            f"<version>{p.version}</version><selected>1</selected>"
            f"<display-name>{p.fqdn}</display-name><filter><object-classes>"
            + "".join(f"<object-class>{x}</object-class>" for x in p.object_classes)
            + "</object-classes><containers><exclusions>"
            + "".join(f"<exclusion>{esc(x)}</exclusion>" for x in p.exclusions)
            + "</exclusions><inclusions>"
            + "".join(f"<inclusion>{esc(x)}</inclusion>" for x in p.inclusions)
            + "</inclusions></containers></filter><custom-data><adma-partition-data>"
            f"<dn>{p.dn}</dn><name>{p.fqdn}</name><guid>{dguid}</guid>"
            "<sign-and-seal>1</sign-and-seal>"
            f"<is-domain>1</is-domain><last-dc>{p.last_dc}</last-dc><dc-failover>1</dc-failover>"
            '<ssl-bind crl-check="0">0</ssl-bind><simple-bind>0</simple-bind>'
            f"<cookie>{p.cookie}</cookie></adma-partition-data></custom-data><parameter-values>"
            + param("guid", dguid, "partition")
            + param("sign-and-seal", "1", "partition")
            + param("last-dc", p.last_dc, "partition")
            + param("dc-failover", "1", "partition")
            + param("crl-check", "0", "connectivity")
            + param("ssl-bind", "0", "partition")
            + param("simple-bind", "0", "partition")
            + param("cookie", p.cookie, "partition")
            + param("Domain.FQDN", p.fqdn, "partition", intrinsic=True)
            + param("Domain.LDAP", p.dn, "partition", intrinsic=True)
            + param("Domain.Netbios", p.netbios, "partition", intrinsic=True)
            + "</parameter-values></partition>"
        )
    body = (
        "  <password-sync-allowed>0</password-sync-allowed>"
        f"<schema>{render_ad_schema(c.schema)}</schema>"
        + private
        + attr_incl
        + "<join/><projection/><export-attribute-flow/>"
        + "<ma-partition-data>"
        + "".join(parts)
        + "</ma-partition-data>"
        + _run_profiles(c.run_ids, c.run_version, [p.guid for p in c.partitions], c.page_sizes)
        + PASSWORD_SYNC_TAIL
    )
    return "\n".join([*lines, body])  # no trailing newline, body on one line


def render_aad_connector(c: AadConnector) -> str:
    """The Entra ID (AAD) connector: ``dsml:``-prefixed schema, MAConfig, one partition."""
    lines = _header(
        c.guid,
        c.name,
        "Extensible2",
        c.created,
        c.modified,
        c.version,
        c.internal_version,
        subtype="Windows Azure Active Directory (Microsoft)",
        listname="Windows Azure Active Directory (Microsoft)",
        company="Microsoft",
    )
    add = lines.append
    add("  <password-sync-allowed>0</password-sync-allowed>")
    add("  <schema>")
    add(
        '    <dsml:dsml xmlns:ms-dsml="http://www.microsoft.com/MMS/DSML" '
        'xmlns:dsml="http://www.dsml.org/DSML">'
    )
    add('      <dsml:directory-schema ms-dsml:no-objectclass-validation="true">')
    for cls, members in c.classes.items():
        add(f'        <dsml:class id="{cls}" type="structural">')
        add(f"          <dsml:name>{cls}</dsml:name>")
        for a in members:
            add(f'          <dsml:attribute ref="#{a}" required="false" />')
        add(
            '          <dsml:attribute ref="#cloudAnchor" required="true" '
            'ms-dsml:isAnchor="true" />'
        )
        add("        </dsml:class>")
    for a, (syntax, single) in c.attribute_types.items():
        add(
            f'        <dsml:attribute-type id="{a}" single-value="{"true" if single else "false"}">'
        )
        add(f"          <dsml:name>{a}</dsml:name>")
        add(f"          <dsml:syntax>{syntax}</dsml:syntax>")
        add("        </dsml:attribute-type>")
    add("      </dsml:directory-schema>")
    add("    </dsml:dsml>")
    add("  </schema>")
    add("  <private-configuration>")
    add("    <MAConfig>")
    add("      <primary_class_mappings>")
    for cls in c.classes:
        add("        <mapping>")
        add(f"          <primary_class>{cls}</primary_class>")
        add(f"          <oc-value>{cls}</oc-value>")
        add("        </mapping>")
    per_class_dn = "".join(
        f'<attribute object_class="{cls}">cloudAnchor</attribute>' for cls in c.classes
    )
    per_class = "".join(
        f"<class><name>{cls}</name><anchor><attribute>cloudAnchor</attribute></anchor></class>"
        for cls in c.classes
    )
    add(
        "      </primary_class_mappings><change_type_attribute/><add_change_type_value>Add"
        "</add_change_type_value><modify_change_type_value>Modify</modify_change_type_value>"
        "<delete_change_type_value>Delete</delete_change_type_value><ldap-dn>0</ldap-dn>"
        "<case_normalize_dn_for_anchor>1</case_normalize_dn_for_anchor><extension-config>"
        "<filename>Microsoft.Azure.ActiveDirectory.Connector.dll</filename>"
        "<import-default-page-size>50</import-default-page-size><import-max-page-size>50"
        "</import-max-page-size><export-default-page-size>30</export-default-page-size>"
        "<export-max-page-size>30</export-max-page-size><export-mode>call-based</export-mode>"
        "<import-mode>call-based</import-mode><export-enabled>1</export-enabled>"
        "<import-enabled>1</import-enabled><capability-bits>2147982384</capability-bits>"
        "<export-type>2</export-type><discovery-partition /><discovery-schema>extensibility"
        "</discovery-schema><discovery-hierarchy /><password-management-enabled />"
        f"<assembly-version>{c.assembly_version}</assembly-version></extension-config>"
        "<file-type>Extensible2</file-type><importing>"
        f"<dn>{per_class_dn}</dn><anchor>{per_class_dn}</anchor>"
        f"<per-class-settings>{per_class}</per-class-settings></importing>"
        "<parameter-definitions><parameter><name>UserName</name><use>connectivity</use>"
        "<type>string</type><validation /><text /><default-value /></parameter><parameter>"
        "<name>Password</name><use>connectivity</use><type>encrypted-string</type>"
        "<validation /><text /><default-value /></parameter></parameter-definitions>"
        "<parameter-values>"
        + param("UserName", c.user_name, "connectivity")
        + param("Password", None, "connectivity", ptype="encrypted-string", encrypted=True)
        + "</parameter-values><possible_component_mappings /><aad-password-reset-config>"
        f"<enabled>1</enabled><modified-timestamp>{c.pwreset_modified}</modified-timestamp>"
        f"<adal-authority>https://login.windows.net/{c.tenant}</adal-authority>"
        "</aad-password-reset-config></MAConfig>"
    )
    add("  </private-configuration>")
    add("  <attribute-inclusion>")
    for a in c.attribute_types if c.inclusion is None else c.inclusion:
        add(f"    <attribute>{a}</attribute>")
    add(
        "  </attribute-inclusion><join/><projection/><export-attribute-flow/><ma-partition-data>"
        f"<partition><id>{lo(c.partition_guid)}</id><name>default</name>"
        f"<creation-time>{c.partition_created}</creation-time>"
        f"<last-modification-time>{c.partition_modified}</last-modification-time>"
        f"<version>{c.partition_version}</version><selected>1</selected>"
        "<display-name>default</display-name><filter><object-classes>"
        + "".join(f"<object-class>{cls}</object-class>" for cls in c.classes)
        + "</object-classes><containers><exclusions /><inclusions><inclusion /></inclusions>"
        "</containers></filter><custom-data><ecma-partition-data><dn>default</dn>"
        "<name>default</name><is-domain>1</is-domain></ecma-partition-data>"
        f"<water-mark>{c.water_mark}</water-mark></custom-data></partition>"
        "</ma-partition-data>"
        + _run_profiles(c.run_ids, c.run_version, [c.partition_guid], None)
        + PASSWORD_SYNC_TAIL
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# MV.xml
# --------------------------------------------------------------------------------------------


def render_mv(mv: Metaverse) -> str:
    out = [
        f"<saved-mv-configuration server='{mv.server}' export-date='{mv.export_date}'>",
        WARNING_COMMENT,
        "<mv-data>",
        " <format-version>1</format-version>",
        f" <version>{mv.version}</version>",
        " <schema>",
        '  <dsml:dsml xmlns:ms-dsml="http://www.microsoft.com/MMS/DSML" '
        'xmlns:dsml="http://www.dsml.org/DSML">',
        '      <dsml:directory-schema ms-dsml:no-objectclass-validation="true">',
    ]
    for cls, members in mv.classes.items():
        out.append(f'        <dsml:class id="{cls}" type="structural">')
        out.append(f"          <dsml:name>{cls}</dsml:name>")
        for a in members:
            out.append(f'          <dsml:attribute ref="#{a}" required="false" />')
        out.append("        </dsml:class>")
    for a, (syntax, single, indexable) in mv.attribute_types.items():
        extra = ' ms-dsml:indexable="true"' if indexable else ""
        out.append(
            f'        <dsml:attribute-type id="{a}" '
            f'single-value="{"true" if single else "false"}"{extra}>'
        )
        out.append(f"          <dsml:name>{a}</dsml:name>")
        out.append(f"          <dsml:syntax>{syntax}</dsml:syntax>")
        out.append("        </dsml:attribute-type>")
    out += [
        "      </dsml:directory-schema>",
        "    </dsml:dsml>",
        " </schema>",
        " <password-change-history-size>24</password-change-history-size>",
        " <password-sync />",
        " <parameter-values>",
    ]
    for name, value in mv.parameters:
        out.append("    " + param(name, value, "SynchronizationGlobal"))
    out += ["  </parameter-values>", "</mv-data>", "", "</saved-mv-configuration>", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# File styles and writing
# --------------------------------------------------------------------------------------------


def rewrite_with_ns_prefixes(text: str) -> str:
    """What an ElementTree-based tool writes back: ns0:/ns1: prefixes, declared on the root."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(text, parser=parser)
    return ET.tostring(root, encoding="unicode")


def gui_wrap(body: str, server: str, export_date: str) -> str:
    """The Synchronization Service Manager's ``saved-ma-configuration`` wrapper."""
    return (
        f"<saved-ma-configuration server='{server}' export-date='{export_date}'>"
        f"\n{WARNING_COMMENT}\n{body}\n\n</saved-ma-configuration>\n"
    )


def styled(text: str, style: FileStyle) -> bytes:
    """Apply a file style to a rendered file and encode it."""
    if style.ns_prefixes:
        text = rewrite_with_ns_prefixes(text)
    if style.gui_wrapper is not None:
        text = gui_wrap(text, *style.gui_wrapper)
    return to_bytes(text, crlf=style.crlf, utf16=style.utf16)


@dataclass(frozen=True)
class Written:
    """What :func:`write_export` wrote."""

    folder: Path
    files: int
    bytes: int
    connectors: int
    rules: int


def write_export(folder: Path, export: Export) -> Written:
    """Write ``folder/{Connectors,GlobalSettings,SynchronizationRules}`` from ``export``.

    ``folder`` must not hold an earlier export (files of two exports would mix).
    """
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty; refusing to mix two exports")
    for sub in ("Connectors", "GlobalSettings", "SynchronizationRules"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    total = 0

    def put(path: Path, data: bytes) -> None:
        nonlocal total
        path.write_bytes(data)
        total += len(data)

    guids: dict[str, str] = {}
    for ad in export.ad:
        guids[ad.key] = ad.guid
        put(
            folder / "Connectors" / f"Connector_{lo(ad.guid)}.xml",
            styled(render_ad_connector(ad), ad.style),
        )
    aad = export.aad
    guids[aad.key] = aad.guid
    put(
        folder / "Connectors" / f"Connector_{lo(aad.guid)}.xml",
        styled(render_aad_connector(aad), aad.style),
    )
    put(folder / "GlobalSettings" / "MV.xml", styled(render_mv(export.mv), export.mv.style))
    for rule in export.rules:
        put(
            folder / "SynchronizationRules" / f"SynchronizationRule_{lo(rule.guid)}.xml",
            styled(render_rule(rule, guids[rule.conn]), rule.style),
        )
    n_conn = len(export.ad) + 1
    return Written(folder, n_conn + 1 + len(export.rules), total, n_conn, len(export.rules))
