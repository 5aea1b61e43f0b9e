"""The readiness page of ``driftcheck check --html`` (``templates/check.html.j2``)."""

from __future__ import annotations

import dataclasses

from driftcheck.checkreport import CheckReport
from driftcheck.render_checks import check_page_view
from driftcheck.render_html import environment

TEMPLATE = "check.html.j2"


def render_check_html(report: CheckReport) -> str:
    page = check_page_view(report)
    context = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    return environment().get_template(TEMPLATE).render(context)
