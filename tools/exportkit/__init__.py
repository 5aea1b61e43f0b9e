"""exportkit: the one writer of Entra Connect configuration exports, for tests and the bench.

Not part of the installed package (no admin runs it): it lives in ``tools/`` and is imported by
the tests (``tests/conftest.py`` puts ``tools`` on ``sys.path``), by ``tools/build_samples.py``
and by ``bench/``.

Layers, each in its own module:

- :mod:`exportkit.model`: the export as dataclasses (connectors, metaverse, settings, rules).
- :mod:`exportkit.writer`: model to files, with the serialisation options a real export shows
  (namespace prefix styles, the one-line AD connector body, UTF-16/CRLF, the GUI wrapper).
- :mod:`exportkit.catalog`: the out-of-box rule catalogue, schemas and global settings, once.
- :mod:`exportkit.noise`: one transform per built-in ignore rule of driftcheck, applied to a
  model before writing (what differs between two healthy servers).
- :mod:`exportkit.manifest`: the manifest format (expected findings in driftcheck's terms).
- Scenario tables: :mod:`exportkit.fabrikam` (the bundled samples) and :mod:`exportkit.estate`
  (the N-forest benchmark estate); built on the Fabrikam twin: :mod:`exportkit.upgrade` (an
  upgraded staging server and planted suspect changes) and :mod:`exportkit.nights` (a nightly
  drop folder); :mod:`exportkit.pending` (the staging server's pending exports, csexport XML
  written by :mod:`exportkit.csexport`).

Public API: :func:`build_samples` (everything in ``samples/``), :func:`write_pair` (the
estate), :func:`write_upgraded` and :func:`upgrade_variant` with :data:`SUSPECTS` (the upgraded
staging server, and one suspect change on top), :func:`nights` with :class:`Night` and
:func:`self_findings` (a nightly drop folder), :func:`read_findings` (a manifest's findings).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import fabrikam, pending, upgrade
from .estate import write_pair
from .manifest import Finding, read_findings, write_manifest
from .nights import Night, nights, self_findings
from .upgrade import SUSPECTS, upgrade_variant, write_upgraded

__all__ = [
    "SUSPECTS",
    "Finding",
    "Night",
    "build_samples",
    "differing_files",
    "nights",
    "read_findings",
    "self_findings",
    "upgrade_variant",
    "write_pair",
    "write_upgraded",
]


def build_samples(root: Path) -> list[str]:
    """Write everything under ``samples/`` into ``root``; return verification problems."""
    primary, staging = fabrikam.write_samples(root)
    upgraded = root / upgrade.FOLDER
    if upgraded.exists():
        shutil.rmtree(upgraded)
    product_changes = upgrade.write_upgraded(upgraded)
    readme = fabrikam.readme_lines(primary.rules, staging.rules)
    readme += upgrade.readme_lines(product_changes)
    pending_folder = root / pending.FOLDER
    if pending_folder.exists():
        shutil.rmtree(pending_folder)
    plan = pending.write_pending(pending_folder)
    readme += pending.readme_lines(plan)
    (root / "README.md").write_text("\n".join(readme), encoding="utf-8")
    write_manifest(
        root / "expected-drift.json", fabrikam.samples_manifest(primary.rules, staging.rules)
    )
    write_manifest(root / "upgrade-expected.json", upgrade.upgrade_manifest(product_changes))
    write_manifest(root / pending.EXPECTED, pending.expected(plan))
    return fabrikam.verify(root)


def differing_files(built: Path, bundled: Path) -> list[str]:
    """Relative paths whose bytes differ between two folders (or exist in one only)."""

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    a, b = files(built), files(bundled)
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))
