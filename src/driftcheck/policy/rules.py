"""Policy: which differences are hidden (ignore rules) and how severe the rest are.

Every rule has an id, a one-line reason and a source, and every difference it hides is kept
and counted, so a report can always say what was not shown and why. Rules match a change by
section, object name, path and value; the first severity rule that matches sets the severity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from driftcheck.compare.walk import Change
from driftcheck.model.vocab import ChangeKind, RuleStatus, Section, Severity
from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES, BUILT_IN_SEVERITY_RULES
from driftcheck.policy.matching import BUILT_IN, IgnoreRule, SeverityRule


@dataclass(frozen=True)
class Difference:
    """A change that is reported, with its severity and the rule that set it.

    ``would_be_hidden_by`` names the built-in ignore rule that would have hidden it, when
    built-in ignores are switched off for review.
    """

    change: Change
    severity: str
    rule: str
    would_be_hidden_by: str | None = None


@dataclass(frozen=True)
class Suppressed:
    """A change hidden by an ignore rule (kept so that the report can account for it)."""

    change: Change
    rule: str
    #: the severity it would have had
    severity: str


@dataclass(frozen=True)
class Policy:
    """The rules in force: the admin's first (they win), then the built-in ones."""

    ignore_rules: tuple[IgnoreRule, ...] = BUILT_IN_IGNORE_RULES
    severity_rules: tuple[SeverityRule, ...] = BUILT_IN_SEVERITY_RULES
    #: False shows what built-in rules would hide (``--no-builtin-ignores``)
    builtin_ignores: bool = True
    #: the day expiry dates are checked against (fixed in tests)
    today: date = field(default_factory=date.today)

    def with_admin_rules(
        self, ignore: Sequence[IgnoreRule], severity: Sequence[SeverityRule]
    ) -> Policy:
        return replace(
            self,
            ignore_rules=(*ignore, *self.ignore_rules),
            severity_rules=(*severity, *self.severity_rules),
        )


EXPIRED_RULE = "expired-ignore-rule"


@dataclass(frozen=True)
class RuleUse:
    """How an ignore rule fared: for the audit of what was hidden."""

    rule: IgnoreRule
    hidden: int
    status: RuleStatus


@dataclass(frozen=True)
class Verdict:
    differences: tuple[Difference, ...]
    suppressed: tuple[Suppressed, ...]
    rule_uses: tuple[RuleUse, ...]

    @property
    def hidden_by_rule(self) -> dict[str, int]:
        return {use.rule.id: use.hidden for use in self.rule_uses}


def severity_of(change: Change, rules: Sequence[SeverityRule]) -> tuple[str, str]:
    for rule in rules:
        if rule.matcher.matches(change):
            return rule.level, rule.id
    return Severity.WARNING, "unclassified"


def is_expired(rule: IgnoreRule, today: date) -> bool:
    return rule.expires is not None and rule.expires < today


def _expired_finding(rule: IgnoreRule, today: date) -> Difference:
    change = Change(
        Section.POLICY,
        rule.id,
        None,
        "expires",
        ChangeKind.MODIFIED,
        rule.expires.isoformat() if rule.expires else None,
        f"expired (checked on {today.isoformat()}): no longer hides anything",
    )
    return Difference(change, Severity.WARNING, EXPIRED_RULE)


def apply_policy(
    changes: Iterable[Change],
    policy: Policy | None = None,
    *,
    product_change: Callable[[Change], str | None] | None = None,
) -> Verdict:
    """Split changes into reported differences and suppressed ones, and audit the rules.

    ``product_change`` (upgrade mode, :mod:`driftcheck.compare.upgrade`) names the
    ``upgrade-…`` rule of a change the newer product version explains: it is reported as info
    under that rule.
    """
    policy = policy or Policy()
    active = [r for r in policy.ignore_rules if not is_expired(r, policy.today)]
    differences: list[Difference] = []
    suppressed: list[Suppressed] = []
    hidden = {rule.id: 0 for rule in policy.ignore_rules}
    for change in changes:
        level, severity_rule = severity_of(change, policy.severity_rules)
        upgrade_rule = product_change(change) if product_change else None
        if upgrade_rule is not None:
            level, severity_rule = "info", upgrade_rule
        hiding = next((r for r in active if r.matcher.matches(change)), None)
        if hiding is None:
            differences.append(Difference(change, level, severity_rule))
        elif hiding.source == BUILT_IN and not policy.builtin_ignores:
            hidden[hiding.id] += 1
            differences.append(Difference(change, level, severity_rule, hiding.id))
        else:
            hidden[hiding.id] += 1
            suppressed.append(Suppressed(change, hiding.id, level))
    uses = []
    for rule in policy.ignore_rules:
        if is_expired(rule, policy.today):
            differences.append(_expired_finding(rule, policy.today))
            status = RuleStatus.EXPIRED
        elif rule.source == BUILT_IN and not policy.builtin_ignores:
            status = RuleStatus.OFF
        else:
            status = RuleStatus.USED if hidden[rule.id] else RuleStatus.UNUSED
        uses.append(RuleUse(rule, hidden[rule.id], status))
    return Verdict(tuple(differences), tuple(suppressed), tuple(uses))
