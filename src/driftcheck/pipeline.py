"""The stages wired together: read → model → normalize → compare → policy → report."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from driftcheck.compare import compare
from driftcheck.extract import server_configuration
from driftcheck.namemap import map_strings, token_replacer
from driftcheck.normalize import (
    CanonicalConfiguration,
    DeferredSchema,
    canonicalize,
    differing_schemas,
    read_schema_nodes,
    with_schemas,
)
from driftcheck.policy import Policy, apply_policy
from driftcheck.read import read_export
from driftcheck.report import Report, build_report
from driftcheck.vocab import Severity


def load_side(
    path: Path, name_map: Mapping[str, str] | None = None, *, defer_schemas: bool = True
) -> CanonicalConfiguration:
    """Read, model and normalize one export; ``name_map`` renames its names first.

    Connector schemas are only fingerprinted, to be read if the two servers' differ
    (``defer_schemas``), except where names are mapped: a fingerprint is of the file as
    written, before renaming.
    """
    model = server_configuration(read_export(path), defer_schemas=defer_schemas and not name_map)
    if name_map:
        model = map_strings(model, token_replacer(name_map))
    return canonicalize(model)


def load_both(
    primary: Path, staging: Path, name_map: Mapping[str, str] | None = None
) -> tuple[CanonicalConfiguration, CanonicalConfiguration]:
    """Load the two exports at the same time when the machine has a second core.

    Parsing and modelling are most of a run and the two exports are independent, so the
    staging export is read in a worker process while this one reads the primary. Connector
    schemas whose fingerprints differ are then read the same way, in parallel. (On one core,
    :func:`driftcheck.compare.compare` reads them as it meets them.) With a name map, whose
    staging schemas cannot be fingerprinted, both sides' schemas are read while loading.
    """
    defer = not name_map
    if (os.cpu_count() or 1) < 2:
        return load_side(primary, defer_schemas=defer), load_side(staging, name_map)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        staging_future = pool.submit(load_side, staging, name_map)
        primary_config = load_side(primary, defer_schemas=defer)
        staging_config = staging_future.result()
        return read_differing_schemas(primary_config, staging_config, pool)


def read_differing_schemas(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration, pool: ProcessPoolExecutor
) -> tuple[CanonicalConfiguration, CanonicalConfiguration]:
    """Both configurations with every schema that may differ read in full: the staging ones
    in ``pool``'s worker while this process reads the primary ones."""
    pairs = differing_schemas(primary, staging)
    staging_deferred = [(key, s) for key, _, s in pairs if isinstance(s, DeferredSchema)]
    staging_job = pool.submit(read_schema_nodes, [s.source for _, s in staging_deferred])
    primary_nodes = {key: p.read() for key, p, _ in pairs if isinstance(p, DeferredSchema)}
    staging_keys = [key for key, _ in staging_deferred]
    staging_nodes = dict(zip(staging_keys, staging_job.result(), strict=True))
    return with_schemas(primary, primary_nodes), with_schemas(staging, staging_nodes)


def compare_exports(
    primary: Path,
    staging: Path,
    *,
    fail_on: str = Severity.WARNING,
    policy: Policy | None = None,
    name_map: Mapping[str, str] | None = None,
    policy_file: str | None = None,
) -> Report:
    """Compare two exports (folders or zips) and return the report document.

    ``name_map`` rewrites staging-side names to primary-side names before comparing.
    """
    comparison = compare(*load_both(primary, staging, name_map))
    verdict = apply_policy(comparison.changes, policy or Policy())
    return build_report(
        comparison,
        verdict,
        primary_path=str(primary),
        staging_path=str(staging),
        fail_on=fail_on,
        policy_file=policy_file,
        name_map=name_map or {},
    )
