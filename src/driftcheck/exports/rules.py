"""The pending-exports finding rules: a catalogue (data) and the thresholds that tune it.

Each rule has an id (a contract: policy files and scripts name it), the severity it reaches
at its threshold, the threshold itself (a count of objects, or a share of the connector's
objects in the file) and its documentation; docs/pending-exports.md's rule table is written
from :data:`CATALOGUE` by ``tools/pending_docs.py``. The policy file's ``[pending]`` table
fills :class:`Thresholds` (per rule, and per connector).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from driftcheck.model.vocab import Severity

#: The export deletion threshold's product default (Get-ADSyncExportDeletionThreshold).
DEFAULT_DELETION_THRESHOLD = 500
#: A share threshold only counts from this many objects (one UPN change of 20 objects is 5%).
SHARE_FLOOR = 5


@dataclass(frozen=True)
class PendingRule:
    """One finding rule of the catalogue."""

    id: str
    title: str
    #: the severity at or above the threshold (below it, a match is ``info``)
    severity: Severity
    #: objects at which the rule reaches ``severity`` (None: no count threshold)
    count: int | None
    #: share of the connector's objects in the file at which it does (None: none)
    share: float | None
    #: blocking when the objects reach the export deletion threshold
    escalates: bool
    #: the count threshold as a share of the deletion threshold (deletes: near it)
    of_deletion_threshold: float | None
    #: what it matches, in words (docs)
    scope: str
    #: why it matters (docs)
    why: str


CATALOGUE: tuple[PendingRule, ...] = (
    PendingRule(
        id="deletes",
        title="Deletes near or over the export deletion threshold",
        severity=Severity.WARNING,
        count=None,
        share=None,
        escalates=True,
        of_deletion_threshold=0.8,
        scope=(
            "objects the export would delete (operation `delete` or `delete-add`) on one "
            "connector: info for any, warning from 80% of the export deletion threshold, "
            "blocking at the threshold"
        ),
        why=(
            "With the threshold on, the real export to Entra ID stops there and the server "
            "needs an admin; with it off, that many objects go. The threshold comes from "
            "`--config` (MV.xml `Microsoft.OptionalFeature.ExportDeletionThresholdValue`), "
            "else 500, the product default."
        ),
    ),
    PendingRule(
        id="anchor-change",
        title="Source anchor changes",
        severity=Severity.BLOCKING,
        count=1,
        share=None,
        escalates=False,
        of_deletion_threshold=None,
        scope=(
            "objects whose anchor changes or is cleared: `sourceAnchor` on the Entra ID "
            "connector, `ms-DS-ConsistencyGuid` on an AD connector (both where the connector's "
            "type is unknown); a first value (`set`) is not a change"
        ),
        why=(
            "A changed anchor orphans the cloud object or matches it to someone else: "
            "mailboxes, licences and sign-in follow the wrong account."
        ),
    ),
    PendingRule(
        id="upn-change",
        title="userPrincipalName changes",
        severity=Severity.WARNING,
        count=10,
        share=0.05,
        escalates=True,
        of_deletion_threshold=None,
        scope="objects whose `userPrincipalName` changes (a first value is not counted)",
        why="The sign-in name changes: users cannot sign in with the name they know.",
    ),
    PendingRule(
        id="proxy-addresses-removed",
        title="proxyAddresses values removed",
        severity=Severity.WARNING,
        count=10,
        share=0.05,
        escalates=True,
        of_deletion_threshold=None,
        scope="objects that lose at least one `proxyAddresses` value",
        why="Mail to a removed address bounces; a removed primary SMTP address changes the sender.",
    ),
    PendingRule(
        id="cloud-filtered",
        title="Objects leaving Entra ID (cloudFiltered set to true)",
        severity=Severity.WARNING,
        count=10,
        share=0.05,
        escalates=True,
        of_deletion_threshold=None,
        scope="objects whose `cloudFiltered` turns true",
        why="A cloud-filtered object is deleted from Entra ID on the next export.",
    ),
    PendingRule(
        id="mass-change",
        title="One attribute changing on many objects",
        severity=Severity.WARNING,
        count=500,
        share=None,
        escalates=False,
        of_deletion_threshold=None,
        scope=(
            "an attribute that changes on at least the threshold's objects of one connector "
            "(attributes with a rule of their own excepted); the message gives the kinds "
            "(case-only, whitespace-only ...) and the top transition"
        ),
        why=(
            "A changed outbound transformation shows up as thousands of updates of one "
            "attribute with one pattern: configuration drift becoming user-visible damage. "
            "`compare --pending` tells which configuration difference explains it."
        ),
    ),
    PendingRule(
        id="escrowed-exports",
        title="Escrowed exports",
        severity=Severity.WARNING,
        count=1,
        share=None,
        escalates=False,
        of_deletion_threshold=None,
        scope="objects with an escrowed export (exported earlier, never confirmed by an import)",
        why=(
            "An earlier export was sent but not confirmed: run a full import on the connector "
            "before trusting the pending exports."
        ),
    ),
    PendingRule(
        id="unconfirmed-exports",
        title="Unconfirmed exports",
        severity=Severity.WARNING,
        count=1,
        share=None,
        escalates=False,
        of_deletion_threshold=None,
        scope="objects with an unconfirmed export",
        why=(
            "Exports an earlier run wrote but no import has confirmed: the connector space may "
            "not match the directory. Import, synchronize and export the pending list again."
        ),
    ),
)

RULES: dict[str, PendingRule] = {rule.id: rule for rule in CATALOGUE}

#: Attributes the attribute rules watch (case-insensitive), excluded from ``mass-change``.
UPN = "userprincipalname"
PROXY_ADDRESSES = "proxyaddresses"
CLOUD_FILTERED = "cloudfiltered"
SOURCE_ANCHOR = "sourceanchor"
CONSISTENCY_GUID = "ms-ds-consistencyguid"
WATCHED = frozenset({UPN, PROXY_ADDRESSES, CLOUD_FILTERED, SOURCE_ANCHOR, CONSISTENCY_GUID})


@dataclass(frozen=True)
class RuleSettings:
    """A rule's tunable part, as the policy file's ``[pending]`` table sets it."""

    severity: Severity
    count: int | None
    share: float | None
    enabled: bool = True

    @classmethod
    def of(cls, rule: PendingRule) -> RuleSettings:
        return cls(rule.severity, rule.count, rule.share)


def _defaults() -> Mapping[str, RuleSettings]:
    return {rule.id: RuleSettings.of(rule) for rule in CATALOGUE}


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of the rules, with the policy file's changes applied.

    ``connectors`` holds per-connector settings (connector name -> rule id -> settings) that
    win over ``rules``; ``deletion_threshold`` (and per connector) win over ``--config``.
    """

    rules: Mapping[str, RuleSettings] = field(default_factory=_defaults)
    connectors: Mapping[str, Mapping[str, RuleSettings]] = field(default_factory=dict)
    deletion_threshold: int | None = None
    connector_deletion_threshold: Mapping[str, int] = field(default_factory=dict)

    def settings(self, rule_id: str, connector: str) -> RuleSettings:
        own = self.connectors.get(connector, {}).get(rule_id)
        if own is not None:
            return own
        return self.rules.get(rule_id) or RuleSettings.of(RULES[rule_id])

    def deletion_threshold_for(self, connector: str, configured: int | None) -> tuple[int, str]:
        """The deletion threshold of a connector and where it comes from."""
        if connector in self.connector_deletion_threshold:
            return self.connector_deletion_threshold[connector], "policy file (connector)"
        if self.deletion_threshold is not None:
            return self.deletion_threshold, "policy file"
        if configured is not None:
            return configured, "--config"
        return DEFAULT_DELETION_THRESHOLD, "product default"

    def with_rule(self, rule_id: str, **changes: object) -> Thresholds:
        """A copy with one rule's settings changed (tests, the policy file reader)."""
        rules = dict(self.rules)
        rules[rule_id] = replace(self.settings(rule_id, ""), **changes)  # type: ignore[arg-type]
        return replace(self, rules=rules)


DEFAULT_THRESHOLDS = Thresholds()


def level(
    rule: PendingRule,
    settings: RuleSettings,
    objects: int,
    connector_objects: int,
    deletion_threshold: int,
) -> Severity | None:
    """The severity a rule reaches with ``objects`` matching (None: no finding)."""
    if objects <= 0 or not settings.enabled:
        return None
    if rule.escalates and objects >= deletion_threshold:
        return Severity.BLOCKING
    count = settings.count
    if count is None and rule.of_deletion_threshold is not None:
        count = max(1, math.ceil(rule.of_deletion_threshold * deletion_threshold))
    over = count is not None and objects >= count
    if settings.share is not None and connector_objects > 0 and objects >= SHARE_FLOOR:
        over = over or objects >= settings.share * connector_objects
    return settings.severity if over else Severity.INFO
