"""The HTML consistency report, rendered from a report document with a jinja2 template.

As in coverage.py's html.py, the view data is prepared here in Python and the template in
``templates/`` stays dumb: it loops over rows and cells and prints text. Autoescaping is on,
and every value from an export reaches the page as text inside a cell: never as markup, never
inside a script.

A *cell* is a list of ``(tag, text)`` segments, ``tag`` being ``""`` (plain), ``"del"``
(removed, red and struck through), ``"ins"`` (added, green) or ``"em"`` (a placeholder such
as "(absent)"). Differences between two texts are shown token by token (:func:`token_diff`).

Only what the JSON report carries is shown, so ``driftcheck render`` rebuilds the same page.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from driftcheck.render_text import SECTION_TITLES, verdict_line
from driftcheck.report import MASKED, Report, is_secret_name

TEMPLATE = "report.html.j2"

Segment = tuple[str, str]
Cell = list[Segment]

SEVERITY_ORDER = ("blocking", "warning", "info")
STATES = ("added", "removed", "modified", "unchanged")
SECTION_IDS = {"global-settings": "g", "metaverse": "m", "connector": "c", "sync-rule": "r"}
#: Hover text of a row whose values differ where the comparison says it does not matter.
EQUAL_TITLE = "compared equal: letter case, whitespace or order only"
#: A list of more items than this, all short, is written on one line separated by commas.
INLINE_LIST = 6
SHORT_ITEM = 48
#: Objects listed by name in one suppressed group before "N more".
SUPPRESSED_EXAMPLES = 25
#: More changed objects than this start collapsed, to keep a large estate's page fast.
OPEN_LIMIT = 120
#: A modified text at least this long is shown as one inline diff instead of old → new.
INLINE_DIFF = 24


def templates_dir() -> Path:
    """``driftcheck/templates`` in an installed wheel, else ``templates/`` of the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parents[1] / "templates"):
        if (candidate / TEMPLATE).is_file():
            return candidate
    raise FileNotFoundError(f"{TEMPLATE} is not installed beside driftcheck")


_CELL_TAGS = frozenset({"", "del", "ins", "em"})


def cell_html(segments: Iterable[tuple[str, str]]) -> Markup:
    """A cell's (tag, text) segments as HTML, every text escaped.

    A filter rather than a template macro: a large estate has hundreds of thousands of
    cells, and a jinja2 macro call costs ten times an escape.
    """
    parts = []
    for tag, text in segments:
        if tag not in _CELL_TAGS:
            raise ValueError(f"unexpected cell tag {tag!r}")
        parts.append(f"<{tag}>{escape(text)}</{tag}>" if tag else str(escape(text)))
    return Markup("".join(parts))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,  # select_autoescape() would not cover .html.j2
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell_html
    return env


# --- text and token diffs --------------------------------------------------------------------

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|\s+|[\w%]+|.', re.DOTALL)


def tokenize(text: str) -> list[str]:
    """Tokens of an expression: string literals whole (as normalize.normalize_expression reads
    them), runs of whitespace, words and numbers, and single punctuation characters."""
    return _TOKEN.findall(text)


def _key(token: str) -> str:
    return " " if token.isspace() else token


def _coalesce(segments: Iterable[Segment]) -> Cell:
    out: Cell = []
    for tag, text in segments:
        if not text:
            continue
        if out and out[-1][0] == tag:
            out[-1] = (tag, out[-1][1] + text)
        else:
            out.append((tag, text))
    return out


Opcode = tuple[str, int, int, int, int]


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib's opcodes, with a whitespace-only match between two changes folded into one
    change: ``Contractor Filter`` → ``Job Title`` reads as one replacement, not two."""
    matcher = difflib.SequenceMatcher(None, [_key(t) for t in a], [_key(t) for t in b], False)
    ops = matcher.get_opcodes()
    merged: list[Opcode] = []
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        gap = op == "equal" and 0 < n < len(ops) - 1 and _blank(a[i1:i2])
        if merged and merged[-1][0] != "equal" and (op != "equal" or gap):
            _, p1, _, q1, _ = merged[-1]
            merged[-1] = ("replace", p1, i2, q1, j2)
        else:
            merged.append((op, i1, i2, j1, j2))
    return merged


def _blank(tokens: Sequence[str]) -> bool:
    return all(t.isspace() for t in tokens)


def token_diff(primary: str, staging: str) -> tuple[Cell, Cell, Cell]:
    """(primary cell, staging cell, inline cell) for two texts, compared token by token.

    The primary cell marks what staging lost (``del``), the staging cell what it gained
    (``ins``); the inline cell has both in reading order. Whitespace-only edits are not marked.
    """
    a, b = tokenize(primary), tokenize(staging)
    left: list[Segment] = []
    right: list[Segment] = []
    inline: list[Segment] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal" or (_blank(a[i1:i2]) and _blank(b[j1:j2])):
            left.append(("", old))
            right.append(("", new))
            inline.append(("", new))
            continue
        left.append(("del", old))
        right.append(("ins", new))
        inline += [("del", old), ("ins", new)]
    return _coalesce(left), _coalesce(right), _coalesce(inline)


def _separator(items: Sequence[str]) -> str:
    short = len(items) > INLINE_LIST and all(len(i) <= SHORT_ITEM for i in items)
    return ", " if short else "\n"


def list_cell(items: Sequence[str], tag: str = "") -> Cell:
    if not items:
        return [("em", "(empty)")]
    sep = _separator(items)
    cell: Cell = []
    for n, item in enumerate(items):
        if n:
            cell.append(("", sep))
        cell.append((tag, item))
    return _coalesce(cell)


def list_diff(primary: Sequence[str], staging: Sequence[str]) -> tuple[Cell, Cell, Cell]:
    """Two lists item by item: items only on primary ``del``, only on staging ``ins``."""
    sep = _separator([*primary, *staging])
    left: list[Segment] = []
    right: list[Segment] = []
    inline: list[Segment] = []

    def put(cell: list[Segment], tag: str, item: str) -> None:
        if cell:
            cell.append(("", sep))
        cell.append((tag, item))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, primary, staging, False).get_opcodes():
        for item in primary[i1:i2]:
            put(left, "" if op == "equal" else "del", item)
            if op != "equal":
                put(inline, "del", item)
        for item in staging[j1:j2]:
            put(right, "" if op == "equal" else "ins", item)
            put(inline, "" if op == "equal" else "ins", item)
    return (
        _coalesce(left) or [("em", "(empty)")],
        _coalesce(right) or [("em", "(empty)")],
        _coalesce(inline),
    )


def text_of(value: Any) -> str:
    """A value as one text: lists one item a line, small dicts ``key: value; ...``."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {text_of(v)}" for k, v in value.items())
    return str(value)


def value_cell(value: Any, tag: str = "") -> Cell:
    """One side of a row: a text, a list, or a placeholder when there is nothing."""
    if value is None:
        return [("em", "(not set)")]
    if isinstance(value, list):
        return list_cell([text_of(v) for v in value], tag)
    if value == "":
        return [("em", "(empty)")]
    return [(tag, text_of(value))]


def diff_cells(primary: Any, staging: Any) -> tuple[Cell, Cell, Cell]:
    """(primary, staging, inline) cells for two values that differ."""
    if isinstance(primary, list) and isinstance(staging, list):
        return list_diff([text_of(v) for v in primary], [text_of(v) for v in staging])
    if primary is None or primary == "" or staging is None or staging == "":
        left, right = value_cell(primary, "del"), value_cell(staging, "ins")
        return left, right, [*left, ("", " → "), *right]
    return token_diff(text_of(primary), text_of(staging))


# --- masking ---------------------------------------------------------------------------------


def masked(path: str, value: Any) -> Any:
    """A difference's value, masked when the path names a secret."""
    leaf = path.rsplit("/", 1)[-1]
    if isinstance(value, str) and value and value != "(encrypted)" and is_secret_name(leaf):
        return MASKED
    return value


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
                return "ign", "", f"ignored: {rule}"
        return "eq", "", EQUAL_TITLE


NO_MARKS = Marks()


@dataclass
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


def _pair_keys(primary: Mapping[str, Any], staging: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(label, staging key) pairs in primary order, then staging's own; matched ignoring case."""
    by_fold = {k.casefold(): k for k in staging}
    seen: set[str] = set()
    for key in primary:
        seen.add(key.casefold())
        yield key, by_fold.get(key.casefold(), "")
    for key in staging:
        if key.casefold() not in seen:
            yield key, key


_ABSENT: Cell = [("em", "(absent)")]


def leaf_row(label: str, depth: int, path: str, p: Any, s: Any, marks: Marks) -> Row:
    if p == s:
        return Row(label, depth, "same", value_cell(p), [])
    state, severity, title = marks.state(path)
    if state != "mod":
        return Row(label, depth, state, value_cell(p), value_cell(s), severity, title)
    left, right, _ = diff_cells(p, s)
    return Row(label, depth, state, left, right, severity, title)


def one_side_rows(
    label: str, depth: int, path: str, value: Any, side: str, marks: Marks
) -> list[Row]:
    """Rows of a value present on one server only (``side`` "primary" or "staging")."""
    reported = marks.find(marks.reported, path, exact=False)
    state = "rem" if side == "primary" else "add"
    tag = "del" if side == "primary" else "ins"
    title = "only on the primary server" if side == "primary" else "only on the staging server"
    if reported is None:
        rule = marks.find(marks.suppressed, path, exact=False)
        if rule is not None:
            state, tag, title = "ign", "", f"ignored: {rule}"
    rows: list[Row] = []
    if isinstance(value, dict) and value:
        rows.append(Row(label, depth, "head", entries(len(value)), [], reported or "", title))
        for key, child in value.items():
            rows += one_side_rows(key, depth + 1, _join(path, key), child, side, marks)
        return rows
    shown = value_cell(value, tag)
    p, s = (shown, _ABSENT) if side == "primary" else (_ABSENT, shown)
    return [Row(label, depth, state, p, s, reported or "", title)]


def tree_rows(
    primary: Mapping[str, Any] | None,
    staging: Mapping[str, Any] | None,
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
        out.append(Row(row.label, row.depth, state, pair[0], pair[1], row.severity, row.title))
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


def connector_rows(p: Any, s: Any, marks: Marks) -> list[Row]:
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


def flow_text(flow: Any) -> str:
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


def _rank_text(rank: Any) -> str | None:
    if not isinstance(rank, dict):
        return None
    return f"{rank.get('rank')} of {rank.get('of')} (precedence {rank.get('precedence')})"


def rule_rows(entry: Mapping[str, Any], marks: Marks) -> list[Row]:
    p, s = entry.get("primary"), entry.get("staging")
    rows = [heading("Rule")]
    rows += tree_rows(p, s, marks, keys=lambda k: k in RULE_MAIN)
    rank = entry.get("rank") or {}
    p_rank, s_rank = _rank_text(rank.get("primary")), _rank_text(rank.get("staging"))
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


def _flows(tree: Any) -> dict[str, str] | None:
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


def attribute_definition_text(definition: Any) -> str:
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


def metaverse_rows(entry: Mapping[str, Any], marks: Marks) -> list[Row]:
    p, s = entry.get("primary"), entry.get("staging")
    if entry.get("name") == "(attribute definitions)":
        p_defs = {k: attribute_definition_text(v) for k, v in (p or {}).items()}
        s_defs = {k: attribute_definition_text(v) for k, v in (s or {}).items()}
        rows = tree_rows(
            p_defs if p is not None else None, s_defs if s is not None else None, marks
        )
    else:
        rows = tree_rows(p, s, marks)
    return one_sided(rows, p is not None, s is not None)


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
    }


def render_html(report: Report) -> str:
    return environment().get_template(TEMPLATE).render(view(report))
