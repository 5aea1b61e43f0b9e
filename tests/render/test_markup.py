"""The Python writers of cells and rows (render_html.markup) escape exactly as jinja2's
autoescaping does, and write what the template's macros wrote."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup, escape

from driftcheck.render.html import environment
from driftcheck.render.html.markup import cell_html, escaped, row_lines
from driftcheck.render.html.rows import Row

HOSTILE = [
    "",
    "plain",
    "<script>alert('x')</script>",
    'a "quoted" & <b>bold</b>',
    "</noscript><!-- -->",
    "\u00e9t\u00e9 \u2192 caf\u00e9",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_is_markupsafe_escape(text: str) -> None:
    assert escaped(text) == str(escape(text))


def test_escaped_keeps_markup_and_converts_other_values() -> None:
    assert escaped(Markup("<b>x</b>")) == "<b>x</b>"
    assert escaped(3) == "3"


#: The row macro the template had before rows were written in Python, kept here as the
#: reference the Python writer must match byte for byte.
REFERENCE_MACROS = """\
{% macro why(r) %}{% if r.state == "ign" %} <a class="why" href="#{{ rule_anchors.get(r.why, 'suppressed') }}">≈ ignored: {{ r.why }}</a>{% elif r.state == "eq" %} <span class="why">≈ {{ r.title }}</span>{% endif %}{% endmacro %}
{% macro ref_lines(rows, lazy=false) %}
{% for r in rows %}
{% if r.state == "group" %}
<tr class="{{ r.css }}"><th colspan=3 scope="colgroup">{{ r.label }}{% if r.primary %} <span class="note">{{ r.primary|cell }}</span>{% endif %}
{% elif r.state == "head" %}
<tr{% if r.css %} class="{{ r.css }}"{% endif %}><th{% if r.depth %} class="d{{ r.depth }}"{% endif %}>{{ r.label }}<td colspan=2>{{ r.primary|cell }}
{% elif r.state == "same" and lazy %}
<tr{% if r.css %} class="{{ r.css }}"{% endif %}><th{% if r.depth %} class="d{{ r.depth }}"{% endif %}>{{ r.label }}<td colspan=2 class=eq2>{{ r.primary|cell }}
{% elif r.state == "same" %}
<tr{% if r.css %} class="{{ r.css }}"{% endif %}><th{% if r.depth %} class="d{{ r.depth }}"{% endif %}>{{ r.label }}<td>{{ r.primary|cell }}<td>{{ r.primary|cell }}
{% else %}
<tr class="{{ r.css }}"{% if r.hover %} title="{{ r.hover }}"{% endif %}><th{% if r.depth %} class="d{{ r.depth }}"{% endif %}>{{ r.label }}{% if r.severity %} <span class="sev {{ r.severity }}">{{ r.severity }}</span>{% endif %}{{ why(r) }}<td>{{ r.primary|cell }}<td>{{ r.staging|cell }}
{% endif %}
{% endfor %}
{% endmacro %}
{{ ref_lines(rows, lazy) }}"""


def _rows() -> list[Row]:
    hostile = "<i>'&\"</i>"
    return [
        Row("Rule", 0, "group", [], []),
        Row("Attribute flows", 0, "group", [("em", "3 flows")], []),
        Row(hostile, 0, "head", [("em", "2 entries")], [], keep=True),
        Row(hostile, 1, "same", [("", hostile)], []),
        Row("name", 0, "same", [("", "x")], []),
        Row("a", 2, "mod", [("del", hostile), ("to", " → ")], [("ins", hostile)], "blocking", "t"),
        Row("b", 1, "ign", [("", "1")], [("", "2")], "", "ignored: r<1>", why="r<1>"),
        Row("c", 0, "ign", [("", "1")], [("", "2")], "", "ignored: gone", why="gone"),
        Row("d", 0, "eq", [("", "A")], [("", "a")], "", "compared <equal>"),
        Row("e", 1, "add", [("em", "(absent)")], [("ins", "new")], "info", "only on staging"),
    ]


@pytest.mark.parametrize("lazy", [False, True])
def test_row_lines_write_what_the_macro_wrote(lazy: bool) -> None:
    env: jinja2.Environment = environment()
    reference = env.from_string(REFERENCE_MACROS)
    anchors = {"r<1>": "ir-1"}
    expected = reference.render(rows=_rows(), lazy=lazy, rule_anchors=anchors)
    assert str(row_lines(_rows(), anchors, lazy)) == expected
    assert "<i>" not in expected


def test_cell_html_refuses_unknown_tags() -> None:
    assert str(cell_html([("to", "<")])) == '<span class="to">&lt;</span>'
    with pytest.raises(ValueError, match="unexpected cell tag"):
        cell_html([("b", "x")])
