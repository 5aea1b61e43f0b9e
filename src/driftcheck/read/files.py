"""Read an export: a folder or a .zip written by Get-ADSyncServerConfiguration, parsed safely.

This stage knows files and XML only. It finds the three parts of an export (connectors, the
metaverse/global settings file, sync rules), parses each with external entities, DTDs and the
network off, and refuses anything it cannot read with an :class:`InputError` naming the file.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from driftcheck.errors import InputError, shorten
from driftcheck.read.limits import RATIO_FLOOR, Limits, check_member_count, megabytes, too_big
from driftcheck.read.safexml import count_elements, damage_reason, parse_xml

CONNECTORS_DIR = "Connectors"
GLOBAL_SETTINGS_DIR = "GlobalSettings"
SYNC_RULES_DIR = "SynchronizationRules"
MV_FILE = "MV.xml"


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
        limits: Limits | None = None,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.location = location
        self._read = read
        self._close = close
        self.mv = mv
        self.connectors = connectors
        self.sync_rules = sync_rules
        self.warnings = warnings
        self.limits = limits or Limits()
        self._elements: dict[str, int] = {}
        self._total_elements = 0

    def label(self, rel: str) -> str:
        return f"{self.location}/{rel}"

    def close(self) -> None:
        """Release the archive handle (a zip export), once every file has been loaded: a
        reader that loads a file after this reopens the archive."""
        if self._close is not None:
            self._close()

    def load(self, rel: str, prepare: Callable[[bytes], bytes] | None = None) -> Document:
        """Read and parse one file; errors name it. ``prepare`` may see and rewrite its bytes
        before they are parsed (see ``extract.SchemaCut``)."""
        label = self.label(rel)
        try:
            data = self._read(rel)
        except InputError as exc:
            raise InputError(exc.reason, file=label) from None
        except OSError as exc:
            raise InputError(f"cannot read ({exc.strerror or exc})", file=label) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, ValueError) as exc:
            raise InputError(f"damaged zip member ({damage_reason(exc)})", file=label) from None
        except NotImplementedError as exc:
            raise InputError(f"unreadable zip member ({shorten(str(exc))})", file=label) from None
        if not data.strip():
            raise InputError("is empty", file=label)
        counted = count_elements(data, label, self.limits)
        # a running total: summing every file's count on each load was quadratic
        self._total_elements += counted - self._elements.get(rel, 0)
        self._elements[rel] = counted
        if self._total_elements > self.limits.export_elements:
            raise InputError(
                too_big(
                    f"the export holds more than {self.limits.export_elements:,} elements",
                    "export_elements",
                    self.limits,
                ),
                file=label,
            )
        if prepare is not None:
            data = prepare(data)
        doc = Document(label, parse_xml(data, label, self.limits, counted=True))
        _expect_root(doc, *_ROOTS[_classify(rel)])
        return doc


@dataclass(frozen=True)
class _Source:
    """Files of an export, from a folder or a zip, addressed by POSIX paths under its root.

    ``sizes`` holds each file's uncompressed size and ``compressed`` a zip member's stored
    size; ``read`` opens what it reads and closes it again, so no file stays open.
    """

    location: str
    files: tuple[str, ...]
    read: Callable[[str], bytes]
    sizes: Mapping[str, int] = field(default_factory=dict)
    compressed: Mapping[str, int] = field(default_factory=dict)
    #: releases what reading holds open (a zip's one handle); nothing for a folder
    close: Callable[[], None] | None = None


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def read_regular_file(path: Path, limit: int, *, follow_links: bool = False) -> bytes:
    """A regular file's bytes, at most ``limit``: links are not followed (O_NOFOLLOW) unless
    asked, a FIFO does not block the open (O_NONBLOCK) and is refused before any read."""
    flags = os.O_RDONLY | _NONBLOCK | _BINARY | (0 if follow_links else _NOFOLLOW)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError("is not a regular file; refusing to read it")
        if info.st_size > limit:
            raise InputError(f"is {megabytes(info.st_size)}")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"is larger than {megabytes(limit)}")
    return data


def _walk_folder(root: Path) -> dict[str, int]:
    """Every regular file under ``root`` (relative POSIX path -> size), links not followed.

    A symbolic link, a FIFO, a device or a socket anywhere in the export is refused, and so is
    a folder that cannot be listed: an unreadable SynchronizationRules/ must not read as
    "no rules".
    """
    files: dict[str, int] = {}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as exc:
            raise InputError(
                f"cannot read this folder ({exc.strerror or exc})", file=str(folder)
            ) from None
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                raise InputError(f"cannot read ({exc.strerror or exc})", file=entry.path) from None
            if stat.S_ISLNK(info.st_mode):
                raise InputError(
                    "is a symbolic link; driftcheck does not follow links inside an export "
                    "(copy the real file or folder in instead)",
                    file=entry.path,
                )
            if stat.S_ISDIR(info.st_mode):
                pending.append(Path(entry.path))
            elif stat.S_ISREG(info.st_mode):
                files[Path(entry.path).relative_to(root).as_posix()] = info.st_size
            else:
                raise InputError(
                    "is not a regular file or folder (a FIFO, device or socket); refusing it",
                    file=entry.path,
                )
    return files


def _folder_source(path: Path, limits: Limits) -> _Source:
    sizes = _walk_folder(path)
    files = tuple(sorted(sizes))
    root = _find_export_root(list(files), str(path))
    if root:
        return _folder_source(path / root, limits)

    def read(rel: str) -> bytes:
        return read_regular_file(path / rel, limits.file_bytes)

    return _Source(str(path), files, read, sizes)


def _zip_source(path: Path, limits: Limits) -> _Source:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"not a readable zip archive ({shorten(str(exc))})", file=str(path)
        ) from None
    check_member_count(len(infos), str(path), limits)
    names: list[str] = []
    originals: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")
        pure = PurePosixPath(name)
        if name.startswith("/") or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
            raise InputError(
                f"zip entry {shorten(info.filename)!r} would land outside the export folder; "
                "refusing the archive",
                file=str(path),
            )
        if not info.is_dir():
            names.append(name)
            originals[name] = info
    prefix = _find_export_root(names, str(path))
    members = {n[len(prefix) :]: originals[n] for n in names if n.startswith(prefix)}

    handle = _ArchiveHandle(path)

    def read(rel: str) -> bytes:
        with handle.archive().open(members[rel]) as member:
            data = member.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            raise InputError(f"is larger than {megabytes(limits.file_bytes)} uncompressed")
        return data

    return _Source(
        str(path),
        tuple(members),
        read,
        {rel: info.file_size for rel, info in members.items()},
        {rel: info.compress_size for rel, info in members.items()},
        handle.close,
    )


class _ArchiveHandle:
    """One open zip archive per process, kept for every member read from it.

    Opening a ``ZipFile`` parses the whole central directory; opening it once per member
    made reading an export quadratic in its member count (2,566 members: 2,566 parses). A
    forked worker (the compare's staging loader) opens its own handle once, rather than
    sharing a file position with its parent. The handle closes with the source.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pid = -1
        self._archive: zipfile.ZipFile | None = None
        #: how often the archive was opened (tests: once per process)
        self.opened = 0

    def archive(self) -> zipfile.ZipFile:
        if self._archive is None or self._pid != os.getpid():
            self._archive = zipfile.ZipFile(self.path)
            self._pid = os.getpid()
            self.opened += 1
        return self._archive

    def close(self) -> None:
        if self._archive is not None and self._pid == os.getpid():
            self._archive.close()
        self._archive = None

    def __del__(self) -> None:
        self.close()


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


def check_regular(path: Path, what: str = "an export folder or a .zip of one") -> os.stat_result:
    """Stat ``path`` (following a link given on the command line) and refuse anything that is
    neither a regular file nor a folder, before opening it: a FIFO would hang the run."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("no such file or folder", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise InputError(
            f"is not a regular file or folder (a FIFO, device or socket); expected {what}",
            file=str(path),
        )
    return info


def open_source(path: Path, limits: Limits | None = None) -> _Source:
    limits = limits or Limits.from_environment()
    info = check_regular(path)
    if stat.S_ISDIR(info.st_mode):
        return _folder_source(path, limits)
    if zipfile.is_zipfile(path):
        return _zip_source(path, limits)
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


def _check_sizes(source: _Source, parts: list[str], limits: Limits) -> None:
    """Refuse, before reading anything, a file or an export too large or a zip member that
    decompresses too far (a zip bomb), naming the export and the member."""
    total = 0
    for rel in parts:
        label = f"{source.location}/{rel}"
        size = source.sizes.get(rel, 0)
        if size > limits.file_bytes:
            raise InputError(too_big(f"is {megabytes(size)}", "file_bytes", limits), file=label)
        stored = source.compressed.get(rel)
        if stored is not None and size > RATIO_FLOOR and size > limits.ratio * max(stored, 1):
            raise InputError(
                too_big(
                    f"decompresses from {megabytes(stored)} to {megabytes(size)}, more than "
                    f"{limits.ratio} times: refusing a likely zip bomb",
                    "ratio",
                    limits,
                    "compression ratio limit",
                ),
                file=label,
            )
        total += size
    if total > limits.export_bytes:
        raise InputError(
            too_big(f"the export's files hold {megabytes(total)}", "export_bytes", limits),
            file=source.location,
        )


def read_export(path: Path, limits: Limits | None = None) -> ExportFiles:
    """Find the files of the export at ``path`` (folder or zip); parsing is left to ``load``.

    ``limits`` default to :meth:`Limits.from_environment`.
    """
    limits = limits or Limits.from_environment()
    source = open_source(path, limits)
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
    _check_sizes(source, kinds["mv"][:1] + kinds["connector"] + kinds["sync-rule"], limits)
    warnings = [
        f"{source.location}/{rel}: not part of an export, ignored" for rel in sorted(kinds["other"])
    ]
    if not kinds["sync-rule"]:
        warnings.append(
            f"{source.location}: no {SYNC_RULES_DIR}/*.xml; compared as a server without sync "
            "rules, but an Entra Connect export always has them (was the folder left out?)"
        )
    return ExportFiles(
        source.location,
        source.read,
        kinds["mv"][0],
        tuple(sorted(kinds["connector"])),
        tuple(sorted(kinds["sync-rule"])),
        tuple(warnings),
        limits,
        source.close,
    )
