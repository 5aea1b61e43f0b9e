"""Find the csexport files of a run: files, folders and .zip archives, and name each one's
connector (``--connector``, else the export script's manifest, else the file's stem).

A zip is opened once and every member is streamed from that one handle. Members are checked as
the configuration reader checks them (no path outside the archive, no encrypted member, the
compression-ratio limit of docs/limits.md) before anything is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from driftcheck.errors import InputError, shorten
from driftcheck.read.files import GLOBAL_SETTINGS_DIR, MV_FILE, check_regular, read_regular_file
from driftcheck.read.limits import RATIO_FLOOR, Limits, check_member_count, too_big

PENDING_DIR = "PendingExports"
MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "driftcheck/pending-manifest/v1"
MANIFEST_BYTES = 4 * 1024 * 1024

#: How a file's connector was named, in the order the rules are tried.
BY_OPTION = "--connector"
BY_MANIFEST = "manifest"
BY_FILE_NAME = "file name"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class PendingFile:
    """One csexport file to read."""

    #: the file as the admin knows it: a path, or ``archive.zip/PendingExports/01.xml``
    label: str
    #: the file's name, for matching ``--connector NAME=FILE`` and the manifest
    name: str
    #: the path inside the archive or folder given ("PendingExports/01.xml")
    relative: str
    connector: str
    named_by: str
    open: Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


@dataclass(frozen=True)
class Inputs:
    files: tuple[PendingFile, ...]
    #: a configuration export found beside the pending exports (the default ``--config``)
    config: Path | None
    #: the server the manifest names
    server: str


@dataclass(frozen=True)
class _Found:
    label: str
    relative: str
    open: Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


def _open_file(path: Path) -> Callable[[], contextlib.AbstractContextManager[IO[bytes]]]:
    @contextlib.contextmanager
    def opener() -> Iterator[IO[bytes]]:
        flags = os.O_RDONLY | _NONBLOCK | _BINARY
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise InputError("is not a regular file; refusing to read it", file=str(path))
            yield handle

    return opener


def parse_connector_options(options: Sequence[str]) -> list[tuple[str, str]]:
    """``NAME=FILE`` pairs; the last ``=`` splits (connector names may hold one)."""
    pairs = []
    for option in options:
        name, sep, file = option.rpartition("=")
        if not sep or not name.strip() or not file.strip():
            raise InputError(
                f"--connector {shorten(option)!r}: expected NAME=FILE, e.g. "
                '--connector "contoso.com=01.xml"'
            )
        pairs.append((name.strip(), file.strip()))
    return pairs


def _manifest(data: bytes, label: str) -> tuple[str, dict[str, str]]:
    """The manifest's server and file -> connector map, or a one-line error."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", file=label) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"is not valid JSON ({exc.msg})", file=label, line=exc.lineno) from None
    if not isinstance(document, dict) or document.get("schema") != MANIFEST_SCHEMA:
        raise InputError(f'is not a manifest ("schema": "{MANIFEST_SCHEMA}" expected)', file=label)
    files = document.get("files")
    if not isinstance(files, list):
        raise InputError('has no "files" list', file=label)
    mapping: dict[str, str] = {}
    for n, item in enumerate(files, 1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("file"), str)
            and isinstance(item.get("connector"), str)
            and item["file"]
            and item["connector"]
        ):
            raise InputError(
                f'entry {n} of "files" needs a "file" and a "connector" string', file=label
            )
        mapping[PurePosixPath(item["file"].replace("\\", "/")).name.casefold()] = item["connector"]
    server = document.get("server")
    return (server if isinstance(server, str) else ""), mapping


def _folder(path: Path) -> tuple[list[_Found], bytes | None, str, Path | None]:
    pending = path / PENDING_DIR
    folder = pending if pending.is_dir() else path
    config = path if (path / GLOBAL_SETTINGS_DIR / MV_FILE).is_file() else None
    found: list[_Found] = []
    manifest: bytes | None = None
    manifest_label = str(folder / MANIFEST)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(
            f"cannot read this folder ({exc.strerror or exc})", file=str(folder)
        ) from None
    for entry in entries:
        info = entry.stat(follow_symlinks=False)
        lower = entry.name.casefold()
        if not (lower.endswith(".xml") or lower == MANIFEST):
            continue
        if stat.S_ISLNK(info.st_mode):
            raise InputError(
                "is a symbolic link; driftcheck does not follow links inside a folder it reads "
                "(copy the real file in instead)",
                file=entry.path,
            )
        if not stat.S_ISREG(info.st_mode):
            raise InputError("is not a regular file; refusing it", file=entry.path)
        if lower == MANIFEST:
            manifest = read_regular_file(Path(entry.path), MANIFEST_BYTES)
            continue
        rel = os.path.relpath(entry.path, path).replace(os.sep, "/")
        found.append(_Found(entry.path, rel, _open_file(Path(entry.path))))
    if not found:
        raise InputError("holds no .xml file; expected csexport files", file=str(folder))
    return found, manifest, manifest_label, config


def _zip(
    path: Path, stack: contextlib.ExitStack, limits: Limits
) -> tuple[list[_Found], bytes | None, str, Path | None]:
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
        check_member_count(len(infos := archive.infolist()), str(path), limits)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"not a readable zip archive ({shorten(str(exc))})", file=str(path)
        ) from None
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")
        pure = PurePosixPath(name)
        if name.startswith("/") or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
            raise InputError(
                f"zip entry {shorten(info.filename)!r} would land outside the archive's folder; "
                "refusing the archive",
                file=str(path),
            )
        if not info.is_dir():
            members[name] = info
    has_config = any(
        n.casefold().endswith(f"{GLOBAL_SETTINGS_DIR}/{MV_FILE}".casefold()) and n.count("/") <= 2
        for n in members
    )
    in_pending = [
        n
        for n in members
        if len(PurePosixPath(n).parts) >= 2
        and PurePosixPath(n).parts[-2].casefold() == PENDING_DIR.casefold()
        and len(PurePosixPath(n).parts) <= 3
    ]
    if in_pending:
        chosen = [n for n in in_pending if n.casefold().endswith(".xml")]
        manifest_names = [n for n in in_pending if PurePosixPath(n).name.casefold() == MANIFEST]
    else:
        chosen = [n for n in members if "/" not in n and n.casefold().endswith(".xml")]
        manifest_names = [n for n in members if n.casefold() == MANIFEST]
    if not chosen:
        raise InputError(
            f"holds no csexport file (expected {PENDING_DIR}/*.xml, or .xml files at the top)",
            file=str(path),
        )
    found = []
    for name in sorted(chosen):
        info = members[name]
        label = f"{path}/{name}"
        _check_member(info, label, limits)
        found.append(_Found(label, name, _member_opener(archive, info, label)))
    manifest = None
    manifest_label = f"{path}/{PENDING_DIR}/{MANIFEST}"
    if manifest_names:
        info = members[manifest_names[0]]
        manifest_label = f"{path}/{info.filename}"
        _check_member(info, manifest_label, limits)
        if info.file_size > MANIFEST_BYTES:
            raise InputError(
                f"is larger than {MANIFEST_BYTES // 1024 // 1024} MB", file=manifest_label
            )
        with archive.open(info) as handle:
            manifest = handle.read(MANIFEST_BYTES + 1)
    return found, manifest, manifest_label, (path if has_config else None)


def _check_member(info: zipfile.ZipInfo, label: str, limits: Limits) -> None:
    if info.flag_bits & 0x1:
        raise InputError("is encrypted; driftcheck reads unencrypted archives only", file=label)
    size, stored = info.file_size, info.compress_size
    if size > RATIO_FLOOR and size > limits.ratio * max(stored, 1):
        raise InputError(
            too_big(
                f"decompresses from {stored:,} to {size:,} bytes, more than {limits.ratio} "
                "times: refusing a likely zip bomb",
                "ratio",
                limits,
                "compression ratio limit",
            ),
            file=label,
        )


def _member_opener(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str
) -> Callable[[], contextlib.AbstractContextManager[IO[bytes]]]:
    @contextlib.contextmanager
    def opener() -> Iterator[IO[bytes]]:
        try:
            with archive.open(info) as member:
                yield member
        except zipfile.BadZipFile as exc:
            raise InputError(f"damaged zip member ({shorten(str(exc), 80)})", file=label) from None
        except EOFError:
            raise InputError("damaged zip member (it ends early)", file=label) from None
        except (OSError, ValueError, RuntimeError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"damaged zip member ({shorten(str(exc), 80)})", file=label) from None

    return opener


def _stem(name: str) -> str:
    return PurePosixPath(name).name.rsplit(".", 1)[0]


def gather(
    paths: Sequence[Path],
    connector_options: Sequence[str],
    stack: contextlib.ExitStack,
    limits: Limits,
) -> Inputs:
    """Every csexport file under ``paths``, each with its connector and the rule that named it.

    Zip archives stay open in ``stack`` until the run ends.
    """
    if not paths:
        raise InputError("no csexport file given")
    options = parse_connector_options(connector_options)
    used = [False] * len(options)
    files: list[PendingFile] = []
    config: Path | None = None
    server = ""
    seen: set[str] = set()
    for path in paths:
        info = check_regular(path, "a csexport .xml file, a folder of them or a .zip")
        manifest: bytes | None = None
        manifest_label = ""
        if stat.S_ISDIR(info.st_mode):
            found, manifest, manifest_label, here_config = _folder(path)
        elif zipfile.is_zipfile(path):
            found, manifest, manifest_label, here_config = _zip(path, stack, limits)
        else:
            found, here_config = [_Found(str(path), path.name, _open_file(path))], None
        config = config or here_config
        names: dict[str, str] = {}
        if manifest is not None:
            server_name, names = _manifest(manifest, manifest_label)
            server = server or server_name
            listed = {PurePosixPath(f.relative).name.casefold() for f in found}
            for file, connector in names.items():
                if file not in listed:
                    raise InputError(
                        f"lists {shorten(file)!r} (connector {shorten(connector)!r}) but that file "
                        "is not there: its pending exports would be missed",
                        file=manifest_label,
                    )
        for item in found:
            if item.label in seen:
                continue
            seen.add(item.label)
            name = PurePosixPath(item.relative).name
            connector, named_by = "", ""
            for n, (option_name, option_file) in enumerate(options):
                if option_file in (item.label, item.relative, name, str(path)):
                    connector, named_by, used[n] = option_name, BY_OPTION, True
                    break
            if not connector and name.casefold() in names:
                connector, named_by = names[name.casefold()], BY_MANIFEST
            if not connector:
                connector, named_by = _stem(name), BY_FILE_NAME
            files.append(
                PendingFile(item.label, name, item.relative, connector, named_by, item.open)
            )
    for n, flag in enumerate(used):
        if not flag:
            raise InputError(
                f"--connector {shorten(options[n][0])}={shorten(options[n][1])}: no csexport "
                "file of that name was given"
            )
    return Inputs(tuple(files), config, server)
