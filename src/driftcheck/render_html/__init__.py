"""The HTML consistency report, rendered from a report document with a jinja2 template.

As in coverage.py's html.py, the view data is prepared here in Python and the template in
``templates/`` stays dumb: it loops over rows and cells and prints text. Autoescaping is on,
and every value from an export reaches the page as text inside a cell: never as markup, never
inside a script.

The package follows the page's making: :mod:`.cells` turns values and differences into cells
(``(tag, text)`` segments), :mod:`.rows` lays configuration trees out as side-by-side rows,
:mod:`.viewmodel` builds the whole view model (dataclasses) from a typed report, and this
module renders it.

Only what the JSON report carries is shown, so ``driftcheck render`` rebuilds the same page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from driftcheck.render_html.viewmodel import view
from driftcheck.report import Report

__all__ = ["cell_html", "environment", "render_html", "templates_dir"]

TEMPLATE = "report.html.j2"


def templates_dir() -> Path:
    """``driftcheck/templates`` in an installed wheel, else ``templates/`` of the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here.parents[2] / "templates"):
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


def render_html(report: Report) -> str:
    page = view(report)
    # The view's fields, not dataclasses.asdict(): that would copy every row into a dict.
    context = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    return environment().get_template(TEMPLATE).render(context)
