#!/usr/bin/env python3
"""Build driftcheck's bundled sample exports (``samples/``) with the export kit.

Writes ``samples/primary`` and ``samples/staging`` (the Fabrikam pair, scenario
``exportkit.fabrikam``), ``samples/staging-upgraded`` (the staging server after an in-place
upgrade, ``exportkit.upgrade``), ``samples/README.md`` and the two manifests
``samples/expected-drift.json`` and ``samples/upgrade-expected.json``. Deterministic: the same
kit writes the same bytes.

Usage (from the project root)::

    python tools/build_samples.py            # (re)write samples/
    python tools/build_samples.py --check    # exit 1 if samples/ differs from what the kit writes
    python tools/build_samples.py --out DIR  # write elsewhere
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exportkit import build_samples, differing_files

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=SAMPLES, help="samples folder (default: samples/)")
    ap.add_argument(
        "--check",
        action="store_true",
        help="build into a temporary folder and compare it with --out byte for byte",
    )
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build_samples(Path(tmp))
            diff = differing_files(Path(tmp), args.out)
        for name in diff:
            print(f"differs: {name}", file=sys.stderr)
        if diff:
            print(f"{args.out} is not what the kit writes: run tools/build_samples.py")
            return 1
        print(f"{args.out}: identical to what the kit writes")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    problems = build_samples(args.out)
    for p in problems:
        print("VERIFY:", p, file=sys.stderr)
    print(f"wrote {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
