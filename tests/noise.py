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
