"""Reading a zip export is linear in its member count (``make bench``).

    python bench/bench_zip.py

Zips of the primary sample with extra sync-rule members, 1,000 / 10,000 / 100,000 members:
the time to read and model each (``driftcheck check`` reads the same way). With the default
member limit (DRIFTCHECK_MAX_MEMBERS, 50,000), 100,000 members are refused; the figure is
the time to refuse. The goal of issue 21: linear, 100,000 members read or refused in < 10 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
import zipfile
from pathlib import Path

from driftcheck.errors import InputError
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "primary"
SIZES = (1_000, 10_000, 100_000)
GOAL_SECONDS = 10.0


def write_zip(target: Path, members: int) -> None:
    files = [p for p in sorted(SAMPLE.rglob("*")) if p.is_file()]
    template = sorted((SAMPLE / "SynchronizationRules").glob("*.xml"))[0].read_text("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in files:
            archive.write(path, path.relative_to(SAMPLE).as_posix())
        for n in range(members - len(files)):
            guid = f"{{00000000-0000-4000-8000-{n:012d}}}"
            text = template.replace("<name>", f"<name>copy {n} of ", 1)
            archive.writestr(f"SynchronizationRules/SynchronizationRule_{guid}.xml", text)


def main() -> int:
    print("zip export read time by member count (read and model every member)")
    ok = True
    per_member: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            target = Path(tmp) / f"export-{size}.zip"
            write_zip(target, size)
            started = time.perf_counter()
            try:
                rules = len(server_configuration(read_export(target)).sync_rules)
                outcome = f"read, {rules:,} sync rules"
            except InputError as exc:
                outcome = f"refused: {exc.reason[:70]}…"
            elapsed = time.perf_counter() - started
            if outcome.startswith("read"):
                per_member.append(elapsed / size)
            print(f"  {size:>7,} members  {elapsed:7.2f} s  {outcome}")
            ok = ok and elapsed < GOAL_SECONDS
            target.unlink()
    if len(per_member) >= 2:
        growth = per_member[-1] / per_member[0]
        print(f"  time per member, largest read / smallest: {growth:.2f}x (1.0x is linear)")
    print(f"  every size read or refused in < {GOAL_SECONDS:.0f} s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
