"""Find the exports in a drop folder and choose what a nightly run compares.

Each Entra Connect server's scheduled task leaves its export in ``DROP/<anything>/`` as a zip
or a folder. An export says itself which server wrote it, when, with which product version
and whether the server is in staging mode (MV.xml's ``server`` and ``export-date`` attributes
and the ``Microsoft.Synchronize.StagingMode`` parameter), so driftcheck never trusts file or
folder names for that.

Two layers: :func:`scan_drop` and :func:`verify_export` touch files; :func:`select` is pure
(a list of :class:`ExportInfo` in, a :class:`Selection` out) and is where the rules live:
per server the newest and the previous export, the active server against each staging
server, pairs taken too far apart refused.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from driftcheck.errors import InputError
from driftcheck.read.files import read_export
from driftcheck.read.limits import Limits, check_member_count, too_big

STAGING_MODE = "Microsoft.Synchronize.StagingMode"
PRODUCT_VERSION = "Microsoft.Synchronize.ServerConfigurationVersion"

#: Default for ``--max-skew``: the two exports of a pair must be taken this close together.
#: Nightly tasks on two servers run minutes apart; 36 hours still accepts last night's
#: export of a server whose copy failed tonight, and refuses anything older.
DEFAULT_MAX_SKEW_HOURS = 36.0

#: Names a copy in progress has (the export script copies to ``*.tmp`` then renames;
#: robocopy, browsers and editors use the others).
_TEMPORARY_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", "~")

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")


@dataclass(frozen=True)
class ExportInfo:
    """What an export says about itself. ``exported`` has no time zone: the server's clock."""

    path: Path
    server: str
    exported: datetime
    product_version: str
    staging: bool

    @property
    def key(self) -> str:
        """Server names are NetBIOS names: compare them ignoring case."""
        return self.server.casefold()

    @property
    def role(self) -> str:
        return "staging" if self.staging else "active"


@dataclass(frozen=True)
class Skipped:
    """A candidate that is not (yet) a readable export, and why."""

    path: Path
    reason: str

    @property
    def warning(self) -> str:
        return f"{self.path}: {self.reason}; skipped"


@dataclass(frozen=True)
class ServerExports:
    """One server's newest readable export and the one before it (``None`` on its first night)."""

    newest: ExportInfo
    previous: ExportInfo | None


@dataclass(frozen=True)
class Comparison:
    """One comparison of a nightly run. ``kind`` is ``pair`` (active vs a staging server) or
    ``self`` (a server's previous export vs its newest)."""

    kind: str
    left: ExportInfo
    right: ExportInfo

    @property
    def key(self) -> str:
        """Stable identity of what is compared, night after night: server names only, never
        dates or paths. The history's pair key, as ``compare --history`` writes it for the same
        two servers (``fab-sync01|fab-sync02``), and ``self:fab-sync01`` for self-drift."""
        if self.kind == "self":
            return f"self:{self.left.key}"
        return f"{self.left.key}|{self.right.key}"

    @property
    def title(self) -> str:
        if self.kind == "self":
            return f"{self.right.server} since {self.left.exported:%Y-%m-%d %H:%M}"
        return f"{self.left.server} vs {self.right.server}"


@dataclass(frozen=True)
class Selection:
    servers: tuple[ServerExports, ...]
    comparisons: tuple[Comparison, ...]
    warnings: tuple[str, ...]
    #: Why no active-vs-staging pair can be compared; empty when at least one can.
    problem: str = ""


# --- pure selection -----------------------------------------------------------------------


def newest_two(exports: Iterable[ExportInfo]) -> dict[str, ServerExports]:
    """Per server (ignoring case), the newest export and the newest one taken before it.

    The same export dropped twice (equal export dates) is one export: the previous one must
    be older, or self-drift would compare an export with its copy.
    """
    by_server: dict[str, list[ExportInfo]] = {}
    for info in exports:
        by_server.setdefault(info.key, []).append(info)
    chosen: dict[str, ServerExports] = {}
    for key, infos in by_server.items():
        ordered = sorted(infos, key=lambda i: (i.exported, str(i.path)), reverse=True)
        newest = ordered[0]
        previous = next((i for i in ordered if i.exported < newest.exported), None)
        chosen[key] = ServerExports(newest, previous)
    return dict(sorted(chosen.items()))


def _hours(a: datetime, b: datetime) -> float:
    return abs((a - b).total_seconds()) / 3600


def select(exports: Sequence[ExportInfo], *, max_skew_hours: float) -> Selection:
    """The night's comparisons: the active server against each staging server, and each
    server against its own previous export.

    A pair whose exports were taken more than ``max_skew_hours`` apart is refused with a
    warning (a change made between the two exports would read as drift). ``problem`` is set
    when no pair at all can be compared; the self comparisons are listed all the same.
    """
    servers = newest_two(exports)
    active = [s for s in servers.values() if not s.newest.staging]
    staging = [s for s in servers.values() if s.newest.staging]
    warnings: list[str] = []
    pairs: list[Comparison] = []
    problem = ""
    if len(active) > 1:
        names = ", ".join(s.newest.server for s in active)
        problem = (
            f"more than one active server (StagingMode False): {names}; a drop folder must "
            "hold the servers of one Entra Connect installation"
        )
    elif not active:
        problem = "no export of an active server (StagingMode False)"
    elif not staging:
        problem = "no export of a staging server (StagingMode True)"
    else:
        primary = active[0].newest
        for server in staging:
            skew = _hours(primary.exported, server.newest.exported)
            if skew > max_skew_hours:
                warnings.append(
                    f"{primary.server} ({primary.exported:%Y-%m-%d %H:%M}) and "
                    f"{server.newest.server} ({server.newest.exported:%Y-%m-%d %H:%M}) were "
                    f"exported {skew:.0f} hours apart (more than --max-skew "
                    f"{max_skew_hours:g}); not compared"
                )
            else:
                pairs.append(Comparison("pair", primary, server.newest))
        if not pairs:
            problem = "no active and staging export taken within --max-skew of each other"
    selves = [
        Comparison("self", s.previous, s.newest) for s in servers.values() if s.previous is not None
    ]
    for s in servers.values():
        if s.previous is not None and s.previous.staging != s.newest.staging:
            warnings.append(
                f"{s.newest.server} changed role: {s.previous.role} on "
                f"{s.previous.exported:%Y-%m-%d}, {s.newest.role} on {s.newest.exported:%Y-%m-%d}"
            )
    return Selection(tuple(servers.values()), (*pairs, *selves), tuple(warnings), problem)


# --- reading the drop folder --------------------------------------------------------------


def is_temporary_name(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith((".", "~$")) or lowered.endswith(_TEMPORARY_SUFFIXES)


def candidates(drop: Path) -> tuple[list[Path], list[Skipped]]:
    """Zips and folders one level below each folder of ``drop``; copies in progress apart."""
    if not drop.is_dir():
        raise InputError(
            "is not a folder (expected the drop folder the exports are copied to)", file=str(drop)
        )
    found: list[Path] = []
    skipped: list[Skipped] = []
    for group in sorted(p for p in drop.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for item in sorted(group.iterdir()):
            if is_temporary_name(item.name):
                if item.is_file() or item.is_dir():
                    skipped.append(Skipped(item, "temporary name, still being copied"))
            elif item.is_dir() or (item.is_file() and item.suffix.lower() == ".zip"):
                found.append(item)
    return found, skipped


def parse_export_date(text: str) -> datetime | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def _parameter(root: etree._Element, name: str) -> str | None:
    for el in root.iter("{*}parameter"):
        if el.get("name") == name:
            return (el.text or "").strip()
    return None


def export_info(path: Path) -> ExportInfo:
    """Read what an export says about itself from its MV.xml (parsed by driftcheck.read.files, with
    entities, DTDs and the network off). Raises :class:`InputError` if it cannot tell."""
    if path.is_file() and not zipfile.is_zipfile(path):
        raise InputError("not a complete zip archive (still being copied, or damaged)")
    files = read_export(path)
    root = files.load(files.mv).root
    label = files.label(files.mv)
    server = (root.get("server") or "").strip()
    if not server:
        raise InputError("MV.xml names no server (attribute server=)", file=label)
    exported = parse_export_date(root.get("export-date") or "")
    if exported is None:
        raise InputError(
            f"MV.xml has no readable export-date ({root.get('export-date')!r})", file=label
        )
    mode = _parameter(root, STAGING_MODE)
    if mode is None or mode.lower() not in ("true", "false"):
        raise InputError(f"MV.xml has no {STAGING_MODE} parameter of True or False", file=label)
    return ExportInfo(
        path=path,
        server=server,
        exported=exported,
        product_version=_parameter(root, PRODUCT_VERSION) or "",
        staging=mode.lower() == "true",
    )


def verify_export(info: ExportInfo) -> None:
    """Check every member of a zip against its CRC before it is compared: a zip copied in
    place without the rename, or damaged on the way, fails here rather than half-way."""
    if info.path.is_dir():
        return
    limits = Limits.from_environment()
    try:
        with zipfile.ZipFile(info.path) as archive:
            members = archive.infolist()
            # bounded before the CRC check decompresses every member
            check_member_count(len(members), str(info.path), limits)
            if sum(m.file_size for m in members) > limits.export_bytes:
                what = "the archive unpacks to more than the export size limit"
                raise InputError(too_big(what, "export_bytes", limits), file=str(info.path))
            bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
        reason = f"damaged zip ({' '.join(str(exc).split())})"
        raise InputError(reason, file=str(info.path)) from None
    if bad is not None:
        raise InputError(f"damaged zip member {bad!r}", file=str(info.path))


def scan_drop(drop: Path) -> tuple[list[ExportInfo], list[Skipped]]:
    """Every readable export in ``drop``, and every candidate skipped with its reason."""
    paths, skipped = candidates(drop)
    exports: list[ExportInfo] = []
    for path in paths:
        try:
            exports.append(export_info(path))
        except InputError as exc:
            inside = exc.file not in (None, str(path))  # a member's name and line tell more
            skipped.append(Skipped(path, exc.message if inside else exc.reason))
    return exports, skipped


def discover(drop: Path, *, max_skew_hours: float = DEFAULT_MAX_SKEW_HOURS) -> Selection:
    """Scan ``drop``, select the night's comparisons, and verify the zips chosen; a zip that
    fails verification is skipped and the selection made again without it."""
    exports, skipped = scan_drop(drop)
    while True:
        selection = select(exports, max_skew_hours=max_skew_hours)
        chosen = {c.left for c in selection.comparisons} | {c.right for c in selection.comparisons}
        damaged: set[Path] = set()
        for info in sorted(chosen, key=lambda i: str(i.path)):
            try:
                verify_export(info)
            except InputError as exc:
                skipped.append(Skipped(info.path, exc.reason))
                damaged.add(info.path)
        if not damaged:
            break
        exports = [e for e in exports if e.path not in damaged]
    notes = tuple(s.warning for s in sorted(skipped, key=lambda s: str(s.path)))
    return Selection(
        selection.servers,
        selection.comparisons,
        notes + selection.warnings,
        selection.problem,
    )
