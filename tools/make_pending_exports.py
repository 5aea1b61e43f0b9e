#!/usr/bin/env python3
"""Write a generated csexport file (pending exports of one Entra ID connector) for the bench.

    python tools/make_pending_exports.py OUT.xml --objects 1000000 [--seed S] [--utf16] [--pretty]

Streams one object at a time (memory stays flat); 1,000,000 objects make about 1.5 GB in the
default compact UTF-8 layout (``exportkit.pendingbench.BYTES_PER_OBJECT`` bytes per object).
The same arguments write the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exportkit.csexport import CsExportStyle
from exportkit.pendingbench import write_bench_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--utf16", action="store_true", help="UTF-16LE with BOM, as some tools write")
    ap.add_argument("--pretty", action="store_true", help="one element a line, indented")
    args = ap.parse_args(argv)
    style = CsExportStyle(encoding="utf-16" if args.utf16 else "utf-8", compact=not args.pretty)
    written = write_bench_file(args.out, args.objects, seed=args.seed, style=style)
    print(f"wrote {args.out}: {written:,} objects, {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
