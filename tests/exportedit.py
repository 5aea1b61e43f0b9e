"""Edit copies of sample exports in place: global parameters, rule elements, connector flags.

Used by the readiness-check and upgrade tests to plant one condition at a time on an export in
the real format. Edits are textual (the files stay byte-for-byte as the product writes them
elsewhere); each helper fails loudly when what it edits is not there.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path


def _rewrite(path: Path, pattern: str, replacement: str, *, count: int = 1) -> None:
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = data.decode(encoding)
    new, n = re.subn(pattern, replacement, text, count=count, flags=re.DOTALL)
    if n == 0:
        raise AssertionError(f"{pattern!r} not found in {path}")
    path.write_bytes(new.encode(encoding))


def mv_file(export: Path) -> Path:
    return export / "GlobalSettings" / "MV.xml"


def _parameter(name: str) -> str:
    return rf'<(?P<p>(?:\w+:)?)parameter name="{re.escape(name)}"(?P<attrs>[^>]*?)(?:/>|>[^<]*</(?:\w+:)?parameter>)'


def set_parameter(export: Path, name: str, value: str) -> None:
    """Give global parameter ``name`` the text ``value`` (in MV.xml)."""
    # a replacement template: the values used in tests hold no backslash
    template = rf'<\g<p>parameter name="{name}"\g<attrs>>{value}</\g<p>parameter>'
    _rewrite(mv_file(export), _parameter(name), template)


def remove_parameter(export: Path, name: str) -> None:
    _rewrite(mv_file(export), _parameter(name), "")


def set_server_name(export: Path, server: str) -> None:
    _rewrite(mv_file(export), r"server='[^']*'", f"server='{server}'")


def rule_file(export: Path, name: str, connector_hint: str | None = None) -> Path:
    """The file of the rule called ``name`` (the first, or the one whose connector GUID is that
    of the connector named ``connector_hint``)."""
    connector_id = connector_guid(export, connector_hint) if connector_hint else None
    for path in sorted((export / "SynchronizationRules").glob("*.xml")):
        text = _text(path)
        if f"<name>{name}</name>".casefold() not in text.casefold():
            continue
        if connector_id is None or connector_id.casefold() in text.casefold():
            return path
    raise AssertionError(f"no rule {name!r} in {export}")


def connector_file(export: Path, name: str) -> Path:
    for path in sorted((export / "Connectors").glob("*.xml")):
        if f"<name>{name}</name>".casefold() in _text(path).casefold():
            return path
    raise AssertionError(f"no connector {name!r} in {export}")


def connector_guid(export: Path, name: str) -> str:
    found = re.search(r"<id>(\{[^}]+\})</id>", _text(connector_file(export, name)))
    assert found, name
    return found[1]


def _text(path: Path) -> str:
    data = path.read_bytes()
    return data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8")


def set_rule_element(path: Path, element: str, value: str) -> None:
    """Set ``<element>`` of a rule file (first occurrence), e.g. precedence, disabled, name."""
    _rewrite(
        path, rf"<{element}\s*/>|<{element}>[^<]*</{element}>", f"<{element}>{value}</{element}>"
    )


def clone_rule(path: Path) -> Path:
    """A copy of a rule file under fresh GUIDs (the product's "Edit → make a copy")."""
    new_id = "{" + str(uuid.uuid4()) + "}"
    target = path.with_name(f"SynchronizationRule_{new_id}.xml")
    shutil.copyfile(path, target)
    _rewrite(target, r"<id>[^<]*</id>", f"<id>{new_id}</id>")
    _rewrite(target, r"<internal-id>[^<]*</internal-id>", f"<internal-id>{new_id}</internal-id>")
    return target


def set_password_hash_sync(export: Path, connector: str, enabled: bool) -> None:
    _rewrite(
        connector_file(export, connector),
        r"(<password-hash-sync-config>\s*<enabled>)[^<]*(</enabled>)",
        rf"\g<1>{1 if enabled else 0}\g<2>",
    )
