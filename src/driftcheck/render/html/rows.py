"""Rows of the side-by-side tables: a configuration tree of both servers, row by row, and the
layout of each section (which settings go in which block, a rule's fields in reading order).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from driftcheck.compare.walk import Json
from driftcheck.render.html.cells import Cell, diff_cells, text_of, value_cell
from driftcheck.report.types import ObjectEntry, Rank

#: Hover text of a row whose values differ where the comparison says it does not matter.
EQUAL_TITLE = "compared equal: letter case, whitespace or order only"
#: Hover text of a row hidden by an ignore rule, before the rule's id.
IGNORED = "ignored: "

# --- rows of the side-by-side tables ---------------------------------------------------------


@dataclass(frozen=True)
class Marks:
    """The reported and suppressed differences of one object, by path."""

    reported: Mapping[str, str] = field(default_factory=dict)  # path -> severity
    suppressed: Mapping[str, str] = field(default_factory=dict)  # path -> ignore rule

    @staticmethod
    def find(paths: Mapping[str, str], path: str, *, exact: bool) -> str | None:
        """What ``paths`` says about ``path``: exactly, or else about a path within or above it."""
        if path in paths:
            return paths[path]
        if exact:
            return None
        for known, what in paths.items():
            if known.startswith(path + "/") or (known and path.startswith(known + "/")):
                return what
        return None

    def state(self, path: str) -> tuple[str, str, str]:
        """(row state, severity, title) of a row whose two values differ."""
        for exact in (True, False):
            severity = self.find(self.reported, path, exact=exact)
            if severity is not None:
                return "mod", severity, f"{severity} difference"
            rule = self.find(self.suppressed, path, exact=exact)
            if rule is not None:
                return "ign", "", f"{IGNORED}{rule}"
        return "eq", "", EQUAL_TITLE


NO_MARKS = Marks()


@dataclass(slots=True)
class Row:
    label: str
    depth: int
    state: str  # same | mod | ign | eq | add | rem | head | group
    primary: Cell
    staging: Cell
    severity: str = ""
    title: str = ""
    #: a heading row above a change: kept by "only show changes"
    keep: bool = False
    #: the ignore rule that hides this row's difference (state ``ign``)
    why: str = ""

    @property
    def hover(self) -> str:
        """The row's tooltip: its explanation, unless the row already shows it as text (the
        "why" of a row hidden by an ignore rule or compared equal)."""
        if self.state == "eq" or (self.state == "ign" and self.title == IGNORED + self.why):
            return ""
        return self.title

    @property
    def css(self) -> str:
        """The row's classes. "Only show changes" keeps ``mod``, ``add``, ``rem`` and ``k``."""
        state = {"same": "", "group": "grp"}.get(self.state, self.state)
        return f"{state} k" if self.keep else state


CHANGED = frozenset({"mod", "add", "rem"})


def mark_context(rows: list[Row]) -> list[Row]:
    """Flag the heading rows that a change sits under, so that they stay with it."""
    for n, row in enumerate(rows):
        if row.state not in ("head", "group"):
            continue
        for below in rows[n + 1 :]:
            if below.state == "group" or (row.state == "head" and below.depth <= row.depth):
                break
            if below.state in CHANGED:
                row.keep = True
                break
    return rows


def entries(count: int) -> Cell:
    return [("em", f"{count} {'entry' if count == 1 else 'entries'}")]


def _join(path: str, key: str) -> str:
    return f"{path}/{key}" if path else key


def _pair_keys(
    primary: Mapping[str, Json], staging: Mapping[str, Json]
) -> Iterator[tuple[str, str]]:
    """(label, staging key) pairs in primary order, then staging's own; matched ignoring case."""
    if primary.keys() == staging.keys() and _distinct_folds(staging):
        # The usual case, and a hot loop on a large estate: every key pairs with itself.
        yield from ((key, key) for key in primary)
        return
    by_fold = {k.casefold(): k for k in staging}
    seen: set[str] = set()
    for key in primary:
        seen.add(key.casefold())
        yield key, by_fold.get(key.casefold(), "")
    for key in staging:
        if key.casefold() not in seen:
            yield key, key


def _distinct_folds(keys: Mapping[str, Json]) -> bool:
    """Whether no two keys are the same ignoring case (then a key matches only itself)."""
    return len({k.casefold() for k in keys}) == len(keys)


_ABSENT: Cell = [("em", "(absent)")]


def leaf_row(label: str, depth: int, path: str, p: Json, s: Json, marks: Marks) -> Row:
    if p == s:
        return Row(label, depth, "same", value_cell(p), [])
    state, severity, title = marks.state(path)
    if state != "mod":
        why = title.removeprefix(IGNORED) if state == "ign" else ""
        return Row(label, depth, state, value_cell(p), value_cell(s), severity, title, why=why)
    left, right, _ = diff_cells(p, s)
    return Row(label, depth, state, left, right, severity, title)


def one_side_rows(
    label: str, depth: int, path: str, value: Json, side: str, marks: Marks
) -> list[Row]:
    """Rows of a value present on one server only (``side`` "primary" or "staging")."""
    reported = marks.find(marks.reported, path, exact=False)
    state = "rem" if side == "primary" else "add"
    tag = "del" if side == "primary" else "ins"
    title = "only on the primary server" if side == "primary" else "only on the staging server"
    why = ""
    if reported is None:
        rule = marks.find(marks.suppressed, path, exact=False)
        if rule is not None:
            state, tag, title, why = "ign", "", f"{IGNORED}{rule}", rule
    rows: list[Row] = []
    if isinstance(value, dict) and value:
        rows.append(Row(label, depth, "head", entries(len(value)), [], reported or "", title))
        for key, child in value.items():
            rows += one_side_rows(key, depth + 1, _join(path, key), child, side, marks)
        return rows
    shown = value_cell(value, tag)
    p, s = (shown, _ABSENT) if side == "primary" else (_ABSENT, shown)
    return [Row(label, depth, state, p, s, reported or "", title, why=why)]


def tree_rows(
    primary: Mapping[str, Json] | None,
    staging: Mapping[str, Json] | None,
    marks: Marks,
    *,
    path: str = "",
    depth: int = 0,
    keys: Callable[[str], bool] | None = None,
) -> list[Row]:
    """The rows of two field trees side by side, nested dicts as indented groups.

    Keys are matched ignoring case, as the comparison matches them; ``keys`` selects which
    top-level keys are shown. A row's state says whether its two values are the same, a
    reported difference (``mod``), hidden by an ignore rule (``ign``), compared equal despite
    the text (``eq``), or on one server only (``add``/``rem``).
    """
    if primary is None or staging is None:  # an object on one server: see one_sided()
        only = primary if primary is not None else staging
        if only is None:
            return []
        return tree_rows(only, only, NO_MARKS, path=path, depth=depth, keys=keys)
    p_tree, s_tree = primary, staging
    rows: list[Row] = []
    for key, s_key in _pair_keys(p_tree, s_tree):
        if keys is not None and not keys(key):
            continue
        sub = _join(path, key)
        in_p, in_s = key in p_tree, bool(s_key) and s_key in s_tree
        p, s = p_tree.get(key), s_tree.get(s_key) if s_key else None
        if not (in_p and in_s):
            side = "primary" if in_p else "staging"
            rows += one_side_rows(key, depth, sub, p if in_p else s, side, marks)
        elif isinstance(p, dict) and isinstance(s, dict):
            rows.append(Row(key, depth, "head", entries(max(len(p), len(s))), []))
            rows += tree_rows(p, s, marks, path=sub, depth=depth + 1)
        else:
            rows.append(leaf_row(key, depth, sub, p, s, marks))
    return rows


def one_sided(rows: list[Row], primary: bool, staging: bool) -> list[Row]:
    """For an object on one server only, mark its rows added or removed."""
    if primary and staging:
        return rows
    state, tag = ("rem", "del") if primary else ("add", "ins")
    out = []
    for row in rows:
        if row.state in ("head", "group"):
            out.append(row)
            continue
        cell = [(tag if t == "" else t, x) for t, x in row.primary]
        pair = (cell, _ABSENT) if primary else (_ABSENT, cell)
        out.append(
            Row(row.label, row.depth, state, pair[0], pair[1], row.severity, row.title, why=row.why)
        )
    return out


def heading(title: str, note: str = "") -> Row:
    return Row(title, 0, "group", [("em", note)] if note else [], [])


# --- per-section layouts ---------------------------------------------------------------------

GLOBAL_GROUPS: tuple[tuple[str, str], ...] = (
    (
        "Sign-in and password hash sync",
        r"Microsoft\.UserSignIn\..*|.*PasswordHash.*|.*PasswordSync.*",
    ),
    ("Delete threshold", r".*DeletionThreshold.*"),
    ("Filtering", r"Microsoft\.AADFilter\..*|.*Filter(ing|AAD).*"),
    ("Writeback", r".*Write(Back|Up).*"),
    ("Directory extensions", r".*DirectoryExtension.*"),
    ("Exchange", r".*Exchange.*"),
    ("Sync options and source anchor", r"Microsoft\.SynchronizationOption\..*"),
    ("Versions and upgrade", r"Microsoft\.Version\..*|.*ConfigurationVersion|.*AutoUpgrade.*"),
    ("Scheduler", r"Microsoft\.Synchronize\..*"),
    ("Optional features", r"Microsoft\.OptionalFeature\..*"),
    ("Server and export", r".*"),
)
_GLOBAL_PATTERNS = [(title, re.compile(p, re.IGNORECASE)) for title, p in GLOBAL_GROUPS]


def global_group(name: str) -> str:
    """The feature a global setting belongs to, for grouping the global settings."""
    return next(title for title, pattern in _GLOBAL_PATTERNS if pattern.fullmatch(name))


CONNECTOR_BLOCKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (
        "Properties",
        lambda k: (
            k in {"name", "type", "description", "id", "subtype", "ma-listname", "ma-companyname"}
        ),
    ),
    (
        "Connectivity (secrets masked)",
        lambda k: k in {"connectivity", "configuration"} or k.startswith("parameters ("),
    ),
    ("Global parameters", lambda k: k == "global-parameters"),
    (
        "Password hash sync and writeback",
        lambda k: k.startswith(("password-hash-sync", "password-writeback", "password-sync")),
    ),
    ("Partitions, object types and OU filters", lambda k: k == "partitions"),
    ("Attributes and anchors", lambda k: k in {"attribute-inclusion", "anchors"}),
    ("Schema", lambda k: k == "schema"),
    ("Run profiles", lambda k: k == "run-profiles"),
)
SCHEMA_NOTE = "counts only; schema entries that differ are listed under Differences"


def _other_keys(blocks: Sequence[tuple[str, Callable[[str], bool]]]) -> Callable[[str], bool]:
    return lambda k: not any(claims(k) for _, claims in blocks)


def connector_rows(p: Json, s: Json, marks: Marks) -> list[Row]:
    blocks = [*CONNECTOR_BLOCKS, ("Other settings", _other_keys(CONNECTOR_BLOCKS))]
    rows: list[Row] = []
    for title, claims in blocks:
        block = tree_rows(p, s, marks, keys=claims)
        if block:
            rows.append(heading(title, SCHEMA_NOTE if title == "Schema" else ""))
            rows += block
    return rows


RULE_MAIN = (
    "description",
    "immutable-tag",
    "disabled",
    "source-object-type",
    "target-object-type",
    "link-type",
    "precedence",
    "password-sync",
)


def flow_text(flow: Json) -> str:
    """An attribute flow on one line: its source, constant or expression, then its options."""
    if not isinstance(flow, dict):
        return text_of(flow)
    kind = flow.get("type", "")
    if kind == "direct":
        body = f"direct: {flow.get('source') or ''}"
    elif kind == "constant":
        body = f'constant: "{flow.get("constant") or ""}"'
    else:
        body = str(flow.get("expression") or "")
    options = [str(flow.get("merge-type") or "")]
    if flow.get("execute-once") == "true":
        options.append("execute once")
    extra = [f"{k}: {text_of(v)}" for k, v in flow.items() if k not in FLOW_KNOWN]
    return f"{body}  [{', '.join(o for o in options + extra if o)}]"


FLOW_KNOWN = frozenset(
    {"type", "source", "constant", "expression", "inputs", "merge-type", "execute-once"}
)


RANK_ONLY = "rules were added or removed: the order of the others is unchanged"


def _rank_text(rank: Rank | None) -> str | None:
    if rank is None:
        return None
    return f"{rank.rank} of {rank.of} (precedence {rank.precedence})"


def rule_rows(entry: ObjectEntry, marks: Marks) -> list[Row]:
    p, s = entry.primary, entry.staging
    rows = [heading("Rule")]
    rows += tree_rows(p, s, marks, keys=lambda k: k in RULE_MAIN)
    rule = entry.rule
    p_rank = _rank_text(rule.rank_primary) if rule else None
    s_rank = _rank_text(rule.rank_staging) if rule else None
    if p_rank or s_rank:
        rank_row = leaf_row(
            "rank",
            0,
            "precedence/order",
            p_rank if p is not None else s_rank,
            s_rank if s is not None else p_rank,
            marks,
        )
        if rank_row.state in ("ign", "eq"):
            rank_row.title = RANK_ONLY
        rows.append(rank_row)
    rows += tree_rows(p, s, marks, keys=lambda k: k in ("scoping-groups", "join-groups"))
    p_flows = _flows(p)
    s_flows = _flows(s)
    count = max(len(p_flows or {}), len(s_flows or {}))
    rows.append(heading("Attribute flows", f"{count} flow{'' if count == 1 else 's'}"))
    rows += tree_rows(p_flows, s_flows, marks, path="attribute-flows")
    claimed = {*RULE_MAIN, "scoping-groups", "join-groups", "attribute-flows"}
    rows.append(heading("Other settings"))
    rows += tree_rows(p, s, marks, keys=lambda k: k not in claimed)
    return one_sided(rows, p is not None, s is not None)


def _flows(tree: Json) -> dict[str, str] | None:
    if not isinstance(tree, dict):
        return None
    flows = tree.get("attribute-flows")
    if not isinstance(flows, dict):
        return {}
    return {dest: flow_text(flow) for dest, flow in flows.items()}


SYNTAXES = {
    "1.3.6.1.4.1.1466.115.121.1.15": "String",
    "1.3.6.1.4.1.1466.115.121.1.12": "Reference (DN)",
    "1.3.6.1.4.1.1466.115.121.1.27": "Integer",
    "1.3.6.1.4.1.1466.115.121.1.7": "Boolean",
    "1.3.6.1.4.1.1466.115.121.1.5": "Binary",
    "1.3.6.1.4.1.1466.115.121.1.40": "Binary",
    "1.3.6.1.4.1.1466.115.121.1.24": "Time",
    "1.2.840.113556.1.4.906": "Large integer",
}


def attribute_definition_text(definition: Json) -> str:
    if not isinstance(definition, dict):
        return text_of(definition)
    syntax = str(definition.get("syntax") or "")
    words = [SYNTAXES.get(syntax, syntax)]
    words.append("single-valued" if definition.get("single-valued") == "true" else "multi-valued")
    if definition.get("indexed") == "true":
        words.append("indexed")
    elif definition.get("indexable") == "true":
        words.append("indexable")
    known = {"syntax", "single-valued", "indexed", "indexable"}
    words += [f"{k}: {text_of(v)}" for k, v in definition.items() if k not in known]
    return ", ".join(w for w in words if w)


def metaverse_rows(entry: ObjectEntry, marks: Marks) -> list[Row]:
    p, s = entry.primary, entry.staging
    if entry.name == "(attribute definitions)":
        p_defs = {k: attribute_definition_text(v) for k, v in (p or {}).items()}
        s_defs = {k: attribute_definition_text(v) for k, v in (s or {}).items()}
        rows = tree_rows(
            p_defs if p is not None else None, s_defs if s is not None else None, marks
        )
    else:
        rows = tree_rows(p, s, marks)
    return one_sided(rows, p is not None, s is not None)
