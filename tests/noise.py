"""Turn a copy of an export into its "staging twin": every difference that is always there
between two healthy servers, and nothing else.

Used by the tests on the genuine reference export, so that each kind of noise is exercised on
files in the real format.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from lxml import etree

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def fresh_guids(text: str, keep: set[str]) -> str:
    """Replace every server-local GUID by another one, consistently and keeping its case."""

    def swap(match: re.Match[str]) -> str:
        old = match.group(0)
        if old.lower() in keep or old == ZERO_GUID:
            return old
        new = str(uuid.uuid5(NAMESPACE, old.lower()))
        return new.upper() if old.isupper() else new

    return GUID.sub(swap, text)


def domain_guids(root: Path) -> set[str]:
    """AD domain GUIDs are the same on every server: they must not change."""
    found: set[str] = set()
    for f in (root / "Connectors").glob("*.xml"):
        for m in re.finditer(r"<guid>\{([^}]+)\}</guid>", f.read_text()):
            found.add(m.group(1).lower())
    return found


def rewrite(path: Path, edit: Callable[[str], str]) -> None:
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


def make_staging_twin(root: Path) -> None:
    """Apply every kind of expected noise to the export at ``root`` in place."""
    keep = domain_guids(root)
    for f in sorted(root.rglob("*.xml")):
        rewrite(f, lambda t: fresh_guids(t, keep))
        new_name = fresh_guids(f.name, keep)
        if new_name != f.name:
            f.rename(f.with_name(new_name))

    def timestamps(t: str) -> str:
        t = re.sub(r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.\d+", "2026-11-21 08:15:42.123", t)
        t = re.sub(r"<version>\d+</version>", "<version>4242</version>", t)
        return re.sub(
            r"<internal-version>\d+</internal-version>", "<internal-version>9</internal-version>", t
        )

    for f in root.rglob("*.xml"):
        rewrite(f, timestamps)

    for f in (root / "Connectors").glob("*.xml"):
        rewrite(f, _runtime_state)
    rewrite(root / "GlobalSettings" / "MV.xml", _mv_noise)
    rules = sorted((root / "SynchronizationRules").glob("*.xml"))
    for f in rules:
        rewrite(
            f,
            lambda t: re.sub(
                r"<precedence>(\d+)</precedence>",
                lambda m: f"<precedence>{int(m.group(1)) * 2 + 7}</precedence>",
                t,
            ),
        )
    _reorder_and_reformat(root, rules)
    _encodings(rules)
    _wrap_first_connector(root)
    noise_parameter_declarations(root)
    noise_schema_content_rules(root)


def _runtime_state(t: str) -> str:
    t = re.sub(r"MSOL_[0-9a-f]{12}", "MSOL_0a1b2c3d4e5f", t)
    t = re.sub(r"Sync_[A-Z0-9-]+_[0-9a-f]{12}@", "Sync_CONTOSO-SYNC02_99aa88bb77cc@", t)
    t = re.sub(r"<cookie>[^<]*</cookie>", "<cookie>AAAAAQ==</cookie>", t)
    t = re.sub(r'(<parameter name="cookie"[^>]*>)[^<]*<', r"\1AAAAAQ==<", t)
    t = re.sub(r"<water-mark>[^<]*</water-mark>", "<water-mark>BBBB</water-mark>", t)
    t = re.sub(r"<last-dc>[^<]*</last-dc>", "<last-dc>CONTOSO-DC02.contoso.com</last-dc>", t)
    return re.sub(r'(<parameter name="last-dc"[^>]*>)[^<]*<', r"\1CONTOSO-DC02.contoso.com<", t)


def _mv_noise(t: str) -> str:
    t = t.replace("server='CONTOSO-SYNC01'", "server='CONTOSO-SYNC02'")
    t = re.sub(r"export-date='[^']*'", "export-date='2026-11-21 08:16:00.000'", t)
    t = re.sub(r'(name="Microsoft.Synchronize.StagingMode"[^>]*>)False<', r"\1True<", t)
    t = re.sub(
        r'(name="Microsoft.Synchronize.NextStartTime"[^>]*>)[^<]*<',
        r"\1Sat, 21 Nov 2026 09:00:00 GMT<",
        t,
    )
    # a tool that rewrites XML uses ns0:/ns1: prefixes: prefixes carry no meaning
    for old, new in (
        ("xmlns:ms-dsml=", "xmlns:ns1="),
        ("ms-dsml:", "ns1:"),
        ("xmlns:dsml=", "xmlns:ns0="),
        ("dsml:", "ns0:"),
    ):
        t = t.replace(old, new)
    return t


def _reorder_and_reformat(root: Path, rules: list[Path]) -> None:
    parser = etree.XMLParser(remove_blank_text=False)
    for f in (root / "Connectors").glob("*.xml"):
        tree = etree.parse(str(f), parser)
        for parent in tree.iter(
            "attribute-inclusion", "object-classes", "parameter-values", "inclusions", "exclusions"
        ):
            kids = list(parent)
            for k in kids:
                parent.remove(k)
            for k in reversed(kids):
                parent.append(k)
        tree.write(str(f), encoding="utf-8")
    for f in rules:
        tree = etree.parse(str(f), parser)
        root_el = tree.getroot()
        for parent in root_el.iter("attribute-mappings", "synchronizationCriteria"):
            kids = list(parent)
            for k in kids:
                parent.remove(k)
            for k in reversed(kids):
                parent.append(k)
        for group in root_el.iterfind("synchronizationCriteria/conditions"):
            kids = list(group)
            for k in kids:
                group.remove(k)
            for k in reversed(kids):
                group.append(k)
        for expr in root_el.iter("expression"):
            expr.text = _respace(expr.text or "")
        name = root_el.find("name")
        if name is not None and name.text == "In from AD - User Common":
            name.text = "In From AD - User Common"
        tree.write(str(f), encoding="utf-8")


def _respace(expression: str) -> str:
    """Add whitespace after commas and around '&' outside string literals."""
    out, in_string, i = [], False, 0
    while i < len(expression):
        ch = expression[i]
        if in_string:
            out.append(ch)
            if ch == "\\":
                out.append(expression[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch == ",":
            out.append(",\n    ")
        elif (
            ch == "&"
            and expression[i + 1 : i + 2] != "&"
            and expression[i - 1 : i] != "&"
            and expression[i + 1 : i + 2] != "H"
        ):
            out.append("  &  ")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _encodings(rules: list[Path]) -> None:
    """Two rules re-saved by a Windows tool: UTF-16LE with BOM and CRLF; one with CRLF only."""
    for f in rules[:2]:
        text = f.read_text(encoding="utf-8").replace("\n", "\r\n")
        f.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    text = rules[2].read_text(encoding="utf-8")
    rules[2].write_bytes(text.replace("\n", "\r\n").encode("utf-8"))


def _wrap_first_connector(root: Path) -> None:
    """The Synchronization Service Manager wraps an exported connector in saved-ma-configuration."""
    f = sorted((root / "Connectors").glob("*.xml"))[-1]
    body = f.read_text(encoding="utf-8")
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", body)
    f.write_text(
        '<saved-ma-configuration server="CONTOSO-SYNC02" export-date="2026-11-21 08:16:01">\n'
        + body
        + "\n</saved-ma-configuration>\n",
        encoding="utf-8",
    )


# --- one kind of noise at a time (tests/test_fidelity.py) -------------------------------------
#
# Each transform edits an export in place with one kind of difference that is always there
# between two healthy servers, written generically (any export in the real format, the
# samples as well as the genuine one), so that each kind can be checked on its own.


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def _rewrite_any(path: Path, edit: Callable[[str], str]) -> None:
    """Edit a file kept in its encoding (UTF-16 with BOM stays UTF-16)."""
    data = path.read_bytes()
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = edit(read_text(path))
    path.write_bytes(text.encode("utf-16") if utf16 else text.encode("utf-8"))


def _xml_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.xml"))


def noise_guids(root: Path) -> None:
    """Fresh server-local GUIDs everywhere (file names too); the AD domain GUID is kept."""
    keep = domain_guids(root)
    for f in _xml_files(root):
        _rewrite_any(f, lambda t: fresh_guids(t, keep))
        new_name = fresh_guids(f.name, keep)
        if new_name != f.name:
            f.rename(f.with_name(new_name))


def noise_times_and_counters(root: Path) -> None:
    def edit(t: str) -> str:
        t = re.sub(r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?", "2026-11-21 08:15:42.123", t)
        t = re.sub(r"<version>\d+</version>", "<version>4242</version>", t)
        return re.sub(
            r"<internal-version>\d+</internal-version>", "<internal-version>9</internal-version>", t
        )

    for f in _xml_files(root):
        _rewrite_any(f, edit)


def noise_runtime_state(root: Path) -> None:
    """Cookies, watermarks, the last DC used, the MSOL_ and Sync_ accounts of another server."""
    for f in sorted((root / "Connectors").glob("*.xml")):
        _rewrite_any(f, _runtime_state)


def noise_server_identity(root: Path) -> None:
    """Another server: its name, export date, staging flag and next start time."""

    def edit(t: str) -> str:
        t = re.sub(r"server='[^']*'", "server='OTHER-SYNC09'", t)
        t = re.sub(r"export-date='[^']*'", "export-date='2026-11-21 08:16:00.000'", t)
        t = re.sub(
            r'(name="Microsoft.Synchronize.StagingMode"[^>]*>)(True|False)<',
            lambda m: m.group(1) + ("False" if m.group(2) == "True" else "True") + "<",
            t,
        )
        return re.sub(
            r'(name="Microsoft.Synchronize.NextStartTime"[^>]*>)[^<]*<',
            r"\1Sat, 21 Nov 2026 09:00:00 GMT<",
            t,
        )

    _rewrite_any(root / "GlobalSettings" / "MV.xml", edit)


def noise_namespace_prefixes(root: Path) -> None:
    """MV.xml rewritten by a tool that names namespaces ns0:/ns1:."""

    def edit(t: str) -> str:
        for old, new in (
            ("xmlns:ms-dsml=", "xmlns:ns1="),
            ("ms-dsml:", "ns1:"),
            ("xmlns:dsml=", "xmlns:ns0="),
            ("dsml:", "ns0:"),
        ):
            t = t.replace(old, new)
        return t

    _rewrite_any(root / "GlobalSettings" / "MV.xml", edit)
    for f in sorted((root / "Connectors").glob("*.xml")):
        _rewrite_any(f, edit)  # the cloud connector's schema uses the same prefixes


def _rule_files(root: Path) -> list[Path]:
    return sorted((root / "SynchronizationRules").glob("*.xml"))


def noise_precedence_renumbered(root: Path) -> None:
    """Every precedence renumbered, the order of every rule kept."""
    for f in _rule_files(root):
        _rewrite_any(
            f,
            lambda t: re.sub(
                r"<precedence>(\d+)</precedence>",
                lambda m: f"<precedence>{int(m.group(1)) * 2 + 7}</precedence>",
                t,
            ),
        )


def noise_outbound_moved_past_inbound(root: Path) -> None:
    """Outbound rules renumbered far past the inbound ones: order within each group of
    competing rules kept, the interleaving across groups changed."""
    for f in _rule_files(root):
        if "<direction>Outbound</direction>" in read_text(f):
            _rewrite_any(
                f,
                lambda t: re.sub(
                    r"<precedence>(\d+)</precedence>",
                    lambda m: f"<precedence>{int(m.group(1)) + 1000}</precedence>",
                    t,
                ),
            )


def _reverse_children(tree: etree._ElementTree, tags: tuple[str, ...]) -> None:
    for parent in list(tree.iter(*tags)):
        kids = list(parent)
        for k in kids:
            parent.remove(k)
        for k in reversed(kids):
            parent.append(k)


def noise_element_order(root: Path) -> None:
    """Lists whose order the product ignores, reversed: attribute inclusion, object classes,
    parameters, OU lists, anchors, attribute flows, scoping groups and their clauses, the
    conditions of one join group, run profiles."""
    parser = etree.XMLParser(remove_blank_text=False)
    for f in sorted((root / "Connectors").glob("*.xml")):
        tree = etree.parse(str(f), parser)
        _reverse_children(
            tree,
            (
                "attribute-inclusion",
                "object-classes",
                "parameter-values",
                "inclusions",
                "exclusions",
                "anchor",
                "ma-run-data",
            ),
        )
        tree.write(str(f), encoding="utf-8")
    for f in _rule_files(root):
        tree = etree.parse(str(f), parser)
        _reverse_children(tree, ("attribute-mappings", "synchronizationCriteria"))
        for group in tree.getroot().iterfind("synchronizationCriteria/conditions"):
            _reverse_children(etree.ElementTree(group), ("conditions",))
        for group in tree.getroot().iterfind("relationshipCriteria/conditions"):
            _reverse_children(etree.ElementTree(group), ("conditions",))
        tree.write(str(f), encoding="utf-8")


def noise_expression_whitespace(root: Path) -> None:
    parser = etree.XMLParser(remove_blank_text=False)
    for f in _rule_files(root):
        tree = etree.parse(str(f), parser)
        for expr in tree.getroot().iter("expression"):
            expr.text = _respace(expr.text or "")
        tree.write(str(f), encoding="utf-8")


def noise_letter_case(root: Path) -> None:
    """Names spelt in another letter case: every rule name, every connector name, the OU DNs
    of the filters (AD and the sync engine ignore case in all three)."""

    def upper_first_name(t: str) -> str:
        return re.sub(
            r"<name>([^<]*)</name>", lambda m: f"<name>{m.group(1).upper()}</name>", t, count=1
        )

    def lower_dns(t: str) -> str:
        return re.sub(
            r"<(inclusion|exclusion)>([^<]+)</",
            lambda m: f"<{m.group(1)}>{m.group(2).lower()}</",
            t,
        )

    for f in _rule_files(root):
        _rewrite_any(f, upper_first_name)
    for f in sorted((root / "Connectors").glob("*.xml")):
        _rewrite_any(f, lambda t: lower_dns(upper_first_name(t)))


def noise_encodings(root: Path) -> None:
    """Files re-saved by Windows tools: UTF-16LE with BOM and CRLF, CRLF only, UTF-8 with BOM
    and an XML declaration."""
    files = [*_rule_files(root)[:3], root / "GlobalSettings" / "MV.xml"]
    text = read_text(files[0]).replace("\n", "\r\n")
    files[0].write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    files[1].write_bytes(read_text(files[1]).replace("\n", "\r\n").encode("utf-8"))
    files[2].write_bytes(
        b"\xef\xbb\xbf" + b'<?xml version="1.0" encoding="utf-8"?>\n' + read_text(files[2]).encode()
    )
    mv = read_text(files[3]).replace("\n", "\r\n")
    files[3].write_bytes(b"\xff\xfe" + mv.encode("utf-16-le"))


def noise_gui_wrapper(root: Path) -> None:
    """Every connector saved from the Synchronization Service Manager (saved-ma-configuration)."""
    for f in sorted((root / "Connectors").glob("*.xml")):
        body = re.sub(r"^<\?xml[^>]*\?>\s*", "", read_text(f))
        if "<saved-ma-configuration" in body:
            continue
        f.write_text(
            '<saved-ma-configuration server="OTHER-SYNC09" export-date="2026-11-21 08:16:01">\n'
            + body
            + "\n</saved-ma-configuration>\n",
            encoding="utf-8",
        )


def noise_pretty_printed(root: Path) -> None:
    """Every file re-indented (the AD connector's one-line body spread over lines)."""
    parser = etree.XMLParser(remove_blank_text=True)
    for f in [*sorted((root / "Connectors").glob("*.xml")), *_rule_files(root)]:
        tree = etree.parse(str(f), parser)
        tree.write(str(f), encoding="utf-8", pretty_print=True)


def noise_extra_files(root: Path) -> None:
    """Files an admin leaves beside an export: they are not configuration."""
    (root / "README.txt").write_text("exported before the upgrade\n")
    (root / "Connectors" / "Thumbs.db").write_bytes(b"\x00\x01")


def noise_parameter_declarations(root: Path) -> None:
    """Another product version's parameter declarations: every intrinsic connector parameter
    declared with another data type (the values are the same)."""
    for f in sorted((root / "Connectors").glob("*.xml")):
        _rewrite_any(f, lambda t: t.replace('dataType="String" intrinsic="1"',
                                            'dataType="Dn" intrinsic="1"'))  # fmt: skip


def noise_schema_content_rules(root: Path) -> None:
    """A schema refresh whose dit-content-rules list one attribute fewer each (the auxiliary
    classes and the attribute types are the same)."""

    def fewer(t: str) -> str:
        return re.sub(
            r"(<(?:\w+:)?dit-content-rule [^>]*>)<(?:\w+:)?attribute ref=\"[^\"]*\"[^>]*/>",
            r"\1",
            t,
        )

    for f in sorted((root / "Connectors").glob("*.xml")):
        _rewrite_any(f, fewer)


#: One kind of noise each, by name.
NOISE_KINDS: dict[str, Callable[[Path], None]] = {
    "guids": noise_guids,
    "times-and-counters": noise_times_and_counters,
    "runtime-state-and-accounts": noise_runtime_state,
    "server-identity-staging-flag-next-start": noise_server_identity,
    "namespace-prefixes": noise_namespace_prefixes,
    "precedence-renumbered": noise_precedence_renumbered,
    "outbound-renumbered-past-inbound": noise_outbound_moved_past_inbound,
    "element-order": noise_element_order,
    "expression-whitespace": noise_expression_whitespace,
    "letter-case": noise_letter_case,
    "encodings": noise_encodings,
    "gui-wrapper": noise_gui_wrapper,
    "pretty-printed": noise_pretty_printed,
    "extra-files": noise_extra_files,
    "parameter-declarations": noise_parameter_declarations,
    "schema-content-rules": noise_schema_content_rules,
}
