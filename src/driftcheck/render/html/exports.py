"""The pending exports as an HTML page of its own, in the report's look.

Summaries and top transitions only, whatever the number of objects: the per-object detail is
the CSV's. The view data is prepared here; ``templates/exports.html.j2`` stays dumb and
autoescaped, so every value from a file reaches the page as text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from driftcheck import __version__
from driftcheck.exports.aggregate import kinds_phrase
from driftcheck.exports.result import ExportsResult, PendingFinding
from driftcheck.model.vocab import SEVERITY_ORDER
from driftcheck.render.html import environment

TEMPLATE = "exports.html.j2"
#: Attributes shown per connector (most changed first); the JSON has all of them.
ATTRIBUTES_SHOWN = 60


@dataclass(frozen=True)
class TransitionRow:
    old: str
    new: str
    objects: str


@dataclass(frozen=True)
class AttributeRow:
    name: str
    objects: str
    kinds: str
    values: str
    transitions: tuple[TransitionRow, ...]
    patterns: tuple[TransitionRow, ...]
    approximate: bool
    binary: bool
    explained_by: tuple[str, ...]


@dataclass(frozen=True)
class ConnectorView:
    anchor: str
    name: str
    kind: str
    files: tuple[str, ...]
    counts: tuple[tuple[str, str], ...]
    object_types: tuple[tuple[str, str, str, str, str], ...]
    attributes: tuple[AttributeRow, ...]
    hidden_attributes: int
    threshold: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PageView:
    title: str
    tool_version: str
    verdict: str
    verdict_text: str
    totals: tuple[tuple[str, str], ...]
    connectors: tuple[ConnectorView, ...]
    findings: tuple[PendingFinding, ...]
    files: tuple[tuple[str, str, str, str], ...]
    warnings: tuple[str, ...]
    config: str
    explained: bool


def _n(n: int) -> str:
    return f"{n:,}"


def _shown(value: str, binary: bool) -> str:
    if value == "":
        return "(empty)"
    return f"base64: {value}" if binary else value


def page_view(result: ExportsResult) -> PageView:
    s = result.summary
    counts = ", ".join(f"{s.findings.get(lv.value, 0)} {lv.value}" for lv in SEVERITY_ORDER)
    connectors = []
    for n, c in enumerate(result.connectors, 1):
        rows = tuple(
            AttributeRow(
                name=a.name,
                objects=_n(a.objects),
                kinds=kinds_phrase(a.kinds),
                values=f"+{_n(a.values_added)} / -{_n(a.values_removed)}" if a.multivalued else "",
                transitions=tuple(
                    TransitionRow(_shown(t.old, a.binary), _shown(t.new, a.binary), _n(t.objects))
                    for t in a.transitions
                ),
                patterns=tuple(
                    TransitionRow(_shown(t.old, a.binary), _shown(t.new, a.binary), _n(t.objects))
                    for t in a.patterns
                ),
                approximate=a.approximate,
                binary=a.binary,
                explained_by=a.explained_by,
            )
            for a in c.attributes[:ATTRIBUTES_SHOWN]
        )
        state = {True: "on", False: "off", None: "state unknown"}[c.deletion_threshold_enabled]
        notes = []
        if c.without_old_values:
            notes.append(
                f"{_n(c.without_old_values)} changed objects have no synchronized hologram in "
                "the file: their old values are not known."
            )
        if c.escrowed or c.unconfirmed:
            notes.append(f"{_n(c.escrowed)} escrowed, {_n(c.unconfirmed)} unconfirmed exports.")
        connectors.append(
            ConnectorView(
                anchor=f"k{n}",
                name=c.name,
                kind=f"{c.kind} ({c.kind_from})",
                files=c.files,
                counts=(
                    ("cs-objects in the files", _n(c.cs_objects)),
                    ("adds", _n(c.counts.adds)),
                    ("updates", _n(c.counts.updates)),
                    ("deletes", _n(c.counts.deletes)),
                    ("delete-adds", _n(c.counts.delete_adds)),
                ),
                object_types=tuple(
                    (t, _n(k.adds), _n(k.updates), _n(k.deletes), _n(k.delete_adds))
                    for t, k in c.object_types.items()
                ),
                attributes=rows,
                hidden_attributes=max(0, len(c.attributes) - ATTRIBUTES_SHOWN),
                threshold=f"{_n(c.deletion_threshold)} ({c.deletion_threshold_from}, {state})",
                notes=tuple(notes),
            )
        )
    return PageView(
        title=f"Pending exports{': ' + result.server if result.server else ''}",
        tool_version=__version__,
        verdict=s.verdict,
        verdict_text=f"{counts} findings; fail on {s.fail_on.value}; "
        f"{_n(s.objects)} objects would change",
        totals=(
            ("adds", _n(s.counts.adds)),
            ("updates", _n(s.counts.updates)),
            ("deletes", _n(s.counts.deletes)),
            ("delete-adds", _n(s.counts.delete_adds)),
        ),
        connectors=tuple(connectors),
        findings=result.findings,
        files=tuple((f.file, f.connector, f.named_by, _n(f.objects)) for f in result.files),
        warnings=result.warnings,
        config=result.config or "none",
        explained=result.explained,
    )


def render_html(result: ExportsResult) -> str:
    page = page_view(result)
    context = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    return environment().get_template(TEMPLATE).render(context)
