"""Write the rule tables of docs/ignore-rules.md from the catalogue in driftcheck.policy.builtin.

The tables sit between ``<!-- rules:ignore -->``/``<!-- rules:severity -->`` and
``<!-- /rules -->`` markers; the prose around them is left alone. tests/test_docs.py fails
when the file and the catalogue disagree. Run after changing a built-in rule:

    .venv/bin/python tools/rule_docs.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES, BUILT_IN_SEVERITY_RULES

DOC = Path(__file__).resolve().parents[1] / "docs" / "ignore-rules.md"
END = "<!-- /rules -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def ignore_table() -> str:
    rows = ["| id | hides | why |", "|---|---|---|"]
    rows += [f"| `{r.id}` | {_cell(r.scope)} | {_cell(r.reason)} |" for r in BUILT_IN_IGNORE_RULES]
    return "\n".join(rows)


def severity_table() -> str:
    rows = ["| level | rule id | what | why |", "|---|---|---|---|"]
    rows += [
        f"| {r.level} | `{r.id}` | {_cell(r.scope)} | {_cell(r.reason)} |"
        for r in BUILT_IN_SEVERITY_RULES
    ]
    return "\n".join(rows)


def render(doc: str) -> str:
    """``doc`` with each marked table replaced by the one made from the catalogue."""
    for name, table in (("ignore", ignore_table()), ("severity", severity_table())):
        begin = f"<!-- rules:{name} -->"
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(END), re.DOTALL)
        if not pattern.search(doc):
            raise SystemExit(f"{DOC}: no {begin} ... {END} block")
        block = f"{begin}\n{table}\n{END}"
        match = pattern.search(doc)
        assert match is not None
        doc = doc[: match.start()] + block + doc[match.end() :]
    return doc


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    updated = render(text)
    if updated != text:
        DOC.write_text(updated, encoding="utf-8")
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
