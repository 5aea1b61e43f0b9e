"""The stages wired together: read → model → normalize → compare → policy → report."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import ParamSpec, TypeVar

from driftcheck.checks.readiness import ChecksMode, run_readiness
from driftcheck.compare.canonical import CanonicalConfiguration, DeferredSchema, Node
from driftcheck.compare.normalize import canonicalize, differing_schemas, with_schemas
from driftcheck.compare.sections import schema_node
from driftcheck.compare.upgrade import (
    detect_upgrade,
    match_default_rules_by_tag,
    product_change_classifier,
)
from driftcheck.compare.walk import compare
from driftcheck.flows.graph import build_graph
from driftcheck.model.server import Schema, SchemaFingerprint
from driftcheck.model.vocab import Severity
from driftcheck.policy.namemap import map_strings, token_replacer
from driftcheck.policy.rules import Policy, apply_policy
from driftcheck.read.extract import read_schemas, server_configuration
from driftcheck.read.files import read_export
from driftcheck.read.workers import allowed_workers, end_with_parent, fork_context
from driftcheck.report.build import build_report
from driftcheck.report.impact import with_flow_impact
from driftcheck.report.types import Report

#: Reads the connector schemas behind fingerprints, in order (default:
#: :func:`driftcheck.read.extract.read_schemas`). On two cores it also runs in the worker
#: process, so it must be picklable: a function defined at module level.
SchemaReader = Callable[[Sequence[SchemaFingerprint]], Sequence[Schema]]

_P = ParamSpec("_P")
_T = TypeVar("_T")


class SerialExecutor(Executor):
    """Runs each job at once, in this process: the one-core stand-in for the process pool,
    so that both take the same path through :func:`load_both`."""

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed over, as a pool's future would
            future.set_exception(exc)
        return future


def worker_pool() -> Executor:
    """A one-worker process pool on a machine with a second core (and ``DRIFTCHECK_WORKERS``
    not 1), else a serial executor.

    The worker ends with the run: :func:`ending_workers` kills it when the main process
    unwinds (SIGTERM, Ctrl+C, an error), and the kernel kills it if the main process dies
    without unwinding (SIGKILL), so no loader is left parsing as an orphan.
    """
    if allowed_workers() < 2:
        return SerialExecutor()
    context = fork_context() or multiprocessing.get_context()
    return ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=end_with_parent, initargs=(os.getpid(),)
    )


@contextlib.contextmanager
def ending_workers(pool: Executor) -> Iterator[Executor]:
    """``pool``, whose worker processes are killed if the block is left by an exception.

    A process pool's own exit waits for the running job: the staging export's whole parse."""
    try:
        yield pool
    except BaseException:
        if isinstance(pool, ProcessPoolExecutor):
            for child in multiprocessing.active_children():
                child.kill()
            pool.shutdown(wait=False, cancel_futures=True)
        raise


def load_side(
    path: Path,
    name_map: Mapping[str, str] | None = None,
    *,
    defer_schemas: bool = True,
    flows: bool = True,
) -> CanonicalConfiguration:
    """Read, model and normalize one export; ``name_map`` renames its names first.

    Connector schemas are only fingerprinted, to be read if the two servers' differ
    (``defer_schemas``), except where names are mapped: a fingerprint is of the file as
    written, before renaming. With ``flows`` the attribute-flow graph is built from the model
    while it is at hand (in the worker, for the staging side).
    """
    model = server_configuration(read_export(path), defer_schemas=defer_schemas and not name_map)
    if name_map:
        model = map_strings(model, token_replacer(name_map))
    canonical = canonicalize(model)
    return replace(canonical, flows=build_graph(model)) if flows else canonical


def load_both(
    primary: Path,
    staging: Path,
    name_map: Mapping[str, str] | None = None,
    *,
    schema_reader: SchemaReader = read_schemas,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[CanonicalConfiguration, CanonicalConfiguration]:
    """Both exports loaded, with every connector schema that may differ read: ready to compare.

    Parsing and modelling are most of a run and the two exports are independent, so on a
    machine with a second core the staging export is read in a worker process while this
    one reads the primary; connector schemas whose fingerprints differ are then read the same
    way, in parallel, by ``schema_reader``. On one core the same steps run one after the
    other. With a name map, whose staging schemas cannot be fingerprinted, both sides'
    schemas are read while loading.

    ``meanwhile`` is called once the primary export is loaded, before waiting for the
    staging one: the worker usually finishes later (it also sends its result back), so a
    later stage's preparation (compiling the HTML template) costs no time there.
    """
    defer = not name_map
    with worker_pool() as started, ending_workers(started) as pool:
        staging_future = pool.submit(load_side, staging, name_map)
        primary_config = load_side(primary, defer_schemas=defer)
        if meanwhile is not None:
            meanwhile()
        staging_config = staging_future.result()
        return resolve_schemas(primary_config, staging_config, pool, schema_reader)


def resolve_schemas(
    primary: CanonicalConfiguration,
    staging: CanonicalConfiguration,
    pool: Executor,
    schema_reader: SchemaReader = read_schemas,
) -> tuple[CanonicalConfiguration, CanonicalConfiguration]:
    """Both configurations with every schema that may differ read into its node: the staging
    ones by ``pool`` (a worker process) while this process reads the primary ones.

    Afterwards no two connectors' schemas differ by fingerprint only, which is what
    :func:`driftcheck.compare.walk.compare` needs: it reads nothing itself.
    """
    pairs = differing_schemas(primary, staging)
    staging_deferred = [(key, s.source) for key, _, s in pairs if isinstance(s, DeferredSchema)]
    primary_deferred = [(key, p.source) for key, p, _ in pairs if isinstance(p, DeferredSchema)]
    staging_job = pool.submit(read_schema_nodes, schema_reader, [s for _, s in staging_deferred])
    primary_nodes = read_schema_nodes(schema_reader, [s for _, s in primary_deferred])
    staging_nodes = staging_job.result()
    return (
        with_schemas(primary, _keyed(primary_deferred, primary_nodes)),
        with_schemas(staging, _keyed(staging_deferred, staging_nodes)),
    )


def read_schema_nodes(
    schema_reader: SchemaReader, sources: Sequence[SchemaFingerprint]
) -> list[Node]:
    """Read deferred schemas into the nodes compared (a picklable job for a worker process)."""
    if not sources:
        return []
    schemas = schema_reader(sources)
    if len(schemas) != len(sources):
        raise ValueError(f"a schema reader returned {len(schemas)} schemas for {len(sources)}")
    return [schema_node(s) for s in schemas]


def _keyed(
    deferred: Sequence[tuple[str, SchemaFingerprint]], nodes: Sequence[Node]
) -> dict[str, Node]:
    return {key: node for (key, _), node in zip(deferred, nodes, strict=True)}


def compare_exports(
    primary: Path,
    staging: Path,
    *,
    fail_on: str = Severity.WARNING,
    policy: Policy | None = None,
    name_map: Mapping[str, str] | None = None,
    policy_file: str | None = None,
    upgrade_mode: bool = True,
    checks: ChecksMode | str = ChecksMode.REPORT,
    as_of: date | None = None,
    schema_reader: SchemaReader = read_schemas,
    meanwhile: Callable[[], object] | None = None,
) -> Report:
    """Compare two exports (folders or zips) and return the report document.

    ``name_map`` rewrites staging-side names to primary-side names before comparing. With
    ``upgrade_mode`` (the default), differing product versions switch on the upgrade-aware
    comparison of :mod:`driftcheck.compare.upgrade`. ``checks`` runs the readiness checks on both
    servers and the pair (:mod:`driftcheck.checks.readiness`), judged on ``as_of`` (default today).
    ``schema_reader`` reads the connector schemas whose fingerprints differ (see
    :func:`load_both`), which also calls ``meanwhile`` while it waits for its worker.
    """
    primary_config, staging_config = load_both(
        primary, staging, name_map, schema_reader=schema_reader, meanwhile=meanwhile
    )
    upgrade = detect_upgrade(primary_config, staging_config) if upgrade_mode else None
    if upgrade is not None:
        primary_config, staging_config = match_default_rules_by_tag(primary_config, staging_config)
    comparison = compare(primary_config, staging_config)
    classify = (
        product_change_classifier(primary_config, staging_config, upgrade) if upgrade else None
    )
    verdict = apply_policy(comparison.changes, policy or Policy(), product_change=classify)
    report = build_report(
        comparison,
        verdict,
        primary_path=str(primary),
        staging_path=str(staging),
        fail_on=fail_on,
        policy_file=policy_file,
        name_map=name_map or {},
    )
    readiness = run_readiness(
        primary_config,
        staging_config,
        mode=checks,
        as_of=as_of or date.today(),
        fail_on=fail_on,
    )
    report = replace(report, checks=readiness, upgrade=upgrade)
    return with_flow_impact(report, primary_config.flows, staging_config.flows)
