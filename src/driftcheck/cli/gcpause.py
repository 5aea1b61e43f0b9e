"""Python's cyclic garbage collector paused while a command runs.

``compare`` builds a few million small objects (the models of both exports, the comparison,
the report, the page's rows) that nearly all live until the command ends. The collector is
triggered by allocation counts, so it walks that growing heap again and again, and finds
nothing to free in it: model, comparison and report are trees without reference cycles,
freed by reference counting like everything else. On the 16-forest benchmark estate that
walking is about a seventh of the run's CPU time (1.9 s against 1.6 s of user time).

The collector runs again when the command returns, so only one command's cyclic garbage (a
few MB: the HTML page's view, which jinja2's macros refer back to) waits for it, and a
process that runs many commands (the tests, ``nightly``'s pairs) keeps collecting between
them. A worker process forked during the command inherits the pause.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")


def collector_paused(command: Callable[_P, _T]) -> Callable[_P, _T]:
    """``command`` run with the cyclic garbage collector disabled (if it was enabled)."""

    @functools.wraps(command)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused
