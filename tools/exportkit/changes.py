"""Named configuration changes an admin makes on one server: planted on a Fabrikam model.

Each :class:`Change` edits a Fabrikam export model (the primary, its staging twin or the
upgraded staging server) in place and knows the findings driftcheck must report when the
changed export is compared, as the *second* export, with an unchanged one. They are the
upgrade scenario's *suspect* changes (what an upgrade does not explain and must stay loud) and
the nightly series' drift. :data:`CHANGES` maps each name to its change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .catalog import m, tag_version, with_tag_version
from .fabrikam import (
    AAD_NAME,
    CUSTOM_DEPT,
    EXPR_DEPT_FIXUP_STAGING,
    OU_REMOVED,
    SWAP_PAIR,
    A,
    E,
    F,
)
from .manifest import Finding
from .model import Export

FAB, EMEA = "fabrikam.com", "emea.fabrikam.com"


@dataclass(frozen=True)
class Change:
    name: str
    description: str
    apply: Callable[[Export], None]
    findings: tuple[Finding, ...]

    def findings_if_on_first(self) -> tuple[Finding, ...]:
        """The findings when the changed export is the *first* of the comparison."""
        flip = {"added": "removed", "removed": "added", "modified": "modified"}
        return tuple(replace(f, change=flip[f.change]) for f in self.findings)


#: (section, object, connector, path, change, severity) of a finding
Row = tuple[str, str, str | None, str, str, str]


def _f(row: Row, name: str) -> Finding:
    section, obj, conn, path, change, severity = row
    return Finding(section, obj, conn, path, change, severity, cls=name)


def _custom_rule_edit(e: Export) -> None:
    e.rule(*CUSTOM_DEPT).mappings[0] = m("department", expr=EXPR_DEPT_FIXUP_STAGING)


def _custom_rule_precedence(e: Export) -> None:
    a, b = e.rule(*SWAP_PAIR[0]), e.rule(*SWAP_PAIR[1])
    a.precedence, b.precedence = b.precedence, a.precedence


def _oob_edit_same_tag(e: Export) -> None:
    for mp in e.rule(E, "In from AD - Group Common").mappings:
        if mp.dest == "proxyAddresses":
            mp.merge = "MergeCaseInsensitive"


def _oob_disabled(e: Export) -> None:
    e.rule(A, "Out to AAD - User ExchangeOnline").disabled = True


def _tag_lower(e: Export) -> None:
    rule = e.rule(F, "In from AD - Contact Common")
    rule.tag = with_tag_version(rule.tag, tag_version(rule.tag) - 1)


def _oob_missing(e: Export) -> None:
    e.rules.remove(e.rule(E, "In from AD - Contact Join"))


def _ou_filter(e: Export) -> None:
    e.connector(F).partitions[0].inclusions.remove(OU_REMOVED)


def _setting(name: str, value: str) -> Callable[[Export], None]:
    def apply(e: Export) -> None:
        e.mv.set_parameter(name, value)

    return apply


def _attribute_inclusion(e: Export) -> None:
    e.connector(F).inclusion.remove("thumbnailPhoto")


def _object_class_filter(e: Export) -> None:
    e.connector(E).partitions[0].object_classes.remove("contact")


def _password_hash_sync(e: Export) -> None:
    e.connector(E).password_hash_sync = False


def _changes() -> list[Change]:
    dept, fixup = CUSTOM_DEPT[1], "attribute-flows/department"
    threshold = "Microsoft.OptionalFeature.ExportDeletionThresholdValue"
    interval = "Microsoft.Synchronize.TimeInterval"
    anchor = "Microsoft.SynchronizationOption.AnchorAttribute"
    upn = "Microsoft.SynchronizationOption.UPNAttribute"
    fab_part = "partitions/DC=fabrikam,DC=com"
    emea_part = "partitions/DC=emea,DC=fabrikam,DC=com"
    table: list[tuple[str, str, Callable[[Export], None], list[Row]]] = [
        ("custom-rule-edit", "a custom rule's flow expression edited (another source attribute)",
         _custom_rule_edit,
         [("sync-rule", dept, FAB, f"{fixup}/expression", "modified", "blocking"),
          ("sync-rule", dept, FAB, f"{fixup}/inputs", "removed", "blocking"),
          ("sync-rule", dept, FAB, f"{fixup}/inputs", "added", "blocking")]),
        ("custom-rule-precedence", "two custom rules' precedence swapped (order changed)",
         _custom_rule_precedence,
         [("sync-rule", SWAP_PAIR[0][1], FAB, "precedence/order", "modified", "blocking")]),
        ("oob-edit-same-tag", "an out-of-box rule's flow edited under the same full tag",
         _oob_edit_same_tag,
         [("sync-rule", "In from AD - Group Common", EMEA,
           "attribute-flows/proxyAddresses/merge-type", "modified", "blocking")]),
        ("oob-disabled", "an out-of-box rule disabled", _oob_disabled,
         [("sync-rule", "Out to AAD - User ExchangeOnline", AAD_NAME, "disabled", "modified",
           "blocking")]),
        ("tag-lower", "an out-of-box rule's tag version lower (.010 -> .009)", _tag_lower,
         [("sync-rule", "In from AD - Contact Common", FAB, "immutable-tag", "modified",
           "warning")]),
        ("oob-missing", "an out-of-box rule missing", _oob_missing,
         [("sync-rule", "In from AD - Contact Join", EMEA, "", "removed", "blocking")]),
        ("ou-filter", "an OU inclusion removed from fabrikam.com's filter", _ou_filter,
         [("connector", FAB, FAB, f"{fab_part}/containers/inclusions", "removed", "blocking")]),
        ("delete-threshold", "the export deletion threshold raised 500 -> 1000",
         _setting(threshold, "1000"),
         [("global-settings", threshold, None, "value", "modified", "blocking")]),
        ("scheduler-interval", "the sync interval changed 30 min -> 1 h",
         _setting(interval, "01:00:00"),
         [("global-settings", interval, None, "value", "modified", "warning")]),
        ("anchor-option", "the source anchor attribute changed to objectGUID",
         _setting(anchor, "objectGUID"),
         [("global-settings", anchor, None, "value", "modified", "blocking")]),
        ("upn-option", "the UPN attribute changed to mail", _setting(upn, "mail"),
         [("global-settings", upn, None, "value", "modified", "blocking")]),
        ("attribute-inclusion", "thumbnailPhoto no longer selected on fabrikam.com",
         _attribute_inclusion,
         [("connector", FAB, FAB, "attribute-inclusion", "removed", "blocking")]),
        ("object-class-filter", "contact no longer selected on emea.fabrikam.com",
         _object_class_filter,
         [("connector", EMEA, EMEA, f"{emea_part}/object-classes", "removed", "blocking")]),
        ("password-hash-sync", "password hash sync turned off for emea.fabrikam.com",
         _password_hash_sync,
         [("connector", EMEA, EMEA, "password-hash-sync/enabled", "modified", "blocking")]),
    ]  # fmt: skip
    return [
        Change(name, description, apply, tuple(_f(row, name) for row in findings))
        for name, description, apply, findings in table
    ]


#: Change name -> change, in a fixed order.
CHANGES: dict[str, Change] = {c.name: c for c in _changes()}
