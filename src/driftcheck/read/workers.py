"""Worker processes that read input beside the main process, and end when it ends.

Two readers use them: ``compare`` loads the staging export in a worker while the main process
loads the primary (:mod:`driftcheck.pipeline.compare`), and ``exports`` reads a large csexport
file in ranges (:mod:`driftcheck.exports.parallel`). A worker must never outlive its run: the
main process kills its workers when it unwinds (SIGTERM, Ctrl+C, an error), and on Linux the
kernel kills them if the main process dies without unwinding (SIGKILL).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Mapping
from multiprocessing.context import BaseContext

from driftcheck.read.limits import positive_number

_PR_SET_PDEATHSIG = 1

#: The environment variable that sets how many processes read one large input.
WORKERS_VARIABLE = "DRIFTCHECK_WORKERS"


def end_with_parent(parent: int) -> None:
    """In a worker, first thing: ask the kernel (Linux) to send SIGKILL to this worker when its
    parent dies, even by SIGKILL, when no handler of the parent runs; then make sure the
    parent did not die before the request was made."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the parent's own clean-up still runs
            pass
    if os.getppid() != parent:
        os._exit(1)


def fork_context() -> BaseContext | None:
    """The ``fork`` start method where the platform has it (a worker then starts in
    milliseconds and shares what the parent has read), else None."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def allowed_workers(environ: Mapping[str, str] | None = None) -> int:
    """How many processes may read at once: ``DRIFTCHECK_WORKERS`` when set (1 reads in the
    main process alone), else the cores available."""
    number = positive_number(os.environ if environ is None else environ, WORKERS_VARIABLE)
    return available_cores() if number is None else number
