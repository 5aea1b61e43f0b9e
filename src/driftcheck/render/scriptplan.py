"""The migration script's plan: which sync rules to add, remove, replace, enable or disable.

Made from the report alone (its differences and the rule definitions it carries), for one
target server; what the script cannot change (the wizard's settings) is listed, not scripted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from driftcheck.compare.sections import competing_group
from driftcheck.errors import InputError
from driftcheck.model.jsonread import Json
from driftcheck.model.ruledef import RuleDefinition
from driftcheck.model.vocab import ChangeKind, Section
from driftcheck.policy.namemap import map_strings, token_replacer
from driftcheck.report.types import (
    Finding,
    ObjectEntry,
    Report,
    ScriptFix,
    ServerInfo,
)

TARGETS = ("staging", "primary")


ZERO_GUID = "00000000-0000-0000-0000-000000000000"


FLOW_TYPES = {"direct": "Direct", "constant": "Constant", "expression": "Expression"}


SCOPE_CONDITION = "Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition"


JOIN_CONDITION = "Microsoft.IdentityManagement.PowerShell.ObjectModel.JoinCondition"


PRECEDENCE_ORDER = "precedence/order"


#: Differences listed per section in the header before "and N more".
HEADER_LIMIT = 40


@dataclass(frozen=True)
class RuleChange:
    """One change on the target server. ``definition`` is the rule to create (add, replace)."""

    action: str  # add | replace | remove | enable | disable
    name: str
    connector: str
    direction: str
    definition: RuleDefinition | None = None
    because: str = ""

    @property
    def label(self) -> str:
        return f"'{self.name}' ({self.connector}, {self.direction})"


@dataclass(frozen=True)
class NotScripted:
    """A difference the script leaves alone, with why and what the admin should do."""

    section: str
    object: str
    connector: str | None
    what: str
    why: str


@dataclass(frozen=True)
class ScriptPlan:
    target: str
    source: str
    target_server: ServerInfo
    source_server: ServerInfo
    changes: tuple[RuleChange, ...]
    #: sync-rule differences the script only warns about (out-of-box rules, missing connectors)
    warnings: tuple[NotScripted, ...]
    #: differences in sections the wizard owns (connectors, global settings, metaverse)
    not_scripted: tuple[NotScripted, ...]
    #: the report's differences the script removes
    fixes: tuple[ScriptFix, ...]
    #: (source name, target name) pairs of the policy's name map, when names are mapped back
    mapped_names: tuple[tuple[str, str], ...] = ()

    @property
    def changes_nothing(self) -> bool:
        return not self.changes


WIZARD_OWNS = {
    Section.CONNECTOR: "connectors, partitions and OU filtering, attribute inclusion, password "
    "hash sync and writeback are set by the Entra Connect wizard",
    Section.GLOBAL_SETTINGS: "global settings and optional features are set by the Entra "
    "Connect wizard",
    Section.METAVERSE: "the metaverse schema follows the connectors and directory extensions "
    "the Entra Connect wizard sets up",
}


def _ident(connector: str | None, name: str) -> tuple[str, str]:
    return ((connector or "").casefold(), name.casefold())


def _name_mapper(report: Report, target: str) -> tuple[Callable[[str], str], dict[str, str]]:
    """How a name in the report is spelt on the target server.

    With a policy ``[map]`` (staging name = primary name) the report holds primary names on
    both sides; a script for the staging server maps them back, the inverse way.
    """
    mapping = report.policy.map
    if target != "staging" or not mapping:
        return (lambda text: text), {}
    inverse: dict[str, str] = {}
    for staging_name, primary_name in mapping.items():
        taken = {k.casefold(): v for k, v in inverse.items()}
        if taken.get(primary_name.casefold(), staging_name) != staging_name:
            raise InputError(
                f"the policy's [map] maps several staging names to {primary_name!r}: "
                "the script cannot tell which one the staging server uses"
            )
        inverse[primary_name] = staging_name
    return token_replacer(inverse), inverse


def _definition(entry: ObjectEntry, side: str) -> RuleDefinition | None:
    info = entry.rule
    definition = None
    if info is not None:
        definition = info.definition_primary if side == "primary" else info.definition_staging
    if _tree(entry, side) is not None and definition is None:
        raise InputError(
            f"the report holds no definition of sync rule {entry.name!r}: it was written by "
            "an older driftcheck; run driftcheck compare again"
        )
    return definition


def _tree(entry: ObjectEntry, side: str) -> Mapping[str, Json] | None:
    return entry.primary if side == "primary" else entry.staging


def _group(definition: RuleDefinition) -> str:
    return competing_group(
        definition.direction, definition.target_object_type, definition.connector
    )


def _oob_reason(entry: ObjectEntry, source: str, target: str) -> str:
    src, tgt = _tree(entry, source), _tree(entry, target)
    if src is None or tgt is None:
        side = source if tgt is None else target
        return (
            f"this out-of-box rule exists only on the {side} server: it comes with an optional "
            "feature or a product version, which the Entra Connect wizard (or an upgrade) sets "
            "up. Run the wizard with the same options, at the same version, on both servers"
        )
    if str(src.get("immutable-tag", "")).casefold() != str(tgt.get("immutable-tag", "")).casefold():
        return (
            "the servers run different versions of this out-of-box rule (an upgrade is under "
            "way): upgrade the other server to the same Entra Connect version; do not edit "
            "out-of-box rules"
        )
    return (
        "an out-of-box rule was edited on one server. That is not supported and an upgrade "
        "resets it: restore the default rule, and put the change into a custom rule "
        "(disable the default one if needed) on both servers, then run driftcheck again"
    )


def _difference_text(d: Finding) -> str:
    return f"{d.path or '(the whole object)'} ({d.change.value})"


def _fix(d: Finding) -> ScriptFix:
    return ScriptFix(d.section, d.object, d.connector, d.path, d.change)


def plan_script(report: Report, target: str = "staging") -> ScriptPlan:
    """What a script run on ``target`` must change so its sync rules match the other server's.

    Pure: reads the report only. Custom rules present on the source only are added, on the
    target only removed, and reported as modified replaced. In every group of competing
    rules where a custom rule is written or moved, every custom rule gets the source's
    precedence, so their order is the source's.
    """
    if target not in TARGETS:
        raise InputError(f"--script-target must be staging or primary, not {target!r}")
    source = "primary" if target == "staging" else "staging"
    entries = report.objects.get(Section.SYNC_RULE)
    if entries is None:
        raise InputError(
            "the report carries no configuration objects, which the script is written from; "
            "run driftcheck compare again"
        )
    rename, inverse = _name_mapper(report, target)
    by_object = _rule_differences(report)
    planner = _Planner(source, target, rename, _connectors_on(report, target))
    for entry in entries:
        diffs = by_object.get(_ident(entry.connector, entry.name), [])
        if entry.rule is not None and entry.rule.out_of_box:
            _out_of_box(
                entry, diffs, source, target, planner.change, planner.warnings, planner.fixes
            )
        else:
            planner.custom_rule(entry, diffs)
    planner.keep_source_order()
    not_scripted = [
        NotScripted(d.section, d.object, d.connector, _difference_text(d), WIZARD_OWNS[section])
        for d in report.differences
        for section in WIZARD_OWNS
        if d.section == section
    ]
    order = {"remove": 0, "replace": 1, "add": 2, "disable": 3, "enable": 3}
    return ScriptPlan(
        target=target,
        source=source,
        target_server=report.staging if target == "staging" else report.primary,
        source_server=report.primary if target == "staging" else report.staging,
        changes=tuple(sorted(planner.changes, key=lambda c: order[c.action])),
        warnings=tuple(planner.warnings),
        not_scripted=tuple(not_scripted),
        fixes=tuple(planner.fixes),
        mapped_names=tuple(sorted(inverse.items())),
    )


def _rule_differences(report: Report) -> dict[tuple[str, str], list[Finding]]:
    """The report's sync-rule differences, by rule (connector, name)."""
    by_object: dict[tuple[str, str], list[Finding]] = {}
    for d in report.differences:
        if d.section == Section.SYNC_RULE:
            by_object.setdefault(_ident(d.connector, d.object), []).append(d)
    return by_object


def _connectors_on(report: Report, target: str) -> dict[str, str]:
    """Connector names as the target server spells them (letter case may differ)."""
    on_target: dict[str, str] = {}
    for e in report.objects.get(Section.CONNECTOR, ()):
        tree = _tree(e, target)
        if tree is not None:
            on_target[e.name.casefold()] = str(tree.get("name") or e.name)
    return on_target


@dataclass
class _Planner:
    """The plan being made, custom rule by custom rule."""

    source: str
    target: str
    rename: Callable[[str], str]
    on_target: dict[str, str]
    changes: list[RuleChange] = field(default_factory=list)
    warnings: list[NotScripted] = field(default_factory=list)
    fixes: list[ScriptFix] = field(default_factory=list)
    #: groups of competing rules where a custom rule is written or moved
    affected: set[str] = field(default_factory=set)
    unchanged: list[tuple[ObjectEntry, RuleDefinition, RuleDefinition]] = field(
        default_factory=list
    )

    def change(
        self, action: str, entry: ObjectEntry, definition: RuleDefinition | None, because: str
    ) -> None:
        connector = entry.connector or ""
        self.changes.append(
            RuleChange(
                action,
                self.rename(entry.name),
                self.rename(self.on_target.get(connector.casefold(), connector)),
                entry.rule.direction if entry.rule else "",
                map_strings(definition, self.rename) if definition is not None else None,
                because,
            )
        )

    def custom_rule(self, entry: ObjectEntry, diffs: list[Finding]) -> None:
        """Add, remove or replace one custom rule (or note it unchanged, for the order)."""
        src, tgt = _definition(entry, self.source), _definition(entry, self.target)
        if (entry.connector or "").casefold() not in self.on_target:
            self._connector_missing(entry, diffs)
            return
        if src is not None and tgt is None:
            self.change("add", entry, src, f"only on the {self.source} server")
        elif src is None and tgt is not None:
            self.change("remove", entry, None, f"not on the {self.source} server")
        elif src is not None and tgt is not None and entry.state == ChangeKind.MODIFIED:
            if self._moved_only(src, tgt, diffs):
                return
            self.change("replace", entry, src, "; ".join(_difference_text(d) for d in diffs))
        elif src is not None and tgt is not None:
            self.unchanged.append((entry, src, tgt))
            return
        else:
            return
        self.fixes.extend(_fix(d) for d in diffs)
        if src is not None:
            self.affected.add(_group(src))

    def _connector_missing(self, entry: ObjectEntry, diffs: list[Finding]) -> None:
        if diffs:
            self.warnings.append(
                NotScripted(
                    Section.SYNC_RULE,
                    entry.name,
                    entry.connector,
                    "; ".join(_difference_text(d) for d in diffs),
                    f"connector {entry.connector!r} is not on the {self.target} server: add it "
                    "with the Entra Connect wizard, then run driftcheck again",
                )
            )

    def _moved_only(self, src: RuleDefinition, tgt: RuleDefinition, diffs: list[Finding]) -> bool:
        """Only its order differs and its number is right already: the rules around it move."""
        order_only = all(d.path == PRECEDENCE_ORDER for d in diffs)
        if order_only and src.precedence == tgt.precedence:
            self.fixes.extend(_fix(d) for d in diffs)
            self.affected.add(_group(src))
            return True
        return False

    def keep_source_order(self) -> None:
        """Every unchanged custom rule of an affected group gets the source's precedence."""
        for entry, src, tgt in self.unchanged:
            if _group(src) in self.affected and src.precedence != tgt.precedence:
                self.change(
                    "replace",
                    entry,
                    src,
                    f"precedence {tgt.precedence} → {src.precedence}, "
                    f"to keep the {self.source} server's order",
                )


def _out_of_box(
    entry: ObjectEntry,
    diffs: list[Finding],
    source: str,
    target: str,
    change: Callable[[str, ObjectEntry, RuleDefinition | None, str], None],
    warnings: list[NotScripted],
    fixes: list[ScriptFix],
) -> None:
    """Out-of-box rules: the ``disabled`` flag is scripted, anything else is warned about."""
    src, tgt = _tree(entry, source), _tree(entry, target)
    others = [d for d in diffs if d.path != "disabled" or src is None or tgt is None]
    if src is not None and tgt is not None and src.get("disabled") != tgt.get("disabled"):
        disabled = str(src.get("disabled", "")).casefold() == "true"
        change("disable" if disabled else "enable", entry, None, "disabled flag")
        fixes.extend(_fix(d) for d in diffs if d.path == "disabled")
    if others:
        warnings.append(
            NotScripted(
                Section.SYNC_RULE,
                entry.name,
                entry.connector,
                "; ".join(_difference_text(d) for d in others),
                _oob_reason(entry, source, target),
            )
        )
