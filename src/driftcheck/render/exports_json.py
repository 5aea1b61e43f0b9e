"""The pending exports as JSON (schema ``driftcheck/exports/v1``)."""

from __future__ import annotations

import json

from driftcheck.exports.result import ExportsResult


def render_json(result: ExportsResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
