"""``driftcheck rules``: the ignore and severity rules in force, and a policy file checked."""

from __future__ import annotations

from driftcheck.cli.common import (
    PolicyOpt,
    TodayOpt,
    echo,
    load_policy_and_file,
)
from driftcheck.render.text import rules_listing


def rules(policy_path: PolicyOpt = None, today: TodayOpt = None) -> None:
    """List the ignore and severity rules in force, and validate a policy file.

    Built-in ignore rules hide the differences that are always there between a primary and
    its staging server; each has an id, a reason and a source. With a policy file, its rules
    come first (they win) and the file is checked: exit code 2 names the line of any problem.

    Policy file format (TOML):

    \b
      [[ignore]]                 # hide matching differences
      id = "sales-ou-pilot"      # required, unique
      reason = "why"             # required
      section = "connector"      # global-settings | metaverse | connector | sync-rule
      object = "contoso.com"     # glob on the object name (case-insensitive)
      path = "partitions/*"      # glob on the difference path
      value = "OU=Sales*"        # glob on either side's value
      expires = 2026-12-31       # after this date it hides nothing and is reported
    \b
      [[severity]]               # same matchers, plus:
      level = "info"             # info | warning | blocking
    \b
      [map]                      # staging name = primary name
      "contoso-dev.com" = "contoso.com"
    """
    policy, admin = load_policy_and_file(policy_path, today=today.date() if today else None)
    lines = rules_listing(policy, admin)
    echo("\n".join(lines))
