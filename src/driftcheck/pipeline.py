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
from driftcheck.normalize import CanonicalConfiguration, canonicalize
from driftcheck.policy import Policy, apply_policy
from driftcheck.read import read_export
from driftcheck.report import Report, build_report


def load_side(path: Path, name_map: Mapping[str, str] | None = None) -> CanonicalConfiguration:
    """Read, model and normalize one export; ``name_map`` renames its names first."""
    model = server_configuration(read_export(path))
    if name_map:
        model = map_strings(model, token_replacer(name_map))
    return canonicalize(model)


def load_both(
    primary: Path, staging: Path, name_map: Mapping[str, str] | None = None
) -> tuple[CanonicalConfiguration, CanonicalConfiguration]:
    """Load the two exports at the same time when the machine has a second core.

    Parsing and modelling are most of a run and the two exports are independent, so the
    staging export is read in a worker process while this one reads the primary.
    """
    if (os.cpu_count() or 1) < 2:
        return load_side(primary), load_side(staging, name_map)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        staging_future = pool.submit(load_side, staging, name_map)
        primary_config = load_side(primary)
        return primary_config, staging_future.result()


def compare_exports(
    primary: Path,
    staging: Path,
    *,
    fail_on: str = "warning",
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
