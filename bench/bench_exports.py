"""Benchmark ``driftcheck exports`` on generated csexport files (``make bench``).

    python bench/bench_exports.py [--sizes 100,1000] [--end-to-end 100000] [--strict]

1. Generates (on first use, cached in ``bench/data/pending-g<GENERATION>/``, regenerated when
   the generator's :data:`exportkit.pendingbench.GENERATION` changes) csexport files of about
   100 MB and 1 GB (``--sizes``, in MB) and one of ``--end-to-end`` objects (100,000), streamed
   by the export kit, so the generator's memory stays flat too.
2. For each size file: the floor, a bare lxml ``iterparse`` over the same file in the same run
   (``--floor``: a child process that walks every ``cs-object`` with the safe parser settings and
   clears it, nothing else; shown too: the same with an event for every element), then
   ``driftcheck exports FILE --json OUT``; wall time and peak RSS
   of each child (``run_bench.measure``), the ratio to the floor (target at most 2x), peak RSS
   (target under 300 MB, and flat: the 1 GB file within 1.5x of the 100 MB one).
3. The end-to-end file: ``driftcheck exports FILE --json --csv --html`` with the text summary on
   stdout (target under 15 s) and the size of the HTML page.

driftcheck cuts a large file into ranges read side by side by up to one process per core
(``DRIFTCHECK_WORKERS``; cores here: printed first); the same command with
``DRIFTCHECK_WORKERS=1`` (one process) is shown beside it, for comparison only.

Each command runs once (the files are large and the machine is shared); the floor runs just
before driftcheck on the same file, so both meet the same page cache. Exit code 0 unless
``--strict`` and a target failed; 2 when driftcheck exits 2 (an error, not a measurement).
Sizes are decimal: 1 MB = 10^6 bytes, 1 GB = 10^9 bytes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MB = 1e6
GB = 1e9
MAX_RATIO = 2.0
MAX_RSS = 300 * MB
MAX_FLAT = 1.5  # peak RSS of the largest file over that of the smallest
MAX_END_TO_END = 15.0  # seconds

sys.path.insert(0, str(HERE.parent / "tools"))
sys.path.insert(0, str(HERE))
from exportkit import pendingbench  # noqa: E402
from run_bench import Run, driftcheck_script, measure  # noqa: E402

from driftcheck.read.workers import available_cores  # noqa: E402


def data_folder() -> Path:
    return DATA / f"pending-g{pendingbench.GENERATION}"


def ensure_file(name: str, count: int) -> tuple[Path, float | None]:
    """The cached file of ``count`` objects; generated (under a temporary name, then renamed)
    when missing. Returns it and the generation time (None when reused)."""
    folder = data_folder()
    path = folder / f"{name}-{count}.xml"
    if path.is_file():
        return path, None
    folder.mkdir(parents=True, exist_ok=True)
    for old in DATA.glob("pending-g*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)  # an older generator's files
    partial = path.with_suffix(".partial")
    print(f"generating {path.name}: {count:,} objects ...", flush=True)
    started = time.perf_counter()
    pendingbench.write_bench_file(partial, count)
    elapsed = time.perf_counter() - started
    partial.rename(path)
    return path, elapsed


def floor(path: Path, *, every_element: bool = False) -> int:
    """A bare iterparse over every ``cs-object``: the least any reader of the file must do.
    With ``every_element``, an event for every element (what a reader that looks at each
    element of an object pays at least); the target is measured against the first."""
    objects = 0
    context = etree.iterparse(
        str(path),
        events=("end",),
        tag=None if every_element else "cs-object",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    for _event, element in context:
        if element.tag != "cs-object":
            continue
        objects += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return objects


@dataclass(frozen=True)
class Line:
    label: str
    passed: bool | None
    detail: str


def fmt(run: Run) -> str:
    return f"{run.seconds:7.2f} s  {run.max_rss / MB:7.1f} MB"


def run_checked(
    cmd: Sequence[str], log: Path, what: str, env: Mapping[str, str] | None = None
) -> Run:
    run = measure(cmd, log, env)
    if run.returncode not in (0, 1):  # 1: findings at or above --fail-on, a result
        print(f"\nERROR: {what} exited {run.returncode}; its output ({log}):", file=sys.stderr)
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise SystemExit(2)
    return run


def bench_sizes(script: Path, sizes: Sequence[int], out: Path) -> list[Line]:
    lines: list[Line] = []
    peaks: list[tuple[int, int]] = []
    print(f"{'file':<28} {'size':>9} {'objects':>10}  {'floor (iterparse)':>19}  "
          f"{'driftcheck exports':>19}  ratio")  # fmt: skip
    for megabytes in sizes:
        count = pendingbench.count_for_size(megabytes)
        path, made = ensure_file(f"{megabytes}mb", count)
        if made is not None:
            print(f"  (generated in {made:.0f} s)")
        base = run_checked(
            [sys.executable, __file__, "--floor", str(path)], out / "floor.log", "floor"
        )
        every = run_checked(
            [sys.executable, __file__, "--floor", str(path), "--every-element"],
            out / "floor.log",
            "floor (every element)",
        )
        report = out / f"exports-{megabytes}mb.json"
        run = run_checked(
            [str(script), "exports", str(path), "--json", str(report)],
            out / f"exports-{megabytes}mb.log",
            "driftcheck exports",
        )
        alone = run_checked(
            [str(script), "exports", str(path), "--json", str(report)],
            out / f"exports-{megabytes}mb-one-process.log",
            "driftcheck exports (one process)",
            {"DRIFTCHECK_WORKERS": "1"},
        )
        ratio = run.seconds / base.seconds
        size = path.stat().st_size
        print(f"{path.name:<28} {size / MB:7.0f} MB {count:>10,}  {fmt(base)}  {fmt(run)}  "
              f"{ratio:4.2f}x")  # fmt: skip
        print(f"{'':<28} {'':>9} {'':>10}  {fmt(every)}  (iterparse, an event per element: "
              f"{run.seconds / every.seconds:.2f}x)")  # fmt: skip
        alone_ratio = alone.seconds / base.seconds
        print(f"{'':<28} {'':>9} {'':>10}  {'':>19}  {fmt(alone)}  {alone_ratio:4.2f}x"
              " (DRIFTCHECK_WORKERS=1: one process, for comparison)")  # fmt: skip
        peaks.append((megabytes, run.max_rss))
        lines.append(
            Line(
                f"{megabytes} MB: time <= {MAX_RATIO:g}x iterparse",
                ratio <= MAX_RATIO,
                f"{ratio:.2f}x ({run.seconds:.1f} s vs {base.seconds:.1f} s)",
            )
        )
        lines.append(
            Line(
                f"{megabytes} MB: peak RSS < {MAX_RSS / MB:.0f} MB",
                run.max_rss < MAX_RSS,
                f"{run.max_rss / MB:.0f} MB",
            )
        )
    if len(peaks) > 1:
        (small, low), (large, high) = peaks[0], peaks[-1]
        growth = high / low
        lines.append(
            Line(
                f"peak RSS flat from {small} MB to {large} MB (<= {MAX_FLAT:g}x)",
                growth <= MAX_FLAT,
                f"{low / MB:.0f} MB -> {high / MB:.0f} MB ({growth:.2f}x)",
            )
        )
    return lines


def bench_end_to_end(script: Path, count: int, out: Path) -> list[Line]:
    path, made = ensure_file("objects", count)
    if made is not None:
        print(f"  (generated in {made:.0f} s)")
    html, report, csv = out / "exports.html", out / "exports.json", out / "exports.csv"
    run = run_checked(
        [
            str(script),
            "exports",
            str(path),
            "--json",
            str(report),
            "--csv",
            str(csv),
            "--html",
            str(html),
        ],
        out / "exports-end-to-end.log",
        "driftcheck exports (end to end)",
    )
    print(f"\n{count:,} objects end to end (text + JSON + CSV + HTML): {fmt(run)}")
    sizes = {p.name: p.stat().st_size for p in (report, csv, html) if p.is_file()}
    print("  outputs: " + ", ".join(f"{n} {s / MB:.1f} MB" for n, s in sizes.items()))
    return [
        Line(
            f"{count:,} objects end to end < {MAX_END_TO_END:g} s",
            run.seconds < MAX_END_TO_END,
            f"{run.seconds:.1f} s",
        ),
        Line(
            "HTML page for them stays small (< 5 MB)",
            sizes.get(html.name, 0) < 5 * MB,
            f"{sizes.get(html.name, 0) / MB:.2f} MB",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000", help="file sizes in MB (default 100,1000)")
    ap.add_argument("--end-to-end", type=int, default=100_000, help="objects (0: skip)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    ap.add_argument("--floor", type=Path, help=argparse.SUPPRESS)  # the child process
    ap.add_argument("--every-element", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.floor is not None:
        print(f"{floor(args.floor, every_element=args.every_element)} objects")
        return 0
    script = driftcheck_script()
    if script is None:
        print("no driftcheck console script next to this interpreter", file=sys.stderr)
        return 2
    print(f"cores available: {available_cores()} (driftcheck reads a large file with up to one "
          "process per core)")  # fmt: skip
    out = DATA / "pending-reports"
    out.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    lines = bench_sizes(script, sizes, out) if sizes else []
    if args.end_to_end:
        lines += bench_end_to_end(script, args.end_to_end, out)
    print("\ntargets:")
    for line in lines:
        verdict = "PASS" if line.passed else "FAIL"
        print(f"  {verdict}  {line.label}: {line.detail}")
    failed = any(not line.passed for line in lines)
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
