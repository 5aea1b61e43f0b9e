"""Benchmark ``driftcheck compare`` on generated large estates (``make bench``).

    python bench/run_bench.py [--runs N] [--only small|small-reordered|large] [--strict]

For each dataset (generated on first use into ``bench/data/``, which is git-ignored):

* runs the full CLI, ``driftcheck compare PRIMARY STAGING --json .. --html .. --quiet``, as a
  child process ``--runs`` times, measuring wall time and the child's own peak RSS
  (``os.wait4`` rusage, so the benchmark's own memory is not counted);
* does the same for ``bench/parse_only.py``, which parses every file with lxml and nothing
  else: the floor no implementation can beat;
* prints medians, peak RSS, report sizes, the ratio driftcheck / parse-only, and PASS/FAIL per
  target. Exit code 0 unless ``--strict`` and a target failed (1), or driftcheck exited 2 (an
  error, not a measurement: reported loudly, exit 2).

Sizes are decimal: 1 MB = 10^6 bytes, 1 GB = 10^9 bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
PARSE_ONLY = HERE / "parse_only.py"
#: ``ru_maxrss`` is in KiB on Linux and in bytes on macOS.
RSS_UNIT = 1 if sys.platform == "darwin" else 1024
MB = 1e6
GB = 1e9

# The export kit lives in tools/ (it is not part of the installed package).
sys.path.insert(0, str(ROOT / "tools"))
from exportkit import estate  # noqa: E402
from exportkit.manifest import read_findings  # noqa: E402


@dataclass(frozen=True)
class Dataset:
    name: str
    connectors: int
    rules_per_connector: int
    drift: int
    seed: int
    max_seconds: float
    max_ratio: float | None = None
    max_rss: float | None = None  # bytes
    max_html: float | None = None  # bytes
    #: staging's connector schemas written in another order (same content): see reorder_schemas
    reordered_schemas: bool = False

    @property
    def folder(self) -> Path:
        tag = f"c{self.connectors}-r{self.rules_per_connector}-d{self.drift}-s{self.seed}"
        tag += f"-g{estate.GENERATION}"
        return DATA / f"{self.name}-{tag}"


DATASETS = (
    # 16 forests x 36 rules + 12 cloud rules = 588 rules per side.
    Dataset("small", 16, 36, drift=12, seed=16, max_seconds=5.0, max_ratio=2.0),
    # small again, but no staging schema is byte-identical to its primary: every one is read.
    Dataset("small-reordered", 16, 36, drift=12, seed=16, max_seconds=5.0,
            reordered_schemas=True),
    # 100 forests x 50 rules + 12 cloud rules = 5,012 rules per side, ~380 MB of XML.
    Dataset("large", 100, 50, drift=40, seed=100, max_seconds=30.0, max_rss=1.5 * GB,
            max_html=25 * MB),
)  # fmt: skip


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss: int  # bytes
    returncode: int


@dataclass(frozen=True)
class Series:
    runs: tuple[Run, ...]

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_rss(self) -> int:
        return max(r.max_rss for r in self.runs)


@dataclass(frozen=True)
class Target:
    label: str
    passed: bool | None  # None: could not be measured
    detail: str

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "FAIL"}[self.passed]


def ensure_dataset(ds: Dataset) -> float | None:
    """Generate the dataset unless present; return the generation time, None if reused.

    Generates into a temporary sibling folder and renames it, so an interrupted run never
    leaves a half-written dataset that would be reused.
    """
    if (ds.folder / "planted.json").is_file():
        return None
    DATA.mkdir(parents=True, exist_ok=True)
    partial = ds.folder.with_name(ds.folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    print(f"generating {ds.name}: {ds.connectors} connectors x {ds.rules_per_connector} rules ...")
    started = time.perf_counter()
    estate.write_pair(partial, ds.connectors, ds.rules_per_connector, ds.drift, ds.seed)
    if ds.reordered_schemas:
        reorder_schemas(partial / "staging")
    elapsed = time.perf_counter() - started
    shutil.rmtree(ds.folder, ignore_errors=True)
    partial.rename(ds.folder)
    return elapsed


def reorder_schemas(export: Path) -> None:
    """Move each connector schema's first element to its end: the same schema, other bytes.

    driftcheck reads a connector schema only when its fingerprint differs from the other
    server's; this is the worst case, where every schema must be read on both sides.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for path in sorted((export / "Connectors").glob("*.xml")):
        root = etree.fromstring(path.read_bytes(), parser)
        directory = next(root.iter("{*}directory-schema"), None)
        if directory is not None and len(directory):
            directory.append(directory[0])  # moves it
            path.write_bytes(etree.tostring(root, encoding="utf-8"))


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants now, in bytes (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
        todo.extend(int(k) for k in kids)
    return total


def measure(cmd: Sequence[str], log: Path, env: Mapping[str, str] | None = None) -> Run:
    """Run ``cmd`` as a child; return its wall time and peak RSS.

    driftcheck reads the staging export in a worker process, so the peak is that of the whole
    process tree: sampled every 20 ms from /proc where it exists, and never less than the
    largest single process's ``ru_maxrss`` (``os.wait4``).
    """
    peak = 0
    sampling = Path("/proc").is_dir()
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=None if env is None else {**os.environ, **env},
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if sampling:
                peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped by wait4: keep Popen from waiting again
    return Run(elapsed, max(peak, int(usage.ru_maxrss * RSS_UNIT)), code)


def driftcheck_script() -> Path | None:
    """The ``driftcheck`` console script installed next to this interpreter."""
    bindir = Path(sys.executable).parent
    for name in ("driftcheck", "driftcheck.exe"):
        if (bindir / name).is_file():
            return bindir / name
    return None


def fail_loudly(what: str, run: Run, log: Path) -> None:
    print(f"\nERROR: {what} exited {run.returncode}; its output ({log}):", file=sys.stderr)
    print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
    raise SystemExit(2)


def run_series(cmd: Sequence[str], runs: int, log: Path, what: str, ok: Sequence[int]) -> Series:
    results = []
    for _ in range(runs):
        run = measure(cmd, log)
        if run.returncode not in ok:
            fail_loudly(what, run, log)
        results.append(run)
    return Series(tuple(results))


def planted_found(report: Path, planted: Path) -> str:
    """How many of the manifest's planted findings the JSON report holds, exactly."""
    try:
        differences = json.loads(report.read_text())["differences"]
        keys = ("section", "object", "connector", "path", "change", "severity")
        seen = {tuple(d[k] for k in keys) for d in differences}
    except (OSError, ValueError, KeyError, TypeError):
        return "n/a (report format not recognised)"
    wanted = {(*f.key, f.severity) for f in read_findings(planted)}
    return f"{len(wanted & seen)}/{len(wanted)} planted findings reported, {len(differences)} rows"


def check_targets(
    ds: Dataset, compare: Series | None, floor: Series, html: int | None
) -> list[Target]:
    targets = []
    if compare is None:
        missing = "driftcheck compare not measured"
        targets.append(Target(f"wall time < {ds.max_seconds:g} s", None, missing))
        if ds.max_ratio is not None:
            targets.append(Target(f"ratio to parse-only <= {ds.max_ratio:g}", None, missing))
        if ds.max_rss is not None:
            targets.append(Target(f"peak RSS < {ds.max_rss / GB:g} GB", None, missing))
        if ds.max_html is not None:
            targets.append(Target(f"HTML < {ds.max_html / MB:g} MB", None, missing))
        return targets
    t = compare.median
    targets.append(Target(f"wall time < {ds.max_seconds:g} s", t < ds.max_seconds, f"{t:.2f} s"))
    if ds.max_ratio is not None:
        ratio = t / floor.median
        targets.append(
            Target(
                f"ratio to parse-only <= {ds.max_ratio:g}", ratio <= ds.max_ratio, f"{ratio:.2f}x"
            )
        )
    if ds.max_rss is not None:
        rss = compare.peak_rss
        targets.append(
            Target(f"peak RSS < {ds.max_rss / GB:g} GB", rss < ds.max_rss, f"{rss / MB:.0f} MB")
        )
    if ds.max_html is not None:
        ok = html is not None and html < ds.max_html
        shown = "no HTML written" if html is None else f"{html / MB:.1f} MB"
        targets.append(Target(f"HTML < {ds.max_html / MB:g} MB", ok, shown))
    return targets


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*.xml") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def fmt_runs(series: Series) -> str:
    return " ".join(f"{r.seconds:.2f}" for r in series.runs)


def bench_dataset(ds: Dataset, runs: int, script: Path | None) -> list[Target]:
    generated = ensure_dataset(ds)
    primary, staging = ds.folder / "primary", ds.folder / "staging"
    manifest = json.loads((ds.folder / "planted.json").read_text())
    p_files, p_bytes = folder_size(primary)
    s_files, s_bytes = folder_size(staging)
    out = ds.folder / "reports"
    out.mkdir(exist_ok=True)
    log = out / "child.log"

    floor_cmd = [sys.executable, str(PARSE_ONLY), str(primary), str(staging)]
    measure(floor_cmd, log)  # warm the page cache: every run then reads from memory
    floor = run_series(floor_cmd, runs, log, "parse_only.py", ok=(0,))

    compare: Series | None = None
    json_out, html_out = out / "report.json", out / "report.html"
    if script is not None:
        for stale in (json_out, html_out):
            stale.unlink(missing_ok=True)
        cmd = [str(script), "compare", str(primary), str(staging), "--json", str(json_out)]
        cmd += ["--html", str(html_out), "--quiet"]
        # 0: consistent, 1: drift found (expected: drift is planted), 2: error.
        compare = run_series(cmd, runs, log, "driftcheck compare", ok=(0, 1))
    json_size = json_out.stat().st_size if compare and json_out.is_file() else None
    html_size = html_out.stat().st_size if compare and html_out.is_file() else None

    print(f"\n== {ds.name}: {ds.connectors} AD connectors + 1 cloud connector ==")
    if generated is not None:
        print(f"generated in {generated:.1f} s")
    print(
        f"primary {p_files} files {p_bytes / MB:.0f} MB, staging {s_files} files "
        f"{s_bytes / MB:.0f} MB; {len(manifest['planted'])} planted differences"
    )
    print(f"{'':24}{'median':>10}{'peak RSS':>12}   runs (s)")
    if compare is not None:
        print(
            f"{'driftcheck compare':24}{compare.median:>9.2f}s{compare.peak_rss / MB:>9.0f} MB"
            f"   {fmt_runs(compare)}"
        )
    else:
        print(
            f"{'driftcheck compare':24}  not run: no 'driftcheck' script next to {sys.executable}"
        )
    print(
        f"{'parse-only floor':24}{floor.median:>9.2f}s{floor.peak_rss / MB:>9.0f} MB"
        f"   {fmt_runs(floor)}"
    )
    if compare is not None:
        print(f"{'ratio compare/floor':24}{compare.median / floor.median:>9.2f}x")
        shown = [
            f"{label} {size / MB:.2f} MB" if size is not None else f"{label} not written"
            for label, size in (("JSON", json_size), ("HTML", html_size))
        ]
        print("reports: " + ", ".join(shown))
        if json_size is not None:
            print("drift: " + planted_found(json_out, ds.folder / "planted.json"))
    targets = check_targets(ds, compare, floor, html_size)
    print("targets:")
    for t in targets:
        print(f"  {t.verdict}  {t.label:28} {t.detail}")
    return targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark driftcheck compare.")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per command (3)")
    parser.add_argument("--only", choices=[d.name for d in DATASETS], help="one dataset only")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not hasattr(os, "wait4"):
        print("run_bench.py needs os.wait4 (Linux or macOS)", file=sys.stderr)
        return 2
    script = driftcheck_script()
    if script is None:
        print(f"warning: no driftcheck console script next to {sys.executable};")
        print("         install the project (pip install -e .) to measure compare")
    targets: list[Target] = []
    for ds in DATASETS:
        if args.only in (None, ds.name):
            targets += bench_dataset(ds, args.runs, script)
    failed = [t for t in targets if not t.passed]
    print(f"\n{len(targets) - len(failed)}/{len(targets)} targets met")
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
