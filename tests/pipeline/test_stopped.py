"""A compare stopped by SIGTERM or SIGINT ends its loader worker too, exits non-zero, and
leaves no output file behind (outputs are renamed into place only once complete)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from exportkit import estate

from tests.procs import alive, children_of

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="the loader worker runs on Linux machines with a second core",
)


@pytest.fixture(scope="module")
def slow_pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An estate whose compare takes seconds: 16 forests, about 600 rules a side."""
    folder = tmp_path_factory.mktemp("estate")
    estate.write_pair(folder, 16, 36, drift=4, seed=7)
    return folder


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_compare_leaves_no_process_and_no_output(
    slow_pair: Path, tmp_path: Path, signum: int, code: int
) -> None:
    out = tmp_path / "report.json"
    run = subprocess.Popen(
        [sys.executable, "-m", "driftcheck", "compare", str(slow_pair / "primary"),
         str(slow_pair / "staging"), "--json", str(out), "--html", str(tmp_path / "r.html")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    workers: set[int] = set()
    deadline = time.monotonic() + 20
    while not workers and time.monotonic() < deadline and run.poll() is None:
        workers = children_of(run.pid)
        time.sleep(0.02)
    assert workers, "the compare never started its loader worker"
    time.sleep(0.3)  # the worker is parsing the staging export now
    assert run.poll() is None, "the compare ended before it could be stopped"
    run.send_signal(signum)
    _, err = run.communicate(timeout=10)
    assert run.returncode == code
    assert f"driftcheck: stopped by {signal.Signals(signum).name}" in err
    assert "Traceback" not in err
    time.sleep(1)
    assert not [pid for pid in workers if alive(pid)], "a worker outlived the run"
    assert not out.exists() and not (tmp_path / "r.html").exists()
    assert not list(tmp_path.iterdir()), "a temporary output was left behind"
