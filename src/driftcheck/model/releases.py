"""Entra Connect builds: version strings, and the bundled release table that retires them.

The table (``driftcheck/data/releases.toml``) is transcribed from Microsoft's *Version release
history*; :func:`load_release_table` validates it and refuses a damaged entry with an
:class:`InputError` naming the entry, so a bad table never ends in a traceback. Version strings
read from an export go through :func:`parse_version`, which returns None for anything that is
not a dotted number, so that a check can report an *unknown build* instead of failing.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from driftcheck.errors import InputError
from driftcheck.model.vocab import Severity

#: A product version as numbers, padded to four parts: (2, 4, 18, 0).
Version = tuple[int, int, int, int]

_VERSION = re.compile(r"\d{1,9}(\.\d{1,9}){1,3}")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
TABLE_FILE = "releases.toml"


def parse_version(text: str | None) -> Version | None:
    """``"2.4.18.0"`` as (2, 4, 18, 0); None when the text is not 2 to 4 dotted numbers."""
    if text is None or not _VERSION.fullmatch(text.strip()):
        return None
    parts = [int(p) for p in text.strip().split(".")]
    parts += [0] * (4 - len(parts))
    return (parts[0], parts[1], parts[2], parts[3])


def version_text(version: Version) -> str:
    return ".".join(str(p) for p in version)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Release:
    version: Version
    #: the release day; for a month-only entry, the last day of that month
    released: date
    #: "day" or "month": how precisely the source dates it
    precision: str
    source: str


@dataclass(frozen=True)
class Deadline:
    """A service change that stops builds below ``minimum`` working from ``date``."""

    minimum: Version
    date: date
    severity: Severity
    effect: str
    source: str


@dataclass(frozen=True)
class ReleaseTable:
    releases: tuple[Release, ...]
    deadlines: tuple[Deadline, ...]
    retirement_months: int
    table_date: date
    source: str
    v1_retired: date
    v1_sync_stopped: date
    v1_auto_upgrade_fixed_in: Version
    v1_source: str

    def find(self, version: Version) -> Release | None:
        return next((r for r in self.releases if r.version == version), None)

    def superseded_by(self, version: Version) -> Release | None:
        """The first release (by date) of a build newer than ``version``, if the table has one."""
        newer = [r for r in self.releases if r.version > version]
        return min(newer, key=lambda r: (r.released, r.version)) if newer else None

    def retirement(self, version: Version) -> tuple[Release, date] | None:
        """(the newer release, the day ``version`` retires), or None while nothing supersedes it."""
        newer = self.superseded_by(version)
        if newer is None:
            return None
        return newer, add_months(newer.released, self.retirement_months)

    @property
    def latest(self) -> Release | None:
        return max(self.releases, key=lambda r: r.version) if self.releases else None


# --- reading and validating the table ------------------------------------------------------


def _day(value: Any, where: str, label: str) -> tuple[date, str]:
    text = value.isoformat() if isinstance(value, date) else value
    if isinstance(text, str):
        try:
            if _DAY.fullmatch(text):
                return date.fromisoformat(text), "day"
            found = _MONTH.fullmatch(text)
            if found:
                year, month = int(found[1]), int(found[2])
                last = calendar.monthrange(year, month)[1]
                return date(year, month, last), "month"
        except ValueError:
            pass
    raise InputError(f"{where}: {label} {value!r} is not a date (YYYY-MM-DD or YYYY-MM)")


def _version(value: Any, where: str, label: str) -> Version:
    parsed = parse_version(value) if isinstance(value, str) else None
    if parsed is None:
        raise InputError(f"{where}: {label} {value!r} is not a version like 2.4.18.0")
    return parsed


def _text(entry: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {key} must be a non-empty string")
    return value


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"[[{key}]] must be a list of tables")
    return entries


def parse_release_table(data: dict[str, Any]) -> ReleaseTable:
    """A validated :class:`ReleaseTable` from the TOML document; InputError names bad entries."""
    source = _text(data, "source", "release table")
    releases: list[Release] = []
    seen: set[Version] = set()
    for number, entry in enumerate(_entries(data, "release"), start=1):
        where = f"release #{number} ({entry.get('version', '?')})"
        version = _version(entry.get("version"), where, "version")
        if version in seen:
            raise InputError(f"{where}: version listed twice")
        seen.add(version)
        released, precision = _day(entry.get("released"), where, "released")
        releases.append(Release(version, released, precision, entry.get("source", source)))
    deadlines = []
    for number, entry in enumerate(_entries(data, "deadline"), start=1):
        where = f"deadline #{number} ({entry.get('minimum', '?')})"
        severity = _text(entry, "severity", where)
        if severity not in set(Severity):
            raise InputError(f"{where}: severity {severity!r} is not info, warning or blocking")
        deadlines.append(
            Deadline(
                _version(entry.get("minimum"), where, "minimum"),
                _day(entry.get("date"), where, "date")[0],
                Severity(severity),
                _text(entry, "effect", where),
                _text(entry, "source", where),
            )
        )
    v1 = data.get("v1")
    if not isinstance(v1, dict):
        raise InputError("release table: [v1] is missing")
    months = data.get("retirement_months")
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 120:
        raise InputError(f"release table: retirement_months {months!r} is not 1 to 120")
    return ReleaseTable(
        releases=tuple(sorted(releases, key=lambda r: r.version)),
        deadlines=tuple(sorted(deadlines, key=lambda d: d.date)),
        retirement_months=months,
        table_date=_day(data.get("table_date"), "release table", "table_date")[0],
        source=source,
        v1_retired=_day(v1.get("retired"), "[v1]", "retired")[0],
        v1_sync_stopped=_day(v1.get("sync_stopped"), "[v1]", "sync_stopped")[0],
        v1_auto_upgrade_fixed_in=_version(
            v1.get("auto_upgrade_fixed_in"), "[v1]", "auto_upgrade_fixed_in"
        ),
        v1_source=_text(v1, "source", "[v1]"),
    )


def load_release_table(text: str | None = None, *, name: str = TABLE_FILE) -> ReleaseTable:
    """The bundled release table (or ``text``, for tests), validated."""
    if text is None:
        text = resources.files("driftcheck").joinpath("data", TABLE_FILE).read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", file=name) from None
    try:
        return parse_release_table(data)
    except InputError as exc:
        raise InputError(exc.reason, file=name) from None
