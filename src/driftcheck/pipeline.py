"""The stages wired together: read → model → normalize → compare → policy → report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from driftcheck.compare import compare
from driftcheck.extract import server_configuration
from driftcheck.namemap import map_strings, token_replacer
from driftcheck.normalize import canonicalize
from driftcheck.policy import Policy, apply_policy
from driftcheck.read import read_export
from driftcheck.report import Report, build_report


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
    primary_model = server_configuration(read_export(primary))
    staging_model = server_configuration(read_export(staging))
    if name_map:
        staging_model = map_strings(staging_model, token_replacer(name_map))
    comparison = compare(canonicalize(primary_model), canonicalize(staging_model))
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
