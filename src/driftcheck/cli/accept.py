"""``driftcheck accept PRIMARY STAGING``: accept every current difference into the policy file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from driftcheck.checks.readiness import ChecksMode
from driftcheck.cli.common import (
    PrimaryArg,
    StagingArg,
    TodayOpt,
    echo,
    run_compare,
)
from driftcheck.compare.masking import MASKED
from driftcheck.compare.walk import Json
from driftcheck.errors import InputError
from driftcheck.model.vocab import Section
from driftcheck.policy.file import (
    DEFAULT_NAME,
    accept_rules,
    append_accepted,
    load_policy,
)
from driftcheck.report.types import Finding

ACCEPT_DAYS = 30


def accept(
    primary: PrimaryArg,
    staging: StagingArg,
    reason: Annotated[
        str, typer.Option("--reason", help="Why these differences are accepted (required).")
    ],
    expires: Annotated[
        datetime | None,
        typer.Option(
            "--expires",
            formats=["%Y-%m-%d"],
            help=f"Date (YYYY-MM-DD) the rules stop hiding. Default: in {ACCEPT_DAYS} days.",
        ),
    ] = None,
    policy_path: Annotated[
        Path | None,
        typer.Option("--policy", help=f"Policy file to append to. Default: ./{DEFAULT_NAME}."),
    ] = None,
    today: TodayOpt = None,
) -> None:
    """Accept every current difference: append one ignore rule per difference to the policy.

    For adopting driftcheck on an estate that already drifts: each rule matches one
    difference precisely (section, object, path and value), carries your reason and expires
    (by default in 30 days), so the list can be burned down. Differences already hidden by
    the policy are not added again.
    """
    if not reason.strip():
        raise InputError("--reason must say why the differences are accepted")
    day = today.date() if today else date.today()
    target = policy_path or Path.cwd() / DEFAULT_NAME
    report = run_compare(
        primary, staging, target if target.exists() else None, today=day, checks=ChecksMode.OFF
    )
    differences = [_acceptable(d) for d in report.differences if d.section != Section.POLICY]
    if not differences:
        typer.echo("Nothing to accept: no difference is reported.")
        raise typer.Exit(0)
    admin = load_policy(target) if target.exists() else None
    taken = {rule.id for rule in admin.ignore_rules} if admin else set()
    until = expires.date() if expires else day + timedelta(days=ACCEPT_DAYS)
    text = accept_rules(
        differences, reason=reason.strip(), expires=until, taken_ids=taken, today=day
    )
    try:
        append_accepted(target, text)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror or exc})", file=str(target)) from None
    echo(f"Accepted {len(differences)} difference(s) until {until}: rules appended to {target}")


def _acceptable(finding: Finding) -> Mapping[str, Json]:
    """A difference for ``accept``: a masked secret's value is not matched on (the rule
    would never match the real value), the rule matches its object and path only."""
    data = finding.to_json()
    for side in ("primary", "staging"):
        if data[side] == MASKED:
            data[side] = None
    return data
