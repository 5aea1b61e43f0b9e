"""``verify_exports``: read pending exports, summarise them, find what an admin must see.

The one entry point for the command line, ``compare --pending`` and nightly: paths and options
in, an :class:`~driftcheck.exports.result.ExportsResult` out. Each object can also be handed to
a sink as it is read (the CSV writer), so that nothing per object is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from driftcheck.exports.aggregate import ServerFacts, summarise
from driftcheck.exports.config import server_facts
from driftcheck.exports.inputs import BY_FILE_NAME, gather
from driftcheck.exports.parallel import ObjectSink, read_in_ranges, read_objects
from driftcheck.exports.result import ExportsResult, FileInfo
from driftcheck.exports.rules import DEFAULT_THRESHOLDS, Thresholds
from driftcheck.exports.tally import ConnectorTally
from driftcheck.model.vocab import Severity
from driftcheck.read.limits import Limits
from driftcheck.read.workers import allowed_workers


def read_file(
    stream: IO[bytes],
    label: str,
    tally: ConnectorTally,
    limits: Limits,
    workers: int,
    sink: ObjectSink | None,
) -> None:
    """Read one csexport file into its connector's ``tally``: in ranges, side by side, when it
    is large and there are cores for it (:mod:`driftcheck.exports.parallel`), else in one
    piece."""
    if workers > 1:
        parts = read_in_ranges(stream, label, tally.name, limits, workers, sink)
        if parts is not None:
            tally.merge(parts)
            return
    read_objects(stream, label, tally.name, limits, tally, sink)


@dataclass(frozen=True)
class ExportsOptions:
    """Everything ``driftcheck exports`` takes besides the paths."""

    #: ``NAME=FILE``: the connector of a file (wins over the manifest and the file name)
    connectors: tuple[str, ...] = ()
    #: the staging server's configuration export (default: one found beside the files)
    config: Path | None = None
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    fail_on: Severity = Severity.WARNING
    #: transitions listed per attribute
    top: int = 10
    limits: Limits | None = None
    #: read no configuration export, even one found beside the files
    no_config: bool = False
    extra_warnings: tuple[str, ...] = field(default_factory=tuple)


def verify_exports(
    paths: Sequence[Path],
    options: ExportsOptions = ExportsOptions(),
    *,
    sink: ObjectSink | None = None,
) -> ExportsResult:
    """Read every csexport file under ``paths`` and return the summary and findings.

    Raises :class:`~driftcheck.errors.InputError` (one line, naming the file and line) for
    anything unreadable.
    """
    limits = options.limits or Limits.from_environment()
    workers = allowed_workers()
    warnings = list(options.extra_warnings)
    with contextlib.ExitStack() as stack:
        inputs = gather(paths, options.connectors, stack, limits)
        config = options.config or (None if options.no_config else inputs.config)
        facts = server_facts(config) if config is not None else ServerFacts()
        if config is None:
            warnings.append(
                "no --config: connector types are guessed and the export deletion threshold "
                "is taken as 500 (the product default)"
            )
        tallies: dict[str, ConnectorTally] = {}
        files: list[FileInfo] = []
        for item in inputs.files:
            tally = tallies.get(item.connector)
            if tally is None:
                tally = tallies[item.connector] = ConnectorTally(item.connector)
            tally.files.append(item.label)
            before = tally.cs_objects
            with item.open() as stream:
                read_file(stream, item.label, tally, limits, workers, sink)
            files.append(
                FileInfo(item.label, item.connector, item.named_by, tally.cs_objects - before)
            )
        named_by_stem = [f.label for f in inputs.files if f.named_by == BY_FILE_NAME]
        if named_by_stem and len(named_by_stem) == len(inputs.files) and facts.connectors:
            unknown = sorted({f.connector for f in inputs.files} - set(facts.connectors))
            if unknown:
                warnings.append(
                    "connector names taken from file names that --config does not know: "
                    + ", ".join(unknown)
                    + ' (name them with --connector "NAME=FILE")'
                )
        for tally in tallies.values():
            if tally.without_old_values:
                warnings.append(
                    f"{tally.name}: {tally.without_old_values:,} changed objects have no "
                    "synchronized hologram in the file: their old values are not known"
                )
    return summarise(
        tallies.values(),
        files,
        facts=facts,
        thresholds=options.thresholds,
        fail_on=options.fail_on,
        top=options.top,
        server=inputs.server,
        warnings=warnings,
    )
