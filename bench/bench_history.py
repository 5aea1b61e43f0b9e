"""Benchmark ``compare --history`` against the same run without it (``make bench``).

    python bench/bench_history.py [--runs N] [--connectors N] [--nights N] [--open N]

1. Generates (once, into ``bench/data/``) a large estate whose staging export carries about
   2,000 differences: ``--connectors`` AD forests x 50 sync rules, drift planted by
   :func:`exportkit.estate.write_pair` (tools/).
2. Compares it once to get its report, then seeds a history of ``--nights`` nightly runs
   (400), each with ``--open`` open findings (2,000: the report's differences, topped up with
   made-up ones) and some churn (findings that come and go), as the real store writes them.
3. Times ``driftcheck compare P S --json --html --quiet`` as a child process ``--runs`` times
   without and with ``--history`` (on a fresh copy of the seeded history each time, so each
   run meets the same 400 nights), alternating the two.
4. Prints medians, the overhead and the history's size; targets: overhead within 10%, the
   history under 50 MB. Exit code 0 unless ``--strict`` and a target failed. On a busy
   machine the wall times vary by more than the history costs, so the history step is also
   timed alone, in process, and shown as a share of the run.

Sizes are decimal: 1 MB = 10^6 bytes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MB = 1e6
MAX_OVERHEAD = 0.10
MAX_DB = 50 * MB
RULES = 50
#: Planted drift per connector: about 2,000 reported differences at 100 connectors.
DRIFT_PER_CONNECTOR = 16
SEED = 11
CHURN = 20

# The export kit lives in tools/ (it is not part of the installed package).
sys.path.insert(0, str(HERE.parent / "tools"))
from exportkit import estate  # noqa: E402

from driftcheck.history.fingerprint import DIFFERENCE, Tracked  # noqa: E402
from driftcheck.history.records import RunInfo  # noqa: E402
from driftcheck.history.store import open_history  # noqa: E402
from driftcheck.history.tracking import ReportItems, run_info, track  # noqa: E402
from driftcheck.report.jsonfile import load_report  # noqa: E402
from driftcheck.report.types import Report  # noqa: E402


def estate_folder(connectors: int) -> Path:
    """The generated estate (reused when present; generated beside, then renamed)."""
    drift = DRIFT_PER_CONNECTOR * connectors
    folder = DATA / f"history-c{connectors}-r{RULES}-d{drift}-s{SEED}-g{estate.GENERATION}"
    if (folder / "planted.json").is_file():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    DATA.mkdir(parents=True, exist_ok=True)
    print(f"generating {connectors} connectors x {RULES} rules, {drift} planted differences ...")
    started = time.perf_counter()
    estate.write_pair(partial, connectors, RULES, drift, SEED)
    partial.rename(folder)
    print(f"generated in {time.perf_counter() - started:.1f} s")
    return folder


def script() -> Path:
    for name in ("driftcheck", "driftcheck.exe"):
        candidate = Path(sys.executable).parent / name
        if candidate.is_file():
            return candidate
    raise SystemExit(f"no driftcheck console script next to {sys.executable}: pip install -e .")


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        print(proc.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"driftcheck exited {proc.returncode}: {' '.join(cmd)}")
    return elapsed


def filler(n: int) -> Tracked:
    return Tracked(
        DIFFERENCE, "sync-rule", f"Made-up rule {n}", "forest-x.example", "description",
        "modified", f"before {n}", f"after {n}", "warning",
    )  # fmt: skip


def seed_history(path: Path, report: Report, nights: int, open_count: int) -> float:
    """Record ``nights`` runs ending yesterday, each with ``open_count`` open findings."""
    base = ReportItems.of(report).tracked()  # its differences and failed readiness checks
    fill = [filler(n) for n in range(max(0, open_count - len(base)))]
    steady = (base + fill)[:open_count]
    info: RunInfo = run_info(report)
    start = datetime.now(UTC) - timedelta(days=nights)
    started = time.perf_counter()
    with open_history(path) as store:
        for night in range(nights):
            churn = [filler(10_000_000 + night * CHURN + k) for k in range(CHURN)]
            at = start + timedelta(days=night, hours=2)
            store.record(replace(info, started=at), steady + churn)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark compare --history.")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each (3)")
    parser.add_argument("--connectors", type=int, default=100, help="AD forests (100)")
    parser.add_argument("--nights", type=int, default=400, help="nights of history (400)")
    parser.add_argument("--open", type=int, default=2000, help="open findings per night (2000)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    folder = estate_folder(args.connectors)
    primary, staging = folder / "primary", folder / "staging"
    out = folder / "history-bench"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    base = [str(script()), "compare", str(primary), str(staging), "--quiet"]
    base += ["--json", str(out / "report.json"), "--html", str(out / "report.html")]
    timed(base)  # warm the page cache, and get the report the history is seeded from
    report = load_report(out / "report.json")
    seeded = out / "seeded.sqlite"
    seconds = seed_history(seeded, report, args.nights, args.open)
    print(
        f"\n== compare --history: {args.connectors} connectors, "
        f"{len(report.differences)} differences reported =="
    )
    print(
        f"seeded {args.nights} nights x {args.open} open findings (+{CHURN} churning) in "
        f"{seconds:.1f} s: {seeded.stat().st_size / MB:.1f} MB"
    )
    plain, tracked = [], []
    history = out / "history.sqlite"
    for _ in range(args.runs):
        plain.append(timed(base))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{history}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(seeded, history)
        tracked.append(timed([*base, "--history", str(history)]))
    with open_history(history, read_only=True) as store:
        last = store.runs()[-1]
    step = []
    for _ in range(args.runs):  # the history step alone, in this process: far less noisy
        copy = out / "step.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(seeded, copy)
        started = time.perf_counter()
        track(report, copy)
        step.append(time.perf_counter() - started)
    size = sum(
        Path(f"{history}{s}").stat().st_size for s in ("", "-wal") if Path(f"{history}{s}").exists()
    )
    without, with_history = statistics.median(plain), statistics.median(tracked)
    overhead = with_history / without - 1
    for label, median, times in (
        ("without --history", without, plain),
        ("with --history", with_history, tracked),
    ):
        print(f"{label:22}{median:>8.2f} s   runs {' '.join(f'{t:.2f}' for t in times)}")
    print(
        f"measured run: {last.new} new, {last.open} open, {last.reopened} reopened, "
        f"{last.resolved} resolved"
    )
    history_step = statistics.median(step)
    print(
        f"{'history step alone':22}{history_step:>8.2f} s   = {history_step / without:.1%} of "
        f"the run without --history (record + annotate, in process)"
    )
    targets = [
        (f"overhead <= {MAX_OVERHEAD:.0%}", overhead <= MAX_OVERHEAD, f"{overhead:+.1%}"),
        (f"history < {MAX_DB / MB:.0f} MB", size < MAX_DB, f"{size / MB:.1f} MB"),
    ]
    print("targets:")
    for label, passed, shown in targets:
        print(f"  {'PASS' if passed else 'FAIL'}  {label:28} {shown}")
    failed = [t for t in targets if not t[1]]
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
