"""Small rooms: no module over MAX_MODULE_LINES lines, no function body over MAX_FUNCTION_LINES.

Run by ``make lint`` beside ruff's complexity (C901) and statement (PLR0915) limits. A
function's body is counted from its first statement after the docstring, so a command's long
list of typed options does not count against it. Exits 1 naming every module or function over.

``tools/size_baseline.txt`` lists what was already over when the limits came in, each with its
size then: a debt to split, named. Nothing new joins the list; split one and delete its line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
ROOT = Path(__file__).resolve().parents[1]


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function from its first statement after the docstring to its end."""
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    start = node.body[1].lineno if has_doc and len(node.body) > 1 else first.lineno
    return (node.end_lineno or start) - start + 1


BASELINE = ROOT / "tools" / "size_baseline.txt"


def oversized(path: Path) -> list[tuple[str, int, str]]:
    """What in ``path`` is over the limits: (what, its size, ``path:line: reason``)."""
    text = path.read_text("utf-8")
    name = path.relative_to(ROOT)
    found = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        reason = f"{name}:1: module of {lines} lines (max {MAX_MODULE_LINES})"
        found.append((f"{name}", lines, reason))
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = body_lines(node)
            if size > MAX_FUNCTION_LINES:
                reason = (
                    f"{name}:{node.lineno}: function {node.name} of {size} lines "
                    f"(max {MAX_FUNCTION_LINES})"
                )
                found.append((f"{name}::{node.name}", size, reason))
    return found


def baseline() -> dict[str, int]:
    """``what -> size`` from the baseline file (``what size`` per line, ``#`` comments)."""
    if not BASELINE.is_file():
        return {}
    entries = {}
    for line in BASELINE.read_text("utf-8").splitlines():
        what, _, size = line.partition("#")[0].strip().rpartition(" ")
        if what:
            entries[what] = int(size)
    return entries


def main(argv: list[str]) -> int:
    write = "--write-baseline" in argv
    folders = [ROOT / a for a in argv if not a.startswith("--")] or [ROOT / "src" / "driftcheck"]
    found = [item for f in folders for p in sorted(f.rglob("*.py")) for item in oversized(p)]
    if write:
        lines = [f"{what} {size}" for what, size, _ in found]
        BASELINE.write_text(HEADER + "\n".join(lines) + "\n", "utf-8")
        return 0
    allowed = baseline()
    over = [reason for what, _, reason in found if what not in allowed]
    for reason in over:
        print(reason)
    return 1 if over else 0


HEADER = """\
# Modules and functions over the size limits when they came in (tools/check_sizes.py), with
# their size then: debts to split. Split one and delete its line; do not add lines.
"""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
