"""The HTML consistency report, rendered from a report document with a jinja2 template.

As in coverage.py's html.py, the view data is prepared here in Python and the template in
``templates/`` stays dumb: it loops over rows and cells and prints text. Autoescaping is on,
and every value from an export reaches the page as text inside a cell: never as markup, never
inside a script.

The package follows the page's making: :mod:`.cells` turns values and differences into cells
(``(tag, text)`` segments), :mod:`.rows` lays configuration trees out as side-by-side rows,
:mod:`.markup` writes cells and rows as HTML (for speed, in Python rather than macros),
:mod:`.viewmodel` builds the whole view model (dataclasses) from a typed report, and this
module renders it.

Only what the JSON report carries is shown, so ``driftcheck render`` rebuilds the same page.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from driftcheck.render.html.markup import cell_html, row_lines
from driftcheck.render.html.viewmodel import view
from driftcheck.report.types import Report

__all__ = [
    "asset",
    "cell_html",
    "environment",
    "lazy_html",
    "render_html",
    "report_template",
    "row_lines",
    "templates_dir",
]

TEMPLATE = "report.html.j2"


def templates_dir() -> Path:
    """``driftcheck/templates`` in an installed wheel, else ``templates/`` of the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "templates", here.parents[3] / "templates"):
        if (candidate / TEMPLATE).is_file():
            return candidate
    raise FileNotFoundError(f"{TEMPLATE} is not installed beside driftcheck")


#: The page's own style sheet and script, written inline so the report stays one file.
ASSETS = frozenset({"report.css", "report.js"})


@functools.cache
def asset(name: str) -> Markup:
    """``templates/report.css`` or ``report.js``, to be written inside ``<style>``/``<script>``.

    They are the project's own files, not data; still, a closing tag inside one would end its
    element early, so that is refused rather than written.
    """
    if name not in ASSETS:
        raise ValueError(f"unknown template asset {name!r}")
    text = (templates_dir() / name).read_text(encoding="utf-8")
    if re.search(r"</(style|script)|<!--", text, re.IGNORECASE):
        raise ValueError(f"{name} must not contain a closing style/script tag or '<!--'")
    return Markup(text)


def lazy_html(html: str) -> Markup:
    """An object's side-by-side table kept for later, to write inside ``<noscript>``.

    Where the script runs, a ``<noscript>`` element's content is text that the browser does not
    turn into elements, so a closed object costs nothing until it is opened (report.js then
    builds its table from that text); without JavaScript it is the table itself. Every value in
    it is escaped (no ``<`` from an export reaches it), so only the page's own markup could end
    the element early, and that is checked.
    """
    text = str(html)
    if "</noscript" in text.lower():
        raise ValueError("a lazy table must not contain </noscript>")
    return Markup(text)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,  # select_autoescape() would not cover .html.j2
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell_html
    env.filters["lazy"] = lazy_html
    env.globals["asset"] = asset
    env.globals["row_lines"] = row_lines
    return env


def render_html(report: Report) -> str:
    page = view(report)
    # The view's fields, not dataclasses.asdict(): that would copy every row into a dict.
    context = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    return report_template().render(context)


@functools.cache
def report_template() -> jinja2.Template:
    """The report's template, with the parts it includes, compiled once per process.

    Compiling them takes about 50 ms; ``compare --html`` does it while it waits for its
    worker process (see :func:`driftcheck.pipeline.compare.load_both`), not after the comparison.
    """
    env = environment()
    for name in env.list_templates(filter_func=lambda name: name.startswith("_")):
        env.get_template(name)  # an included part, kept in ``env``'s cache
    return env.get_template(TEMPLATE)
