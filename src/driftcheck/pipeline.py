"""The stages wired together: read → model → normalize → compare → policy → report."""

from __future__ import annotations

from pathlib import Path

from driftcheck.compare import compare
from driftcheck.extract import server_configuration
from driftcheck.normalize import canonicalize
from driftcheck.policy import Policy, apply_policy
from driftcheck.read import read_export
from driftcheck.report import Report, build_report


def compare_exports(
    primary: Path, staging: Path, *, fail_on: str = "warning", policy: Policy | None = None
) -> Report:
    """Compare two exports (folders or zips) and return the report document."""
    primary_config = canonicalize(server_configuration(read_export(primary)))
    staging_config = canonicalize(server_configuration(read_export(staging)))
    comparison = compare(primary_config, staging_config)
    verdict = apply_policy(comparison.changes, policy or Policy())
    return build_report(
        comparison,
        verdict,
        primary_path=str(primary),
        staging_path=str(staging),
        fail_on=fail_on,
    )
