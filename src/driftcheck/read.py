"""Read an export: a folder or a .zip written by Get-ADSyncServerConfiguration, parsed safely.

This stage knows files and XML only. It finds the three parts of an export (connectors, the
metaverse/global settings file, sync rules), parses each with external entities, DTDs and the
network off, and refuses anything it cannot read with an :class:`InputError` naming the file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from driftcheck.errors import InputError

CONNECTORS_DIR = "Connectors"
GLOBAL_SETTINGS_DIR = "GlobalSettings"
SYNC_RULES_DIR = "SynchronizationRules"
MV_FILE = "MV.xml"

#: Any member larger than this is refused: a real connector file is about 2 MB.
MAX_MEMBER_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """One parsed XML file of an export. ``name`` is the path relative to the export root."""

    name: str
    root: etree._Element


class ExportFiles:
    """The files of one export, found but not yet parsed.

    Documents are parsed one at a time by :meth:`load` so that a caller can turn each into
    its model and let the tree go: 100 parsed 2 MB connector files would not fit the memory
    budget at once.
    """

    def __init__(
        self,
        location: str,
        read: Callable[[str], bytes],
        mv: str,
        connectors: tuple[str, ...],
        sync_rules: tuple[str, ...],
        warnings: tuple[str, ...],
    ) -> None:
        self.location = location
        self._read = read
        self.mv = mv
        self.connectors = connectors
        self.sync_rules = sync_rules
        self.warnings = warnings

    def label(self, rel: str) -> str:
        return f"{self.location}/{rel}"

    def load(self, rel: str, prepare: Callable[[bytes], bytes] | None = None) -> Document:
        """Read and parse one file; errors name it. ``prepare`` may see and rewrite its bytes
        before they are parsed (see ``extract.SchemaCut``)."""
        label = self.label(rel)
        try:
            data = self._read(rel)
        except OSError as exc:
            raise InputError(f"cannot read ({exc.strerror or exc})", file=label) from None
        except (zipfile.BadZipFile, EOFError, RuntimeError) as exc:
            raise InputError(f"damaged zip member ({_one_line(str(exc))})", file=label) from None
        if not data.strip():
            raise InputError("is empty", file=label)
        if prepare is not None:
            data = prepare(data)
        doc = Document(label, parse_xml(data, label))
        _expect_root(doc, *_ROOTS[_classify(rel)])
        return doc


def _parser() -> etree.XMLParser:
    # resolve_entities=False: no external or internal entity expansion (billion laughs, XXE).
    # load_dtd/no_network: never fetch anything. huge_tree=False keeps libxml2's depth and
    # text-size limits on. A DOCTYPE is refused outright in parse_xml (see below).
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse one file's bytes (the BOM or declaration decides the encoding)."""
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        msg = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc)
        raise InputError(f"malformed XML: {_one_line(msg)}", file=name, line=line) from None
    except (ValueError, etree.LxmlError) as exc:
        raise InputError(f"unreadable XML: {_one_line(str(exc))}", file=name) from None
    docinfo = tree.docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        # With entities off, entity references would silently read as empty: refuse instead.
        raise InputError(
            "has a DOCTYPE; an export never does, refusing to read it", file=name, line=1
        )
    return tree.getroot()


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class _Source:
    """Files of an export, from a folder or a zip, addressed by POSIX paths under its root."""

    location: str
    files: tuple[str, ...]
    read: Callable[[str], bytes]


def _read_zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise InputError("zip member is too large to be an export file", file=name)
    return data


def _folder_source(path: Path) -> _Source:
    files = tuple(
        item.relative_to(path).as_posix() for item in sorted(path.rglob("*")) if item.is_file()
    )
    root = _find_export_root(list(files), str(path))
    if root:
        return _folder_source(path / root)
    return _Source(str(path), files, lambda rel: (path / rel).read_bytes())


def _zip_source(path: Path) -> _Source:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"not a readable zip archive ({_one_line(str(exc))})", file=str(path)
        ) from None
    names: list[str] = []
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        pure = PurePosixPath(name)
        if name.startswith("/") or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
            raise InputError(
                f"zip entry {info.filename!r} would land outside the export folder; refusing "
                "the archive",
                file=str(path),
            )
        if not info.is_dir():
            names.append(name)
    prefix = _find_export_root(names, str(path))
    files = tuple(n[len(prefix) :] for n in names if n.startswith(prefix))
    originals = {info.filename.replace("\\", "/"): info for info in archive.infolist()}
    return _Source(
        str(path), files, lambda rel: _read_zip_member(archive, originals[prefix + rel].filename)
    )


def _find_export_root(paths: list[str], location: str) -> str:
    """The prefix ('' or 'Folder/') under which the export's three folders sit.

    Admins zip the folder itself (``AADC-SERVER01-06JUN2022/Connectors/...``), so one level
    down is accepted. Anything deeper or ambiguous is not guessed at.
    """
    if any(_top(p) == GLOBAL_SETTINGS_DIR.lower() for p in paths):
        return ""
    candidates = {
        p.split("/", 1)[0] + "/"
        for p in paths
        if p.count("/") >= 2 and p.split("/")[1].lower() == GLOBAL_SETTINGS_DIR.lower()
    }
    if len(candidates) == 1:
        return candidates.pop()
    if len(candidates) > 1:
        raise InputError(
            "holds more than one export ("
            + ", ".join(sorted(c.rstrip("/") for c in candidates))
            + "); point driftcheck at one of them",
            file=location,
        )
    return ""


def _top(rel: str) -> str:
    return rel.split("/", 1)[0].lower() if "/" in rel else ""


def open_source(path: Path) -> _Source:
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    if path.is_dir():
        return _folder_source(path)
    if zipfile.is_zipfile(path):
        return _zip_source(path)
    raise InputError(
        "is neither an export folder nor a .zip of one (expected the folder holding "
        "Connectors/, GlobalSettings/ and SynchronizationRules/)",
        file=str(path),
    )


def _classify(rel: str) -> str:
    parts = rel.split("/")
    if len(parts) != 2:
        return "other"
    folder, name = parts[0].lower(), parts[1].lower()
    if not name.endswith(".xml"):
        return "other"
    if folder == CONNECTORS_DIR.lower():
        return "connector"
    if folder == SYNC_RULES_DIR.lower():
        return "sync-rule"
    if folder == GLOBAL_SETTINGS_DIR.lower() and name == MV_FILE.lower():
        return "mv"
    return "other"


def _expect_root(doc: Document, *accepted: str) -> None:
    tag = etree.QName(doc.root).localname
    if tag not in accepted:
        raise InputError(
            f"root element is <{tag}>, expected <{'> or <'.join(accepted)}>",
            file=doc.name,
            line=doc.root.sourceline if isinstance(doc.root.sourceline, int) else None,
        )


_ROOTS: dict[str, tuple[str, ...]] = {
    "mv": ("saved-mv-configuration",),
    "connector": ("ma-data", "saved-ma-configuration"),
    "sync-rule": ("synchronizationRule",),
    "other": (),
}


def read_export(path: Path) -> ExportFiles:
    """Find the files of the export at ``path`` (folder or zip); parsing is left to ``load``."""
    source = open_source(path)
    if not source.files:
        raise InputError("is empty; expected an export folder", file=str(path))
    kinds: dict[str, list[str]] = {"connector": [], "sync-rule": [], "mv": [], "other": []}
    for rel in source.files:
        kinds[_classify(rel)].append(rel)
    if not kinds["mv"]:
        raise InputError(
            f"is not a Get-ADSyncServerConfiguration export: no {GLOBAL_SETTINGS_DIR}/{MV_FILE}",
            file=str(path),
        )
    if not kinds["connector"]:
        raise InputError(f"is not a complete export: no {CONNECTORS_DIR}/*.xml", file=str(path))
    warnings = tuple(
        f"{source.location}/{rel}: not part of an export, ignored" for rel in sorted(kinds["other"])
    )
    return ExportFiles(
        source.location,
        source.read,
        kinds["mv"][0],
        tuple(sorted(kinds["connector"])),
        tuple(sorted(kinds["sync-rule"])),
        warnings,
    )
