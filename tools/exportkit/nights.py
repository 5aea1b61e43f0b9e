"""A nightly drop folder: the Fabrikam servers' exports over several nights (issue 11's tests).

    from exportkit import Night, nights
    written = nights(drop, [
        Night("2025-03-01"),
        Night("2025-03-02", staging=("delete-threshold",)),       # drift appears on staging
        Night("2025-03-03", staging=("delete-threshold",), primary=("ou-filter",)),
        Night("2025-03-04", upgraded=True),                        # drift gone; auto-upgrade
        Night("2025-03-05", skip=("primary",), half_copied=("staging",)),
    ])

Each night both servers export (FAB-SYNC01, the active primary, and FAB-SYNC02, staging) to
``DROP/<server>/<server>_<date>.zip`` (``zipped=False``: folders
``DROP/<server>/<server>_<date>/``); a zip holds the export one folder down
(``<server>_<date>/Connectors/...``). Each export's ``GlobalSettings/MV.xml`` root carries
``server`` and ``export-date`` (``<date> 02:0x:..`` for the primary, ``02:2x`` for staging);
every night also changes what a server's next export changes anyway (modification times,
counters, cookies, next start time). Nights need not be consecutive or sorted.

Per night and server: ``staging``/``primary`` name changes of :data:`exportkit.changes.CHANGES`
present on that server that night (a change present on both servers is self-drift only);
``upgraded`` puts the staging server on the upgraded version of ``samples/staging-upgraded``;
``skip`` leaves a server's export out; ``half_copied`` writes its zip truncated to half its
bytes (a copy still in progress; zips only). :meth:`Night.pair_findings` and
:func:`self_findings` give the findings driftcheck must report (manifest terms).
"""

from __future__ import annotations

import random
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from . import fabrikam, noise, upgrade
from .changes import CHANGES
from .manifest import Finding
from .model import Export
from .writer import write_export

SERVERS = {"primary": "FAB-SYNC01", "staging": "FAB-SYNC02"}


@dataclass(frozen=True)
class Night:
    """One night of exports (see the module docstring)."""

    date: str  # YYYY-MM-DD
    staging: tuple[str, ...] = ()
    primary: tuple[str, ...] = ()
    upgraded: bool = False
    skip: tuple[str, ...] = ()
    half_copied: tuple[str, ...] = ()

    def changes(self, role: str) -> tuple[str, ...]:
        return self.primary if role == "primary" else self.staging

    def pair_findings(self) -> list[Finding]:
        """What comparing that night's primary (first) with its staging (second) must report.

        With ``upgraded`` the upgrade's product changes are included with the severity of
        today's equal-version comparison (``samples/upgrade-expected.json``).
        """
        out: list[Finding] = []
        for name in self.staging:
            if name not in self.primary:
                out += CHANGES[name].findings
        for name in self.primary:
            if name not in self.staging:
                out += CHANGES[name].findings_if_on_first()
        if self.upgraded:
            _export, moved = upgrade.upgraded_export()
            out += [
                replace(f, severity=f.baseline, baseline="")
                for f in upgrade.upgrade_findings(moved)
                if not f.ignored_by
            ]
        return out


def self_findings(previous: Night, current: Night, role: str) -> list[Finding]:
    """What comparing a server's export of ``previous`` with that of ``current`` must report
    (changes only; an upgrade between the two nights is not included)."""
    before, after = previous.changes(role), current.changes(role)
    out: list[Finding] = []
    for name in after:
        if name not in before:
            out += CHANGES[name].findings
    for name in before:
        if name not in after:
            out += CHANGES[name].findings_if_on_first()
    return out


def night_export(night: Night, role: str) -> Export:
    """The model of one server's export that night."""
    if role == "primary":
        export = fabrikam.build_export(fabrikam.PRIMARY)
    elif night.upgraded:
        export, _moved = upgrade.upgraded_export()
    else:
        export = fabrikam.build_export(fabrikam.STAGING, drift=False)
    for name in night.changes(role):
        CHANGES[name].apply(export)
    rng = random.Random(f"{fabrikam.SEED}/nights/{role}/{night.date}")
    start = datetime.fromisoformat(night.date) + timedelta(hours=2)
    if role == "staging":
        start += timedelta(minutes=20)
    when = start + timedelta(seconds=rng.randrange(600), milliseconds=rng.randrange(1000))
    noise.change_tracking(export, rng, when, recreated=False)
    noise.sync_state(export, rng)
    noise.scheduler_next_start(export, when + timedelta(minutes=30 - when.minute % 30))
    return export


def _zip_folder(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")


def nights(drop_dir: Path, nights: Sequence[Night], *, zipped: bool = True) -> list[Path]:
    """Write every night's exports into ``drop_dir``; return the paths written, in order."""
    written: list[Path] = []
    for night in nights:
        for role, server in SERVERS.items():
            if role in night.skip:
                continue
            name = f"{server}_{night.date}"
            folder = drop_dir / server / name
            export = night_export(night, role)
            if not zipped:
                write_export(folder, export)
                written.append(folder)
                continue
            staging_area = drop_dir / server / f".{name}.tmp" / name
            write_export(staging_area, export)
            target = drop_dir / server / f"{name}.zip"
            _zip_folder(staging_area, target)
            shutil.rmtree(staging_area.parent)
            if role in night.half_copied:
                data = target.read_bytes()
                target.write_bytes(data[: len(data) // 2])
            written.append(target)
    return written
