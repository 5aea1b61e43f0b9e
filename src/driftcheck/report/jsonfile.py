"""The report's JSON file: written compact by :func:`to_json`, read back by :func:`load_report`.

A damaged, truncated or foreign file becomes an :class:`~driftcheck.errors.InputError` with a
one-line reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from driftcheck.errors import InputError
from driftcheck.model.jsonread import JsonReader
from driftcheck.report.types import Report


def load_report(path: Path) -> Report:
    """Read a saved JSON report, refusing anything that is not a whole, valid
    ``driftcheck/report/v1`` report with a one-line reason."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a JSON report", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        reason = JsonReader.shorten(str(exc))
        raise InputError(f"not a JSON report ({reason})", file=str(path), line=line) from None
    except RecursionError:
        raise InputError("not a report: JSON nested too deeply", file=str(path)) from None
    return Report.from_json(data, file=str(path))


def to_json(report: Report) -> str:
    """The report as JSON text, one line.

    Compact: written by the C encoder, several times faster than indent= on large estates.
    """
    return json.dumps(report.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
