"""Read one large csexport file in ranges, side by side in worker processes.

Reading a csexport file is CPU-bound (parsing, then each object's changes), and a real file
is GBs, so on a machine with more than one core the file is cut into ranges of whole objects
(:mod:`driftcheck.exports.split`), one per process: the main process reads the first, a
forked worker each other one. Each range gives a tally; the tallies merge in file order into
what a read in one piece gives (:meth:`~driftcheck.exports.tally.ConnectorTally.merge`), and
a sink that can spool (the CSV writer) writes each range's rows to a spool file beside its
output, appended in order at the end.

Whenever a range cannot be read (markup a csexport file never has, a malformed or truncated
file, a limit reached, a worker that died), :func:`read_in_ranges` returns None and the caller
reads the file in one piece, which gives the error, if any, with the file's own line numbers.
A failed file is therefore read twice; a good one once.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from driftcheck.errors import InputError
from driftcheck.exports.changes import PendingObject, read_object
from driftcheck.exports.split import (
    Encoding,
    RangeStream,
    Unsplittable,
    encoding_of,
    object_starts,
    wrapper,
)
from driftcheck.exports.stream import CHUNK, ROOT_TAG, cs_objects
from driftcheck.exports.tally import ConnectorTally, TooManyNames
from driftcheck.read.limits import Limits
from driftcheck.read.workers import end_with_parent, fork_context

#: Called with (connector name, object) for every cs-object read.
ObjectSink = Callable[[str, PendingObject], None]

#: A file is cut only into ranges of at least this many bytes: below, starting a worker and
#: merging its tally cost more than reading the range saves.
MIN_RANGE_BYTES = 32 * 1000 * 1000
#: Workers that read one file at most (past this, the disk and the merge gain nothing).
MAX_RANGES = 8


@runtime_checkable
class SpoolingSink(Protocol):
    """A sink whose rows can be written by workers to spool files and joined in order."""

    def __call__(self, connector: str, obj: PendingObject) -> None: ...

    def spool_folder(self) -> Path | None:
        """Where spool files go: beside the output, on the same disk (None: nowhere, so the
        file is read in one piece)."""
        ...

    def spool(self, handle: IO[str]) -> ObjectSink:
        """A sink writing the same rows as this one to ``handle`` (no header)."""
        ...

    def append_spool(self, handle: IO[str]) -> None:
        """Append the rows of a spool (read from ``handle``) to this sink's output."""
        ...


@dataclass(frozen=True)
class _Range:
    index: int
    start: int
    end: int


@dataclass(frozen=True)
class _Task:
    """What every range of one file shares."""

    fd: int
    size: int
    encoding: Encoding
    label: str
    connector: str
    limits: Limits
    sink: SpoolingSink | None
    spools: Path | None

    def spool_path(self, index: int) -> Path | None:
        return self.spools / f"{index:03d}.csv" if self.spools is not None else None

    def stream(self, part: _Range) -> IO[bytes]:
        """The range as a document: a root start tag before it unless it starts the file, an
        end tag after it unless it ends the file."""
        prefix, suffix = wrapper(self.encoding, ROOT_TAG)
        raw = RangeStream(
            self.fd,
            part.start,
            part.end,
            prefix if part.start else b"",
            suffix if part.end < self.size else b"",
            self.encoding,
        )
        return io.BufferedReader(raw, CHUNK)


def ranges_of(fd: int, size: int, parts: int) -> tuple[Encoding, list[_Range]] | None:
    """The file's encoding and the ranges to read it in; None when it is read whole."""
    encoding = encoding_of(os.pread(fd, 4096, 0))
    if encoding is None or parts < 2:
        return None
    starts = object_starts(fd, size, parts, encoding)
    if not starts:
        return None
    bounds = [0, *starts, size]
    return encoding, [
        _Range(index, start, end) for index, (start, end) in enumerate(itertools.pairwise(bounds))
    ]


def range_count(size: int, workers: int) -> int:
    return max(1, min(workers, MAX_RANGES, size // MIN_RANGE_BYTES))


def read_in_ranges(
    handle: IO[bytes],
    label: str,
    connector: str,
    limits: Limits,
    workers: int,
    sink: ObjectSink | None = None,
) -> ConnectorTally | None:
    """The tally of the csexport file open as ``handle``, read in ranges by up to ``workers``
    processes; None when the file is to be read in one piece (too small, one core, no fork,
    a sink that cannot spool, an encoding not cut, or a range that could not be read)."""
    context = fork_context()
    if context is None:
        return None
    spooling: SpoolingSink | None = None
    if sink is not None:
        if not isinstance(sink, SpoolingSink) or sink.spool_folder() is None:
            return None
        spooling = sink
    try:
        fd = handle.fileno()
    except (OSError, ValueError, AttributeError):  # a zip member: no file to cut
        return None
    size = os.fstat(fd).st_size
    parts = range_count(size, workers)
    if parts < 2:
        return None
    cut = ranges_of(fd, size, parts)
    if cut is None:
        return None
    encoding, ranges = cut
    with _spool_folder(spooling) as spools:
        task = _Task(fd, size, encoding, label, connector, limits, spooling, spools)
        tallies = _read_all(context, task, ranges)
        return None if tallies is None else _joined(task, tallies)


def _joined(task: _Task, tallies: list[ConnectorTally]) -> ConnectorTally | None:
    merged = tallies[0]
    try:
        for later in tallies[1:]:
            merged.merge(later)
    except TooManyNames:
        return None  # the whole read names the object where the limit is passed
    if task.sink is not None:
        for index in range(len(tallies)):
            path = task.spool_path(index)
            assert path is not None
            with path.open(encoding="utf-8", newline="") as spool:
                task.sink.append_spool(spool)
    return merged


@contextlib.contextmanager
def _spool_folder(sink: SpoolingSink | None) -> Iterator[Path | None]:
    if sink is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix=".driftcheck-spool-", dir=sink.spool_folder()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read_all(
    context: BaseContext, task: _Task, ranges: list[_Range]
) -> list[ConnectorTally] | None:
    """Every range's tally, in file order: the first read here, the others in workers."""
    started: list[tuple[BaseProcess, Connection]] = []
    try:
        parent = os.getpid()
        for part in ranges[1:]:
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(  # type: ignore[attr-defined]
                target=_work, args=(sending, parent, task, part), daemon=True
            )
            process.start()
            sending.close()
            started.append((process, receiving))
        first = _read_range(task, ranges[0])
        if first is None:  # the file is read whole: the workers are stopped (below)
            return None
        tallies = [first]
        for process, receiving in started:
            later = _receive(receiving)
            process.join()
            if later is None:
                return None
            tallies.append(later)
        return tallies
    finally:
        for process, receiving in started:
            if process.is_alive():
                process.kill()
            process.join()
            receiving.close()


def _receive(receiving: Connection) -> ConnectorTally | None:
    try:
        outcome = receiving.recv()
    except (EOFError, OSError):  # the worker died before it answered
        return None
    return outcome if isinstance(outcome, ConnectorTally) else None


def _work(sending: Connection, parent: int, task: _Task, part: _Range) -> None:
    """A worker: read one range, send its tally (None when it could not be read)."""
    end_with_parent(parent)
    # The main process turns SIGTERM and SIGINT into a clean stop and kills its workers; a
    # worker just ends.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        sending.send(_read_range(task, part))
    finally:
        sending.close()


def _read_range(task: _Task, part: _Range) -> ConnectorTally | None:
    """The tally of one range, with its rows spooled; None when it cannot be read alone."""
    stream = task.stream(part)
    tally = ConnectorTally(task.connector)
    path = task.spool_path(part.index)
    try:
        with contextlib.ExitStack() as stack:
            sink: ObjectSink | None = None
            if path is not None and task.sink is not None:
                handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
                sink = task.sink.spool(handle)
            read_objects(stream, task.label, task.connector, task.limits, tally, sink)
    except (InputError, Unsplittable):
        return None
    return tally


def read_objects(
    stream: IO[bytes],
    label: str,
    connector: str,
    limits: Limits,
    tally: ConnectorTally,
    sink: ObjectSink | None,
) -> None:
    """Read every ``cs-object`` of ``stream`` into ``tally`` (and ``sink``)."""
    for el in cs_objects(stream, label, limits):
        obj = read_object(el, label, limits)
        try:
            tally.add(obj)
        except TooManyNames as exc:
            raise InputError(
                f"connector {connector!r} has {exc}; not a real connector space, refusing it",
                file=label,
                line=el.sourceline if isinstance(el.sourceline, int) else None,
            ) from None
        if sink is not None:
            sink(connector, obj)
