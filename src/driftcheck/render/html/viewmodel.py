"""The view model: everything the template shows, prepared from a report.

Only what the JSON report carries is used, so ``driftcheck render`` rebuilds the same page.
The sections of the page, the summary table and the contents all follow the section table of
:mod:`driftcheck.model.vocab`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from driftcheck.compare.walk import Json
from driftcheck.model.vocab import (
    CONFIG_SECTIONS,
    SECTION_INFO,
    SEVERITY_ORDER,
    ChangeKind,
    Section,
    Severity,
    most_severe,
    section_title,
    severity_sort_key,
)
from driftcheck.render.flows_text import flows_line
from driftcheck.render.html.cells import (
    ARROW,
    Cell,
    list_diff,
    text_of,
    token_diff,
    value_cell,
)
from driftcheck.render.html.flowview import FlowView, flow_views
from driftcheck.render.html.pendingview import PendingView, pending_view
from driftcheck.render.html.rows import (
    GLOBAL_GROUPS,
    NO_MARKS,
    Marks,
    Row,
    attribute_definition_text,
    connector_rows,
    flow_text,
    global_group,
    mark_context,
    metaverse_rows,
    one_sided,
    rule_rows,
    tree_rows,
)
from driftcheck.render.html.scriptview import ScriptView, script_view
from driftcheck.render.readiness import ReadinessView, report_readiness_view
from driftcheck.render.tracking import (
    NO_HISTORY,
    HistoryView,
    RowHistory,
    history_view,
    row_history,
)
from driftcheck.report.findings import folded_phrase, for_reading, severity_counts
from driftcheck.report.types import (
    Finding,
    ObjectEntry,
    Report,
    RuleAudit,
    ServerInfo,
    SuppressedFinding,
)

UNCHANGED = "unchanged"
STATES = (*(k.value for k in ChangeKind), UNCHANGED)
#: The count columns of the summary table, in order.
SUMMARY_COLUMNS = (*STATES, *(level.value for level in SEVERITY_ORDER))
#: Objects of one difference listed open; more start folded behind "N objects, same change".
OBJECTS_LISTED_OPEN = 12
#: What each severity means for a switchover, next to the verdict.
SEVERITY_MEANING: Mapping[Severity, str] = {
    Severity.BLOCKING: "fix before switching over: staging would sync differently",
    Severity.WARNING: "check before switching over: may matter, depending on the estate",
    Severity.INFO: "no effect on what is synchronized; listed for the record",
}
#: Symbols of the object states, shown with the state's colour (never colour alone).
STATE_SYMBOL: Mapping[str, str] = {
    ChangeKind.MODIFIED: "±",
    ChangeKind.ADDED: "+",
    ChangeKind.REMOVED: "−",
    UNCHANGED: "=",
}
#: A difference's path shown for a global setting, whose one field is its value.
SETTING_VALUE_PATH = "value"
#: Objects listed by name in one suppressed group before "N more".
SUPPRESSED_EXAMPLES = 25
#: More changed objects than this start collapsed, to keep a large estate's page fast.
OPEN_LIMIT = 120
#: A modified text at least this long is shown as one inline diff instead of old → new.
INLINE_DIFF = 24

#: How each configuration section lays its objects out, and the heading above them. A
#: section without a row here (the policy file, sections of newer reports) shows only its
#: differences.
SECTION_LAYOUT: Mapping[str, tuple[str, str]] = {
    Section.GLOBAL_SETTINGS: ("settings", "Configuration by feature"),
    Section.METAVERSE: ("objects", "Object types and attributes"),
    Section.CONNECTOR: ("objects", "Configuration"),
    Section.SYNC_RULE: ("rule-groups", "Configuration by connector and direction"),
}

Ident = tuple[str, str, str]

# --- the view model's parts ------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectLink:
    label: str
    href: str


@dataclass(frozen=True)
class DifferenceGroup:
    """Differences with the same path, change and values in one or more objects."""

    severity: Severity
    section: str
    section_title: str
    rule: str
    would_be_hidden_by: str
    path: str
    change: str
    cell: Cell
    objects: list[ObjectLink]
    #: the objects' list starts open (few objects)
    objects_open: bool
    connectors: str
    oob: bool
    history: RowHistory = NO_HISTORY
    #: with ``compare --pending``: "department on contoso.com: 1,203 objects", the pending
    #: changes the group's differences flow into
    pending: tuple[str, ...] = ()


@dataclass
class ObjectView:
    """One object's side-by-side table. Mutable: ``open`` is decided once all are built."""

    id: str
    name: str
    connector: str | None
    ckey: str
    state: str
    severity: str
    severities: str
    oob: bool
    tag: str
    summary: str
    open: bool
    rows: list[Row]


@dataclass(frozen=True)
class GlobalGroupView:
    id: str
    title: str
    #: "1 setting", "4 settings"
    count: str
    objects: list[ObjectView]
    state: str
    open: bool


@dataclass(frozen=True)
class RuleGroupView:
    id: str
    title: str
    #: "1 rule", "37 rules"
    count: str
    ckey: str
    objects: list[ObjectView]
    state: str


@dataclass(frozen=True)
class SummaryRow:
    label: str
    href: str
    depth: int
    primary: int | str
    staging: int | str
    #: per column of :data:`SUMMARY_COLUMNS`
    counts: Mapping[str, int]
    #: the connector filter's key of the row's connector ("" for a section)
    ckey: str = ""

    @property
    def changed(self) -> bool:
        """Anything added, removed, modified or reported under this row."""
        return any(self.counts[k] for k in SUMMARY_COLUMNS if k != UNCHANGED)

    @property
    def cells(self) -> list[int | str]:
        """The cells in the order of :func:`summary_columns`."""
        return [self.primary, self.staging, *(self.counts[k] for k in SUMMARY_COLUMNS)]


@dataclass(frozen=True)
class SummaryColumn:
    label: str
    #: "objects" or "differences": what the column counts
    unit: str


@dataclass(frozen=True)
class SeverityView:
    level: Severity
    count: int
    meaning: str


@dataclass(frozen=True)
class TocEntry:
    title: str
    href: str
    state: str
    objects: list[TocEntry] = field(default_factory=list)
    #: "37 rules" for an entry with objects
    count: str = ""

    @property
    def symbol(self) -> str:
        return STATE_SYMBOL.get(self.state, "")


@dataclass(frozen=True)
class TocPart:
    title: str
    href: str
    groups: list[TocEntry]


@dataclass(frozen=True)
class SuppressedExample:
    label: str
    cell: Cell


@dataclass(frozen=True)
class SuppressedGroup:
    section: str
    path: str
    change: str
    count: int
    examples: list[SuppressedExample]
    more: int


@dataclass(frozen=True)
class RuleView:
    id: str
    reason: str
    source: str
    reference: str
    status: str
    expires: str
    hidden: int
    extra: list[tuple[str, str]]
    groups: list[SuppressedGroup]


@dataclass(frozen=True)
class SectionView:
    """One section of the page's configuration (``layout``); its differences are listed in
    the one table of differences at the top."""

    id: str
    title: str
    anchor: str
    #: how many entries of the differences table are in this section, in words
    count: str
    #: "settings", "objects", "rule-groups", or "" for differences only
    layout: str = ""
    heading: str = ""
    objects: list[ObjectView] = field(default_factory=list)
    global_groups: list[GlobalGroupView] = field(default_factory=list)
    rule_groups: list[RuleGroupView] = field(default_factory=list)


@dataclass(frozen=True)
class View:
    title: str
    tool_version: str
    primary: ServerInfo
    staging: ServerInfo
    version_skew: bool
    #: said prominently when both exports name the same server (probably a mistake)
    same_server: str
    verdict: str
    #: the levels that make the verdict "drift" (``--fail-on`` and above), most severe first
    failing_levels: list[Severity]
    severities: list[SeverityView]
    suppressed_count: int
    #: one sentence when the differences table folds related entries, else ""
    folded: str
    policy_file: str
    name_map: list[tuple[str, str]]
    has_objects: bool
    collapsed: int
    #: every difference across sections, most severe first, then by section
    differences: list[DifferenceGroup]
    summary_columns: list[SummaryColumn]
    #: ("objects", 6), ("differences", 3): what the columns count, for the header
    summary_units: list[tuple[str, int]]
    #: the sections, and the connectors and rule groups with a change
    summary_rows: list[SummaryRow]
    #: the connectors and rule groups without any change (behind a toggle)
    summary_unchanged: list[SummaryRow]
    toc: list[TocPart]
    sections: list[SectionView]
    connector_filter: list[tuple[str, str]]
    ignore_rules: list[RuleView]
    #: the anchor of each ignore rule's entry, for the "why hidden" links of the rows
    rule_anchors: Mapping[str, str]
    warnings: tuple[str, ...]
    script: ScriptView | None = None
    #: the Readiness section (checks, upgrade mode): see driftcheck.render.readiness
    readiness: ReadinessView | None = None
    #: the "Since the previous run" section (compare --history): see driftcheck.render.tracking
    history: HistoryView | None = None
    #: the "Attribute flow" section (driftcheck.render.html.flowview) and its verdict sentence
    flows: list[FlowView] = field(default_factory=list)
    flow_line: str = ""
    #: the "Pending exports" section (compare --pending): see driftcheck.render.html.pendingview
    pending: PendingView | None = None


# --- lookups -----------------------------------------------------------------------------------


def _ident(section: str, connector: str | None, name: str) -> Ident:
    return (section, (connector or "").casefold(), name.casefold())


def _max_severity(levels: Iterable[Severity]) -> str:
    found = most_severe(levels)
    return found.value if found else ""


def _object_prefix(section: str) -> str:
    info = SECTION_INFO.get(section)
    return info.object_prefix if info and info.configuration else "x"


class Index:
    """Lookups shared by the builders: object anchors, connector filter keys, marks."""

    def __init__(self, report: Report) -> None:
        self.anchor: dict[Ident, str] = {}
        self.oob: set[Ident] = set()
        names: dict[str, str] = {}
        for section, entries in report.objects.items():
            prefix = _object_prefix(section)
            for n, entry in enumerate(entries, start=1):
                ident = _ident(section, entry.connector, entry.name)
                self.anchor.setdefault(ident, f"{prefix}{n}")
                if entry.rule is not None and entry.rule.out_of_box:
                    self.oob.add(ident)
                if entry.connector:
                    names.setdefault(entry.connector.casefold(), entry.connector)
        for d in report.differences:
            if d.connector:
                names.setdefault(d.connector.casefold(), d.connector)
        ordered = sorted(names.items(), key=lambda kv: (kv[0], kv[1]))
        self.connectors: list[tuple[str, str]] = [
            (f"k{n}", shown) for n, (_, shown) in enumerate(ordered, start=1)
        ]
        self.connector_key = {fold: f"k{n}" for n, (fold, _) in enumerate(ordered, start=1)}
        self.reported: dict[Ident, dict[str, Severity]] = {}
        self.suppressed: dict[Ident, dict[str, str]] = {}
        for d in report.differences:
            paths = self.reported.setdefault(_ident(d.section, d.connector, d.object), {})
            level = paths.get(d.path)
            if level is None or d.severity.rank > level.rank:
                paths[d.path] = d.severity
        for s in report.suppressed:
            ident = _ident(s.section, s.connector, s.object)
            self.suppressed.setdefault(ident, {}).setdefault(s.path, s.ignored_by)

    def ckey(self, connector: str | None) -> str:
        return self.connector_key.get((connector or "").casefold(), "")

    def marks(self, ident: Ident) -> Marks:
        reported, suppressed = self.reported.get(ident), self.suppressed.get(ident)
        if not reported and not suppressed:
            return NO_MARKS
        return Marks(reported or {}, suppressed or {})


# --- differences -------------------------------------------------------------------------------


def _object_label(d: Finding | SuppressedFinding) -> str:
    if d.connector and d.connector != d.object and d.section == Section.SYNC_RULE:
        return f"{d.object} [{d.connector}]"
    return d.object


def display_value(path: str, value: Json) -> Json:
    """A difference's value as the side-by-side view writes it: a whole attribute flow or
    attribute definition on one line. (Secrets were masked by the report.)"""
    if isinstance(value, dict):
        if path.startswith("attribute-flows/") and path.count("/") == 1:
            return flow_text(value)
        if "syntax" in value:
            return attribute_definition_text(value)
    return value


def change_cell(d: Finding | SuppressedFinding) -> Cell:
    """How a difference's values are shown: added, removed, old → new, or an inline diff."""
    p, s = display_value(d.path, d.primary), display_value(d.path, d.staging)
    if d.change == ChangeKind.ADDED or (p is None and s is not None):
        return value_cell(s, "ins")
    if d.change == ChangeKind.REMOVED or (s is None and p is not None):
        return value_cell(p, "del")
    if isinstance(p, str) and isinstance(s, str) and max(len(p), len(s)) >= INLINE_DIFF:
        return token_diff(p, s)[2]
    if isinstance(p, list) and isinstance(s, list):
        return list_diff([text_of(v) for v in p], [text_of(v) for v in s])[2]
    return [*value_cell(p, "del"), ("to", ARROW), *value_cell(s, "ins")]


def shown_path(d: Finding | SuppressedFinding) -> str:
    """Where a difference is, as the admin finds it: a global setting's one field, ``value``,
    is named by the setting, as the export's GlobalSettings folder names it."""
    if d.section == Section.GLOBAL_SETTINGS and d.path == SETTING_VALUE_PATH:
        return f"GlobalSettings/{d.object}"
    return d.path or "(whole object)"


def _section_rank(section: str) -> int:
    order = [s.value for s in CONFIG_SECTIONS]
    return order.index(section) if section in order else len(order)


def _group_key(d: Finding) -> str:
    return json.dumps(
        [d.section, d.path, d.change, d.primary, d.staging, d.severity],
        sort_keys=True,
        default=str,
    )


def _pending_lines(members: Iterable[Finding]) -> tuple[str, ...]:
    seen: dict[tuple[str, str], int] = {}
    for d in members:
        for p in d.pending or ():
            seen[(p.attribute, p.connector)] = p.objects
    return tuple(f"{a} on {c}: {n:,} objects" for (a, c), n in seen.items())


def difference_groups(differences: Iterable[Finding], index: Index) -> list[DifferenceGroup]:
    """Differences with the same path, change and values in several objects, as one entry."""
    groups: dict[str, list[Finding]] = {}
    for d in differences:
        groups.setdefault(_group_key(d), []).append(d)
    entries = []
    for members in groups.values():
        first = members[0]
        idents = [_ident(d.section, d.connector, d.object) for d in members]
        objects = [
            ObjectLink(_object_label(d), index.anchor.get(ident, ""))
            for d, ident in zip(members, idents, strict=True)
        ]
        rules = sorted({d.rule for d in members} - {""})
        hidden = sorted({d.would_be_hidden_by for d in members if d.would_be_hidden_by})
        entries.append(
            DifferenceGroup(
                severity=first.severity,
                section=first.section,
                section_title=section_title(first.section),
                rule=", ".join(rules),
                would_be_hidden_by=", ".join(hidden),
                path=shown_path(first),
                change=first.change,
                cell=change_cell(first),
                objects=objects,
                objects_open=len(objects) <= OBJECTS_LISTED_OPEN,
                connectors=" ".join(sorted({index.ckey(d.connector) for d in members} - {""})),
                oob=all(i in index.oob for i in idents),
                history=row_history(members),
                pending=_pending_lines(members),
            )
        )
    entries.sort(key=lambda e: (severity_sort_key(e.severity), _section_rank(e.section)))
    return entries


# --- configuration ---------------------------------------------------------------------------


def _object_view(section: str, entry: ObjectEntry, index: Index, rows: list[Row]) -> ObjectView:
    ident = _ident(section, entry.connector, entry.name)
    severities = set(index.reported.get(ident, {}).values())
    with_connector = section in (Section.CONNECTOR, Section.SYNC_RULE)
    return ObjectView(
        id=index.anchor.get(ident, ""),
        name=entry.name,
        connector=entry.connector,
        ckey=index.ckey(entry.connector) if with_connector else "",
        state=entry.state,
        severity=_max_severity(severities),
        severities=" ".join(level for level in SEVERITY_ORDER if level in severities),
        oob=entry.rule is not None and entry.rule.out_of_box,
        tag=entry.rule.immutable_tag if entry.rule else "",
        summary=entry.summary,
        open=entry.state != UNCHANGED,
        rows=mark_context(rows),
    )


def _state_of(states: Iterable[str]) -> str:
    present = set(states)
    for state in (ChangeKind.MODIFIED, ChangeKind.ADDED, ChangeKind.REMOVED):
        if state in present:
            return ChangeKind.MODIFIED if len(present - {UNCHANGED}) > 1 else state
    return UNCHANGED


def global_settings_view(entries: Sequence[ObjectEntry], index: Index) -> list[GlobalGroupView]:
    groups: dict[str, list[ObjectView]] = {title: [] for title, _ in GLOBAL_GROUPS}
    for entry in entries:
        name = entry.name
        marks = index.marks(_ident(Section.GLOBAL_SETTINGS, None, name))
        p, s = entry.primary, entry.staging
        either = p or s
        if either is not None and set(either.keys()) == {"value"}:
            rows = tree_rows(p, s, marks)
            for row in rows:
                row.label = name
        else:
            rows = [Row(name, 0, "head", [], [])]
            rows += tree_rows(p, s, marks, depth=1)
        rows = one_sided(rows, p is not None, s is not None)
        view = _object_view(Section.GLOBAL_SETTINGS, entry, index, rows)
        groups[global_group(name)].append(view)
    return [
        GlobalGroupView(
            id=f"gg{n}",
            title=title,
            count=_plural(len(objects), "setting"),
            objects=objects,
            state=_state_of(o.state for o in objects),
            open=any(o.open for o in objects),
        )
        for n, (title, objects) in enumerate(groups.items(), start=1)
        if objects
    ]


def _precedence(entry: ObjectEntry) -> tuple[int, str]:
    rule = entry.rule
    rank = (rule.rank_primary or rule.rank_staging) if rule else None
    return (rank.precedence if rank else 0), entry.name.casefold()


def rule_groups_view(entries: Sequence[ObjectEntry], index: Index) -> list[RuleGroupView]:
    """Sync rules by connector and direction, each group ordered by precedence."""
    groups: dict[tuple[str, str], list[ObjectEntry]] = {}
    shown: dict[str, str] = {}
    for entry in entries:
        connector = entry.connector or ""
        direction = entry.rule.direction if entry.rule else ""
        shown.setdefault(connector.casefold(), connector)
        groups.setdefault((connector.casefold(), direction), []).append(entry)
    views = []
    for n, ((fold, direction), members) in enumerate(sorted(groups.items()), start=1):
        objects = []
        for entry in sorted(members, key=_precedence):
            ident = _ident(Section.SYNC_RULE, entry.connector, entry.name)
            rows = rule_rows(entry, index.marks(ident))
            objects.append(_object_view(Section.SYNC_RULE, entry, index, rows))
        views.append(
            RuleGroupView(
                id=f"rg{n}",
                title=f"{shown[fold]} · {direction or 'rules'}",
                count=_plural(len(objects), "rule"),
                ckey=index.ckey(shown[fold]),
                objects=objects,
                state=_state_of(o.state for o in objects),
            )
        )
    return views


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def connectors_view(entries: Sequence[ObjectEntry], index: Index) -> list[ObjectView]:
    views = []
    for entry in entries:
        ident = _ident(Section.CONNECTOR, entry.connector, entry.name)
        rows = one_sided(
            connector_rows(entry.primary, entry.staging, index.marks(ident)),
            entry.primary is not None,
            entry.staging is not None,
        )
        views.append(_object_view(Section.CONNECTOR, entry, index, rows))
    return views


def metaverse_view(entries: Sequence[ObjectEntry], index: Index) -> list[ObjectView]:
    return [
        _object_view(
            Section.METAVERSE,
            entry,
            index,
            metaverse_rows(entry, index.marks(_ident(Section.METAVERSE, None, entry.name))),
        )
        for entry in entries
    ]


# --- summary and contents ----------------------------------------------------------------------


def _counts(states: Iterable[str], levels: Iterable[Severity]) -> dict[str, int]:
    counts = dict.fromkeys(SUMMARY_COLUMNS, 0)
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    for level in levels:
        counts[level] += 1
    return counts


def _severities(
    diffs: Iterable[Finding], section: str, idents: set[Ident] | None = None
) -> list[Severity]:
    """Severities of the differences of a section (of some of its objects only)."""
    return [
        d.severity
        for d in diffs
        if d.section == section
        and (idents is None or _ident(section, d.connector, d.object) in idents)
    ]


def _section_row(report: Report, section: str, findings: Sequence[Finding]) -> SummaryRow:
    entries = report.objects.get(section, ())
    known = report.summary.objects.get(section)
    return SummaryRow(
        label=section_title(section),
        href=_anchor(section),
        depth=0,
        primary=known.primary if known else "",
        staging=known.staging if known else "",
        counts=_counts((e.state for e in entries), _severities(findings, section)),
    )


def _children(view: SectionView) -> list[tuple[str, str, str, list[ObjectView]]]:
    """The rows under a section in the summary: each connector, each rule group."""
    if view.id == Section.CONNECTOR:
        return [(o.name, o.id, o.ckey, [o]) for o in view.objects]
    if view.id == Section.SYNC_RULE:
        return [(g.title, g.id, g.ckey, g.objects) for g in view.rule_groups]
    return []


def summary_rows(
    report: Report, sections: Sequence[SectionView], findings: Sequence[Finding]
) -> list[SummaryRow]:
    """Counts per section, per connector and per rule group, each linking to its place;
    differences counted as the differences table lists them (``findings``)."""
    rows = []
    for view in sections:
        rows.append(_section_row(report, view.id, findings))
        for title, href, ckey, objs in _children(view):
            idents = {_ident(view.id, o.connector, o.name) for o in objs}
            rows.append(
                SummaryRow(
                    label=title,
                    href=href,
                    depth=1,
                    primary=sum(1 for o in objs if o.state != ChangeKind.ADDED),
                    staging=sum(1 for o in objs if o.state != ChangeKind.REMOVED),
                    counts=_counts((o.state for o in objs), _severities(findings, view.id, idents)),
                    ckey=ckey,
                )
            )
    return rows


def _toc_groups(view: SectionView) -> list[TocEntry]:
    if view.layout == "settings":
        return [TocEntry(g.title, g.id, g.state) for g in view.global_groups]
    if view.layout == "rule-groups":
        return [
            TocEntry(
                g.title,
                g.id,
                g.state,
                # a group without changes is one entry: listing thousands of unchanged rules
                # makes the contents long and the filters slow
                [TocEntry(o.name, o.id, o.state) for o in g.objects]
                if g.state != UNCHANGED
                else [],
                g.count,
            )
            for g in view.rule_groups
        ]
    return [TocEntry(o.name, o.id, o.state) for o in view.objects]


def _toc(sections: Sequence[SectionView]) -> list[TocPart]:
    return [TocPart(v.title, v.anchor, _toc_groups(v)) for v in sections if v.layout]


# --- suppressed differences --------------------------------------------------------------------


def _rule_view(rule: RuleAudit, entries: list[SuppressedFinding]) -> RuleView:
    return RuleView(
        id=rule.id,
        reason=rule.reason,
        source=rule.source,
        reference=rule.reference or "",
        status=rule.status,
        expires=rule.expires or "",
        hidden=rule.hidden,
        extra=[(k, text_of(v)) for k, v in rule.extra.items() if v not in (None, "")],
        groups=suppressed_groups(entries),
    )


def suppressed_groups(entries: Iterable[SuppressedFinding]) -> list[SuppressedGroup]:
    """Suppressed differences of one rule, by section, path and change, with examples."""
    groups: dict[tuple[str, str, str], list[SuppressedFinding]] = {}
    for s in entries:
        groups.setdefault((s.section, s.path, s.change), []).append(s)
    return [
        SuppressedGroup(
            section=section_title(section),
            path=(
                "GlobalSettings/<setting>"
                if section == Section.GLOBAL_SETTINGS and path == SETTING_VALUE_PATH
                else path or "(whole object)"
            ),
            change=change,
            count=len(members),
            examples=[
                SuppressedExample(_object_label(s), change_cell(s))
                for s in members[:SUPPRESSED_EXAMPLES]
            ],
            more=max(0, len(members) - SUPPRESSED_EXAMPLES),
        )
        for (section, path, change), members in groups.items()
    ]


# --- the page --------------------------------------------------------------------------------


def _anchor(section: str) -> str:
    info = SECTION_INFO.get(section)
    return info.anchor if info else f"s-{section}"


def _section_view(
    section: str, report: Report, index: Index, findings: Sequence[Finding]
) -> SectionView:
    layout, heading = SECTION_LAYOUT.get(section, ("", ""))
    entries = report.objects.get(section, ())
    objects: list[ObjectView] = []
    if section == Section.CONNECTOR:
        objects = connectors_view(entries, index)
    elif section == Section.METAVERSE:
        objects = metaverse_view(entries, index)
    return SectionView(
        id=section,
        title=section_title(section),
        anchor=_anchor(section),
        count=_plural(len(findings), "difference") if findings else "no differences",
        layout=layout,
        heading=heading,
        objects=objects,
        global_groups=global_settings_view(entries, index) if layout == "settings" else [],
        rule_groups=rule_groups_view(entries, index) if layout == "rule-groups" else [],
    )


def _collapse(sections: Sequence[SectionView]) -> int:
    """Close the changed objects when there are too many to keep the page fast; how many."""
    changed = [
        o
        for v in sections
        for o in (*v.objects, *(o for g in v.rule_groups for o in g.objects))
        if o.open
    ]
    if len(changed) <= OPEN_LIMIT:
        return 0
    for o in changed:
        o.open = False
    return len(changed)


def summary_columns() -> list[SummaryColumn]:
    """The count columns of the summary table: objects first, then differences."""
    sides = [SummaryColumn("On primary", "objects"), SummaryColumn("On staging", "objects")]
    states = [SummaryColumn(state.capitalize(), "objects") for state in STATES]
    levels = [SummaryColumn(level.capitalize(), "differences") for level in SEVERITY_ORDER]
    return [*sides, *states, *levels]


def _units(columns: Sequence[SummaryColumn]) -> list[tuple[str, int]]:
    """(unit, how many columns) runs, for the header row above the column names."""
    runs: list[tuple[str, int]] = []
    for column in columns:
        if runs and runs[-1][0] == column.unit:
            runs[-1] = (column.unit, runs[-1][1] + 1)
        else:
            runs.append((column.unit, 1))
    return runs


def _same_server(primary: ServerInfo, staging: ServerInfo) -> str:
    """A warning when both exports name one server: usually the same folder given twice."""
    if not primary.server or primary.server.casefold() != staging.server.casefold():
        return ""
    if primary.export_date == staging.export_date:
        return (
            f"Both exports are of the same server, {primary.server}, exported at the same "
            "time: this compares an export with itself. Unless that was the intent, pass the "
            "staging server's export as the second folder."
        )
    return (
        f"Both exports are of the same server, {primary.server} (exported "
        f"{primary.export_date} and {staging.export_date}): this shows what changed on that "
        "server over time, not the difference between a primary and its staging server."
    )


def view(report: Report) -> View:
    index = Index(report)
    reading = for_reading(report.differences)
    by_section: dict[str, list[Finding]] = {}
    for d in reading.findings:
        by_section.setdefault(d.section, []).append(d)
    order = [s.value for s in CONFIG_SECTIONS]
    order += sorted(set(by_section) - set(order))
    sections = [_section_view(s, report, index, by_section.get(s, [])) for s in order]
    collapsed = _collapse(sections)
    suppressed_by_rule: dict[str, list[SuppressedFinding]] = {}
    for s in report.suppressed:
        suppressed_by_rule.setdefault(s.ignored_by, []).append(s)
    primary, staging = report.primary, report.staging
    has_objects = bool(report.objects)
    fail_on = report.summary.fail_on
    columns = summary_columns()
    all_rows = summary_rows(report, sections, reading.findings)
    counts = severity_counts(report.differences)
    return View(
        title=f"driftcheck: {primary.server} vs {staging.server}",
        tool_version=report.tool_version,
        primary=primary,
        staging=staging,
        version_skew=primary.product_version != staging.product_version,
        same_server=_same_server(primary, staging),
        verdict=report.summary.verdict,
        failing_levels=[level for level in SEVERITY_ORDER if level.at_least(fail_on)],
        severities=[
            SeverityView(level, counts[level], SEVERITY_MEANING[level]) for level in SEVERITY_ORDER
        ],
        suppressed_count=report.summary.suppressed,
        folded=folded_phrase(reading.folded) if reading.folded else "",
        policy_file=report.policy.file or "",
        name_map=sorted(report.policy.map.items()),
        has_objects=has_objects,
        collapsed=collapsed,
        differences=difference_groups(reading.findings, index),
        summary_columns=columns,
        summary_units=_units(columns),
        summary_rows=[r for r in all_rows if r.depth == 0 or r.changed],
        summary_unchanged=[r for r in all_rows if r.depth and not r.changed],
        toc=_toc(sections) if has_objects else [],
        sections=sections,
        connector_filter=index.connectors,
        ignore_rules=[
            _rule_view(rule, suppressed_by_rule.get(rule.id, [])) for rule in report.ignore_rules
        ],
        rule_anchors={rule.id: f"ir-{n}" for n, rule in enumerate(report.ignore_rules, start=1)},
        warnings=report.warnings,
        script=script_view(report),
        readiness=report_readiness_view(report),
        history=history_view(report),
        flows=flow_views(
            report.flows or (),
            lambda c, r: index.anchor.get(_ident(Section.SYNC_RULE, c, r), ""),
        ),
        flow_line=flows_line(report.flows) if report.flows else "",
        pending=pending_view(report),
    )
