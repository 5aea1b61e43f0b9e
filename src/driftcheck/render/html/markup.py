"""Cells and side-by-side table rows written as HTML by Python, not by template macros.

A large estate's report has tens of thousands of rows and hundreds of thousands of cells; a
jinja2 macro call per cell or row costs several times the escaping it does. So the template
calls :func:`row_lines` once per table and the `cell` filter (:func:`cell_html`) once per
cell. Every text is escaped here exactly as the template's autoescaping would escape it: the
output is byte for byte what the macros wrote (the HTML snapshot tests check this).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from markupsafe import Markup, escape

from driftcheck.render.html.rows import Row

#: A cell segment's tag and the start and end tags it is written between.
_CELL_TAGS = {
    "": ("", ""),
    "del": ("<del>", "</del>"),
    "ins": ("<ins>", "</ins>"),
    "em": ("<em>", "</em>"),
    "to": ('<span class="to">', "</span>"),
}


def escaped(value: object) -> str:
    """``value`` as HTML text: what ``markupsafe.escape`` (the template's autoescaping) gives,
    as a plain string.

    Plain strings, nearly every value written, are escaped by ``str.replace`` (three times
    faster than ``escape``, which builds a ``Markup`` object each time); anything else goes
    through ``escape``, which also honours ``__html__``.
    """
    if type(value) is str:
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&#34;")
            .replace("'", "&#39;")
        )
    return str(escape(value))


def cell_html(segments: Iterable[tuple[str, str]]) -> Markup:
    """A cell's (tag, text) segments as HTML, every text escaped.

    A filter rather than a template macro: a large estate has hundreds of thousands of
    cells, and a jinja2 macro call costs ten times an escape.
    """
    return Markup(_cell(segments))


def _cell(segments: Iterable[tuple[str, str]]) -> str:
    parts = []
    for tag, text in segments:
        element = _CELL_TAGS.get(tag)
        if element is None:
            raise ValueError(f"unexpected cell tag {tag!r}")
        start, end = element
        parts.append(f"{start}{escaped(text)}{end}")
    return "".join(parts)


def row_lines(rows: Sequence[Row], rule_anchors: Mapping[str, str], lazy: bool = False) -> Markup:
    """The ``<tr>`` lines of a side-by-side table (end tags omitted, as HTML5 allows).

    ``lazy`` writes an unchanged row's value once, across both columns (class ``eq2``), for
    a table kept inside ``<noscript>``: the page's script writes it in each column when it
    builds the table. ``rule_anchors`` maps an ignore rule's id to its anchor on the page,
    for the "why hidden" link of a row that rule hides.
    """
    return Markup("".join([_row_line(row, rule_anchors, lazy) for row in rows]))


def _row_line(row: Row, rule_anchors: Mapping[str, str], lazy: bool) -> str:
    label = escaped(row.label)
    if row.state == "group":
        # No line break after a group row: the macro this replaces wrote none (its line ended
        # in a block tag, which trim_blocks trims), and the output must stay byte-identical.
        note = f' <span class="note">{_cell(row.primary)}</span>' if row.primary else ""
        return f'<tr class="{escaped(row.css)}"><th colspan=3 scope="colgroup">{label}{note}'
    css = row.css
    head = f"{_tr(css)}<th{_depth(row.depth)}>{label}"
    if row.state == "head":
        return f"{head}<td colspan=2>{_cell(row.primary)}\n"
    if row.state == "same":
        value = _cell(row.primary)
        if lazy:
            return f"{head}<td colspan=2 class=eq2>{value}\n"
        return f"{head}<td>{value}<td>{value}\n"
    hover = f' title="{escaped(row.hover)}"' if row.hover else ""
    severity = (
        f' <span class="sev {escaped(row.severity)}">{escaped(row.severity)}</span>'
        if row.severity
        else ""
    )
    return (
        f'<tr class="{escaped(css)}"{hover}><th{_depth(row.depth)}>{label}{severity}'
        f"{_why(row, rule_anchors)}<td>{_cell(row.primary)}<td>{_cell(row.staging)}\n"
    )


def _tr(css: str) -> str:
    return f'<tr class="{escaped(css)}">' if css else "<tr>"


def _depth(depth: int) -> str:
    return f' class="d{depth}"' if depth else ""


def _why(row: Row, rule_anchors: Mapping[str, str]) -> str:
    """Why a row's differing values do not count: the ignore rule that hides them (a link to
    it) or the comparison's reason."""
    if row.state == "ign":
        anchor = escaped(rule_anchors.get(row.why, "suppressed"))
        return f' <a class="why" href="#{anchor}">≈ ignored: {escaped(row.why)}</a>'
    if row.state == "eq":
        return f' <span class="why">≈ {escaped(row.title)}</span>'
    return ""
