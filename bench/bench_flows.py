"""What the attribute-flow graph adds to ``compare`` (``make bench``).

    python bench/bench_flows.py [--only small|large] [--runs N]

On the estates of ``bench/run_bench.py`` (generated there, reused here): the time to build
both servers' flow graphs from their models and compare them, against the time of the whole
in-process compare (which includes them). The target of issue 19: the graphs and their
comparison add at most 20 % to compare at 100 forests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run_bench import DATASETS, ensure_dataset  # noqa: E402

from driftcheck.flows.diff import compare_graphs  # noqa: E402
from driftcheck.flows.graph import build_graph  # noqa: E402
from driftcheck.pipeline.compare import compare_exports  # noqa: E402
from driftcheck.read.extract import server_configuration  # noqa: E402
from driftcheck.read.files import read_export  # noqa: E402

TARGET = 0.20


def _median(times: list[float]) -> float:
    return statistics.median(times)


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def bench(name: str, runs: int) -> bool:
    ds = next(d for d in DATASETS if d.name == name)
    ensure_dataset(ds)
    primary, staging = ds.folder / "primary", ds.folder / "staging"
    models = [server_configuration(read_export(p)) for p in (primary, staging)]
    rules = sum(len(m.sync_rules) for m in models)
    graph_times, compare_times = [], []
    diffs = 0
    for _ in range(runs):
        started = time.perf_counter()
        graphs = [build_graph(m) for m in models]
        diffs = len(compare_graphs(*graphs))
        graph_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = compare_exports(primary, staging, checks="off")
        compare_times.append(time.perf_counter() - started)
    graph, whole = _median(graph_times), _median(compare_times)
    # the graphs are inside the compare's time: what they add is graph / (whole - graph)
    added = graph / max(whole - graph, 1e-9)
    ok = added <= TARGET
    print(f"\n== flows on {name}: {rules} sync rules on both servers ==")
    print(f"graphs (both) + comparison  {graph:7.2f} s  (runs: {_runs(graph_times)})")
    print(f"whole compare, in process   {whole:7.2f} s  (runs: {_runs(compare_times)})")
    print(f"changed attribute flows     {diffs} ({len(report.flows or ())} linked to a difference)")
    verdict = "PASS" if ok else "FAIL"
    print(f"added to compare            {added:7.1%}  target <= {TARGET:.0%}: {verdict}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("small", "large"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    names = [args.only] if args.only else ["small", "large"]
    results = [bench(n, args.runs) for n in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
