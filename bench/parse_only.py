"""The benchmark's floor: parse every XML file of two exports with lxml, and nothing else.

    python bench/parse_only.py PRIMARY STAGING

Uses the parser settings driftcheck itself must use (no entities, no network, no DTD, no huge
trees) and parses from bytes, one file at a time, dropping each tree straight away. Whatever
driftcheck does beyond this (modelling, normalising, comparing, reporting) is its overhead; run
as a child process so that its time and peak RSS can be measured on their own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree


def make_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def export_files(export: Path) -> list[Path]:
    """The files an export is made of: Connectors/*.xml, GlobalSettings/MV.xml, rules."""
    return sorted(
        [
            *export.glob("Connectors/*.xml"),
            *export.glob("GlobalSettings/*.xml"),
            *export.glob("SynchronizationRules/*.xml"),
        ]
    )


def parse_export(export: Path, parser: etree.XMLParser) -> tuple[int, int, int]:
    """Parse every file; return (files, bytes, elements) so the work cannot be optimised away."""
    files = size = elements = 0
    for path in export_files(export):
        data = path.read_bytes()
        root = etree.fromstring(data, parser)
        files += 1
        size += len(data)
        elements += sum(1 for _ in root.iter())
    return files, size, elements


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: parse_only.py PRIMARY STAGING", file=sys.stderr)
        return 2
    parser = make_parser()
    total_files = total_bytes = total_elements = 0
    for folder in args:
        export = Path(folder)
        if not (export / "GlobalSettings" / "MV.xml").is_file():
            print(f"parse_only.py: {export} is not an export folder", file=sys.stderr)
            return 2
        files, size, elements = parse_export(export, parser)
        total_files += files
        total_bytes += size
        total_elements += elements
    print(f"parsed {total_files} files, {total_bytes / 1e6:.1f} MB, {total_elements} elements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
