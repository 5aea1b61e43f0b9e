"""The readiness page of ``driftcheck check --html`` (``templates/check.html.j2``)."""

from __future__ import annotations

import dataclasses

from driftcheck.pipeline.check import CheckReport
from driftcheck.render.html import environment
from driftcheck.render.readiness import check_page_view

TEMPLATE = "check.html.j2"


def render_check_html(report: CheckReport) -> str:
    page = check_page_view(report)
    context = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    return environment().get_template(TEMPLATE).render(context)
