"""The view model: everything the template shows, prepared from a report document.

Only what the JSON report carries is used, so ``driftcheck render`` rebuilds the same page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from driftcheck.render_history import history_view, row_history
from driftcheck.render_html.cells import (
    Cell,
    list_diff,
    text_of,
    token_diff,
    value_cell,
)
from driftcheck.render_html.rows import (
    GLOBAL_GROUPS,
    NO_MARKS,
    Marks,
    Row,
    attribute_definition_text,
    connector_rows,
    flow_text,
    global_group,
    mark_context,
    masked,
    metaverse_rows,
    one_sided,
    rule_rows,
    tree_rows,
)
from driftcheck.render_text import SECTION_TITLES, verdict_line
from driftcheck.report import Report

SEVERITY_ORDER = ("blocking", "warning", "info")
STATES = ("added", "removed", "modified", "unchanged")
SECTION_IDS = {"global-settings": "g", "metaverse": "m", "connector": "c", "sync-rule": "r"}
#: Objects listed by name in one suppressed group before "N more".
SUPPRESSED_EXAMPLES = 25
#: More changed objects than this start collapsed, to keep a large estate's page fast.
OPEN_LIMIT = 120
#: A modified text at least this long is shown as one inline diff instead of old → new.
INLINE_DIFF = 24

# --- the view model --------------------------------------------------------------------------


def _ident(section: str, connector: Any, name: Any) -> tuple[str, str, str]:
    return (section, str(connector or "").casefold(), str(name or "").casefold())


def _max_severity(levels: Iterable[str]) -> str:
    present = set(levels)
    return next((level for level in SEVERITY_ORDER if level in present), "")


class Index:
    """Lookups shared by the builders: object anchors, connector filter keys, marks."""

    def __init__(self, report: Report) -> None:
        objects: Mapping[str, list[dict[str, Any]]] = report.get("objects") or {}
        self.anchor: dict[tuple[str, str, str], str] = {}
        self.oob: set[tuple[str, str, str]] = set()
        names: dict[str, str] = {}
        for section, entries in objects.items():
            prefix = SECTION_IDS.get(section, "x")
            for n, entry in enumerate(entries, start=1):
                ident = _ident(section, entry.get("connector"), entry.get("name"))
                self.anchor.setdefault(ident, f"{prefix}{n}")
                if entry.get("out_of_box"):
                    self.oob.add(ident)
                if entry.get("connector"):
                    names.setdefault(str(entry["connector"]).casefold(), str(entry["connector"]))
        for d in report.get("differences", []):
            if d.get("connector"):
                names.setdefault(str(d["connector"]).casefold(), str(d["connector"]))
        ordered = sorted(names.items(), key=lambda kv: (kv[0], kv[1]))
        self.connectors: list[tuple[str, str]] = [
            (f"k{n}", shown) for n, (_, shown) in enumerate(ordered, start=1)
        ]
        self.connector_key = {fold: f"k{n}" for n, (fold, _) in enumerate(ordered, start=1)}
        self.reported: dict[tuple[str, str, str], dict[str, str]] = {}
        self.suppressed: dict[tuple[str, str, str], dict[str, str]] = {}
        for d in report.get("differences", []):
            ident = _ident(d["section"], d.get("connector"), d["object"])
            paths = self.reported.setdefault(ident, {})
            level = paths.get(d["path"])
            if level is None or SEVERITY_ORDER.index(d["severity"]) < SEVERITY_ORDER.index(level):
                paths[d["path"]] = d["severity"]
        for s in report.get("suppressed", []):
            ident = _ident(s["section"], s.get("connector"), s["object"])
            self.suppressed.setdefault(ident, {}).setdefault(s["path"], str(s.get("ignored_by")))

    def ckey(self, connector: Any) -> str:
        return self.connector_key.get(str(connector or "").casefold(), "")

    def marks(self, ident: tuple[str, str, str]) -> Marks:
        reported, suppressed = self.reported.get(ident), self.suppressed.get(ident)
        if not reported and not suppressed:
            return NO_MARKS
        return Marks(reported or {}, suppressed or {})


def _section_title(section: str) -> str:
    return SECTION_TITLES.get(section, section.replace("-", " ").capitalize())


def _object_label(d: Mapping[str, Any]) -> str:
    connector = d.get("connector")
    if connector and connector != d.get("object") and d.get("section") == "sync-rule":
        return f"{d['object']} [{connector}]"
    return str(d.get("object"))


def display_value(path: str, value: Any) -> Any:
    """A difference's value as the side-by-side view writes it: a whole attribute flow or
    attribute definition on one line, a secret masked."""
    if isinstance(value, dict):
        if path.startswith("attribute-flows/") and path.count("/") == 1:
            return flow_text(value)
        if "syntax" in value:
            return attribute_definition_text(value)
    return masked(path, value)


def change_cell(d: Mapping[str, Any]) -> Cell:
    """How a difference's values are shown: added, removed, old → new, or an inline diff."""
    path = str(d.get("path") or "")
    p, s = display_value(path, d.get("primary")), display_value(path, d.get("staging"))
    change = d.get("change")
    if change == "added" or (p is None and s is not None):
        return value_cell(s, "ins")
    if change == "removed" or (s is None and p is not None):
        return value_cell(p, "del")
    if isinstance(p, str) and isinstance(s, str) and max(len(p), len(s)) >= INLINE_DIFF:
        return token_diff(p, s)[2]
    if isinstance(p, list) and isinstance(s, list):
        return list_diff([text_of(v) for v in p], [text_of(v) for v in s])[2]
    return [*value_cell(p, "del"), ("", " → "), *value_cell(s, "ins")]


def _group_key(d: Mapping[str, Any]) -> str:
    return json.dumps(
        [d.get(k) for k in ("section", "path", "change", "primary", "staging", "severity")],
        sort_keys=True,
        default=str,
    )


def difference_groups(
    differences: Iterable[Mapping[str, Any]], index: Index
) -> list[dict[str, Any]]:
    """Differences with the same path, change and values in several objects, as one entry."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for d in differences:
        groups.setdefault(_group_key(d), []).append(d)
    entries = []
    for members in groups.values():
        first = members[0]
        cell = change_cell(first)
        objects = []
        for d in members:
            ident = _ident(d["section"], d.get("connector"), d["object"])
            objects.append({"label": _object_label(d), "href": index.anchor.get(ident, "")})
        idents = [_ident(d["section"], d.get("connector"), d["object"]) for d in members]
        rules = sorted({str(d.get("rule") or "") for d in members} - {""})
        hidden = sorted(
            {str(d["would_be_hidden_by"]) for d in members if d.get("would_be_hidden_by")}
        )
        entries.append(
            {
                "severity": first["severity"],
                "rule": ", ".join(rules),
                "would_be_hidden_by": ", ".join(hidden),
                "path": first.get("path") or "(whole object)",
                "change": first.get("change"),
                "cell": cell,
                "objects": objects,
                "connectors": " ".join(
                    sorted({index.ckey(d.get("connector")) for d in members} - {""})
                ),
                "oob": all(i in index.oob for i in idents),
                "history": row_history(members),
            }
        )
    entries.sort(key=lambda e: SEVERITY_ORDER.index(e["severity"]))
    return entries


def _object_view(
    section: str, entry: Mapping[str, Any], index: Index, rows: list[Row]
) -> dict[str, Any]:
    ident = _ident(section, entry.get("connector"), entry.get("name"))
    severities = set(index.reported.get(ident, {}).values())
    summary = entry.get("summary") or {}
    p_sum, s_sum = summary.get("primary"), summary.get("staging")
    return {
        "id": index.anchor.get(ident, ""),
        "name": entry.get("name"),
        "connector": entry.get("connector"),
        "ckey": index.ckey(entry.get("connector")) if section in ("connector", "sync-rule") else "",
        "state": entry.get("state", "unchanged"),
        "severity": _max_severity(severities),
        "severities": " ".join(level for level in SEVERITY_ORDER if level in severities),
        "differences": len(index.reported.get(ident, {})),
        "oob": bool(entry.get("out_of_box")),
        "tag": entry.get("immutable_tag") or "",
        "summary": p_sum or s_sum or "",
        "open": entry.get("state", "unchanged") != "unchanged",
        "rows": mark_context(rows),
    }


def _state_of(states: Iterable[str]) -> str:
    present = set(states)
    for state in ("modified", "added", "removed"):
        if state in present:
            return "modified" if len(present - {"unchanged"}) > 1 else state
    return "unchanged"


def global_settings_view(
    entries: Sequence[Mapping[str, Any]], index: Index
) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {title: [] for title, _ in GLOBAL_GROUPS}
    for entry in entries:
        name = str(entry.get("name"))
        ident = _ident("global-settings", None, name)
        marks = index.marks(ident)
        p, s = entry.get("primary"), entry.get("staging")
        if isinstance(p or s, dict) and set((p or s or {}).keys()) == {"value"}:
            rows = tree_rows(p, s, marks)
            for row in rows:
                row.label = name
        else:
            rows = [Row(name, 0, "head", [], [])]
            rows += tree_rows(p, s, marks, depth=1)
        rows = one_sided(rows, p is not None, s is not None)
        groups[global_group(name)].append(_object_view("global-settings", entry, index, rows))
    return [
        {
            "id": f"gg{n}",
            "title": title,
            "objects": objects,
            "state": _state_of(o["state"] for o in objects),
            "open": any(o["open"] for o in objects),
        }
        for n, (title, objects) in enumerate(groups.items(), start=1)
        if objects
    ]


def _precedence(entry: Mapping[str, Any]) -> tuple[int, str]:
    rank = entry.get("rank") or {}
    for side in ("primary", "staging"):
        if isinstance(rank.get(side), dict):
            return int(rank[side].get("precedence") or 0), str(entry.get("name")).casefold()
    return 0, str(entry.get("name")).casefold()


def rule_groups_view(entries: Sequence[Mapping[str, Any]], index: Index) -> list[dict[str, Any]]:
    """Sync rules by connector and direction, each group ordered by precedence."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    shown: dict[str, str] = {}
    for entry in entries:
        connector = str(entry.get("connector") or "")
        shown.setdefault(connector.casefold(), connector)
        groups.setdefault((connector.casefold(), str(entry.get("direction") or "")), []).append(
            entry
        )
    views = []
    for n, ((fold, direction), members) in enumerate(sorted(groups.items()), start=1):
        objects = []
        for entry in sorted(members, key=_precedence):
            ident = _ident("sync-rule", entry.get("connector"), entry.get("name"))
            rows = rule_rows(entry, index.marks(ident))
            objects.append(_object_view("sync-rule", entry, index, rows))
        views.append(
            {
                "id": f"rg{n}",
                "title": f"{shown[fold]} · {direction or 'rules'}",
                "connector": shown[fold],
                "direction": direction,
                "ckey": index.ckey(shown[fold]),
                "objects": objects,
                "state": _state_of(o["state"] for o in objects),
                "open": True,
            }
        )
    return views


def _counts(objects: Iterable[Mapping[str, Any]], levels: Iterable[str]) -> dict[str, int]:
    counts = {state: 0 for state in STATES}
    counts.update({level: 0 for level in SEVERITY_ORDER})
    for obj in objects:
        counts[obj["state"]] = counts.get(obj["state"], 0) + 1
    for level in levels:
        counts[level] += 1
    return counts


def _severities(
    diffs: Iterable[Mapping[str, Any]],
    section: str,
    idents: set[tuple[str, str, str]] | None = None,
) -> list[str]:
    """Severities of the differences of a section (of some of its objects only)."""
    return [
        d["severity"]
        for d in diffs
        if d["section"] == section
        and (idents is None or _ident(section, d.get("connector"), d["object"]) in idents)
    ]


def _section_row(report: Report, section: str, label: str) -> dict[str, Any]:
    entries = (report.get("objects") or {}).get(section, [])
    known = report["summary"].get("objects", {}).get(section, {})
    return {
        "label": label,
        "href": f"s-{section}",
        "depth": 0,
        "primary": known.get("primary", ""),
        "staging": known.get("staging", ""),
        **_counts(entries, _severities(report.get("differences", []), section)),
    }


def summary_rows(report: Report, sections: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Counts per section, per connector and per rule group, each linking to its place."""
    diffs = report.get("differences", [])
    rows = [
        _section_row(report, "global-settings", "Global settings"),
        _section_row(report, "metaverse", "Metaverse"),
    ]
    children = {
        "connector": [(o["name"], o["id"], [o]) for o in sections["connectors"]],
        "sync-rule": [(g["title"], g["id"], g["objects"]) for g in sections["rule_groups"]],
    }
    for section, label in (("connector", "Connectors"), ("sync-rule", "Sync rules")):
        rows.append(_section_row(report, section, label))
        for title, href, objs in children[section]:
            idents = {_ident(section, o["connector"], o["name"]) for o in objs}
            rows.append(
                {
                    "label": title,
                    "href": href,
                    "depth": 1,
                    "primary": sum(1 for o in objs if o["state"] != "added"),
                    "staging": sum(1 for o in objs if o["state"] != "removed"),
                    **_counts(objs, _severities(diffs, section, idents)),
                }
            )
    for section in sorted({d["section"] for d in diffs} - set(SECTION_IDS)):
        rows.append(_section_row(report, section, _section_title(section)))
    return rows


def _rule_view(rule: Mapping[str, Any], entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    known = {"id", "reason", "source", "reference", "hidden", "status", "expires"}
    extra = [(k, text_of(v)) for k, v in rule.items() if k not in known and v not in (None, "")]
    return {
        "id": str(rule.get("id", "")),
        "reason": str(rule.get("reason") or ""),
        "source": str(rule.get("source") or ""),
        "reference": str(rule.get("reference") or ""),
        "status": str(rule.get("status") or ""),
        "expires": str(rule.get("expires") or ""),
        "hidden": rule.get("hidden", len(entries)),
        "extra": extra,
        "groups": suppressed_groups(entries),
    }


def suppressed_groups(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Suppressed differences of one rule, by section, path and change, with examples."""
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for s in entries:
        groups.setdefault((s["section"], s.get("path") or "", s.get("change") or ""), []).append(s)
    views = []
    for (section, path, change), members in groups.items():
        examples = [
            {"label": _object_label(s), "cell": change_cell(s)}
            for s in members[:SUPPRESSED_EXAMPLES]
        ]
        views.append(
            {
                "section": _section_title(section),
                "path": path or "(whole object)",
                "change": change,
                "count": len(members),
                "examples": examples,
                "more": max(0, len(members) - SUPPRESSED_EXAMPLES),
            }
        )
    return views


def _toc_entries(items: Iterable[Mapping[str, Any]], title_key: str) -> list[dict[str, Any]]:
    return [
        {"title": i[title_key], "href": i["id"], "state": i["state"], "objects": []} for i in items
    ]


def _toc(sections: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "title": "Global settings",
            "href": "s-global-settings",
            "groups": _toc_entries(sections["global_groups"], "title"),
        },
        {
            "title": "Metaverse",
            "href": "s-metaverse",
            "groups": _toc_entries(sections["metaverse"], "name"),
        },
        {
            "title": "Connectors",
            "href": "s-connector",
            "groups": _toc_entries(sections["connectors"], "name"),
        },
        {
            "title": "Sync rules",
            "href": "s-sync-rule",
            "groups": [
                {
                    "title": g["title"],
                    "href": g["id"],
                    "state": g["state"],
                    "objects": [
                        {"title": o["name"], "href": o["id"], "state": o["state"]}
                        for o in g["objects"]
                    ],
                }
                for g in sections["rule_groups"]
            ],
        },
    ]


def view(report: Report) -> dict[str, Any]:
    summary = report["summary"]
    index = Index(report)
    objects: Mapping[str, list[dict[str, Any]]] = report.get("objects") or {}
    connectors = []
    for entry in objects.get("connector", []):
        ident = _ident("connector", entry.get("connector"), entry.get("name"))
        rows = one_sided(
            connector_rows(entry.get("primary"), entry.get("staging"), index.marks(ident)),
            entry.get("primary") is not None,
            entry.get("staging") is not None,
        )
        connectors.append(_object_view("connector", entry, index, rows))
    metaverse = [
        _object_view(
            "metaverse",
            entry,
            index,
            metaverse_rows(entry, index.marks(_ident("metaverse", None, entry.get("name")))),
        )
        for entry in objects.get("metaverse", [])
    ]
    sections: dict[str, Any] = {
        "global_groups": global_settings_view(objects.get("global-settings", []), index),
        "metaverse": metaverse,
        "connectors": connectors,
        "rule_groups": rule_groups_view(objects.get("sync-rule", []), index),
    }
    changed = [
        o
        for o in (
            *metaverse,
            *connectors,
            *(o for g in sections["rule_groups"] for o in g["objects"]),
        )
        if o["open"]
    ]
    collapsed = len(changed) if len(changed) > OPEN_LIMIT else 0
    for o in changed if collapsed else []:
        o["open"] = False
    by_section: dict[str, list[Mapping[str, Any]]] = {}
    for d in report.get("differences", []):
        by_section.setdefault(d["section"], []).append(d)
    order = [*SECTION_IDS, *sorted(set(by_section) - set(SECTION_IDS))]
    suppressed_by_rule: dict[str, list[Mapping[str, Any]]] = {}
    for s in report.get("suppressed", []):
        suppressed_by_rule.setdefault(str(s.get("ignored_by")), []).append(s)
    primary, staging = report["primary"], report["staging"]
    policy = report.get("policy") or {}
    total_objects = sum(len(v) for v in objects.values())
    return {
        "title": f"driftcheck: {primary.get('server')} vs {staging.get('server')}",
        "tool_version": report["tool"]["version"],
        "primary": primary,
        "staging": staging,
        "version_skew": primary.get("product_version") != staging.get("product_version"),
        "verdict": summary["verdict"],
        "verdict_text": verdict_line(report),
        "fail_on": summary.get("fail_on", ""),
        "by_severity": summary["by_severity"],
        "suppressed_count": summary.get("suppressed", 0),
        "policy_file": policy.get("file") or "",
        "name_map": sorted((str(k), str(v)) for k, v in (policy.get("map") or {}).items()),
        "has_objects": bool(objects),
        "collapsed": collapsed,
        "total_objects": total_objects,
        "summary_rows": summary_rows(report, sections),
        "toc": _toc(sections) if objects else [],
        "differences": {
            section: {
                "id": section,
                "title": _section_title(section),
                "groups": difference_groups(by_section.get(section, []), index),
                "count": len(by_section.get(section, [])),
            }
            for section in order
        },
        "other_sections": [s for s in order if s not in SECTION_IDS],
        **sections,
        "connector_filter": index.connectors,
        "ignore_rules": [
            _rule_view(rule, suppressed_by_rule.get(str(rule.get("id")), []))
            for rule in report.get("ignore_rules", [])
        ],
        "warnings": report.get("warnings", []),
        "history": history_view(report),
    }
