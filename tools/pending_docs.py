"""Write the rule table of docs/pending-exports.md from the rule catalogue in
driftcheck.exports.rules.

The table sits between ``<!-- rules:pending -->`` and ``<!-- /rules -->``; the prose around it
is left alone. tests/exports/test_docs.py fails when the file and the catalogue disagree. Run
after changing a rule:

    .venv/bin/python tools/pending_docs.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from driftcheck.exports.rules import CATALOGUE, PendingRule

DOC = Path(__file__).resolve().parents[1] / "docs" / "pending-exports.md"
BEGIN = "<!-- rules:pending -->"
END = "<!-- /rules -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _threshold(rule: PendingRule) -> str:
    parts = []
    if rule.count is not None:
        parts.append(f"{rule.count:,} objects")
    if rule.of_deletion_threshold is not None:
        parts.append(f"{rule.of_deletion_threshold:.0%} of the deletion threshold")
    if rule.share is not None:
        parts.append(f"{rule.share:.0%} of the connector's objects")
    text = " or ".join(parts) if parts else "none"
    if rule.escalates:
        text += "; blocking at the deletion threshold"
    return text


def table() -> str:
    rows = [
        "| rule id | severity at the threshold | threshold | matches | why |",
        "|---|---|---|---|---|",
    ]
    rows += [
        f"| `{r.id}` | {r.severity.value} | {_cell(_threshold(r))} | {_cell(r.scope)} | "
        f"{_cell(r.why)} |"
        for r in CATALOGUE
    ]
    return "\n".join(rows)


def render(doc: str) -> str:
    """``doc`` with the marked table replaced by the one made from the catalogue."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    match = pattern.search(doc)
    if match is None:
        raise SystemExit(f"{DOC}: no {BEGIN} ... {END} block")
    return doc[: match.start()] + f"{BEGIN}\n{table()}\n{END}" + doc[match.end() :]


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    updated = render(text)
    if updated != text:
        DOC.write_text(updated, encoding="utf-8")
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
