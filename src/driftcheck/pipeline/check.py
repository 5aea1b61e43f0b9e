"""``driftcheck check EXPORT``: one server's readiness checks as a ``driftcheck/check/v1`` document.

Reads one export through the usual stages (read → model → normalize), runs the single-server
checks of :mod:`driftcheck.checks.catalogue` on it, and keeps what every renderer needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from driftcheck import __version__
from driftcheck.checks.catalogue import (
    CheckContext,
    CheckResult,
    counts,
    failing,
)
from driftcheck.checks.server import run_server_checks
from driftcheck.errors import InputError
from driftcheck.model.releases import load_release_table
from driftcheck.model.vocab import Severity
from driftcheck.pipeline.compare import load_side

SCHEMA = "driftcheck/check/v1"
_SERVER_KEYS = ("path", "server", "export_date", "product_version")


@dataclass(frozen=True)
class CheckReport:
    """The readiness of one server on one day."""

    server: dict[str, str]
    as_of: date
    fail_on: Severity
    checks: tuple[CheckResult, ...]
    tool_version: str = __version__

    @property
    def failing(self) -> list[CheckResult]:
        return failing(self.checks, self.fail_on.value)

    @property
    def verdict(self) -> str:
        return "not-ready" if self.failing else "ready"

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "tool": {"name": "driftcheck", "version": self.tool_version},
            "server": dict(self.server),
            "as_of": self.as_of.isoformat(),
            "summary": {
                "verdict": self.verdict,
                "fail_on": self.fail_on.value,
                "failing": len(self.failing),
                "counts": counts(self.checks),
            },
            "checks": [c.to_json() for c in self.checks],
        }

    @classmethod
    def from_json(cls, data: Any, *, file: str | None = None) -> CheckReport:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else type(data).__name__
            raise InputError(f"not a {SCHEMA} document (schema: {found!r})", file=file)
        server = data.get("server")
        if not isinstance(server, dict) or not all(
            isinstance(server.get(k), str) for k in _SERVER_KEYS
        ):
            raise InputError(
                "server must hold path, server, export_date, product_version", file=file
            )
        summary = data.get("summary")
        checks = data.get("checks")
        if not isinstance(summary, dict) or not isinstance(checks, list):
            raise InputError("summary and checks are required", file=file)
        try:
            as_of = date.fromisoformat(str(data.get("as_of")))
            fail_on = Severity(str(summary.get("fail_on")))
        except ValueError as exc:
            raise InputError(f"bad as_of or fail_on ({exc})", file=file) from None
        tool = data.get("tool")
        version = tool.get("version") if isinstance(tool, dict) else None
        return cls(
            {k: server[k] for k in _SERVER_KEYS},
            as_of,
            fail_on,
            tuple(CheckResult.from_json(c, file=file) for c in checks),
            version if isinstance(version, str) else "?",
        )


def check_export(path: Path, *, as_of: date, fail_on: str = Severity.WARNING) -> CheckReport:
    """Read one export and run every single-server check on it."""
    config = load_side(path, flows=False)  # the checks read no attribute flow
    context = CheckContext(as_of=as_of, releases=load_release_table())
    return CheckReport(
        server={
            "path": str(path),
            "server": config.server,
            "export_date": config.export_date,
            "product_version": config.product_version,
        },
        as_of=as_of,
        fail_on=Severity(fail_on),
        checks=tuple(run_server_checks(config, context)),
    )


def exit_code(report: CheckReport) -> int:
    """0 when no failed check reaches ``fail_on``, 1 otherwise."""
    return 1 if report.failing else 0


def to_json_text(report: CheckReport) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
