"""Small rooms: no module over MAX_MODULE_LINES lines, no function body over MAX_FUNCTION_LINES.

Run by ``make lint`` beside ruff's complexity (C901) and statement (PLR0915) limits. A
function's body is counted from its first statement after the docstring, so a command's long
list of typed options does not count against it. Exits 1 naming every module or function over.
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


def oversized(path: Path) -> list[str]:
    """What in ``path`` is over the limits, as ``path:line: reason`` lines."""
    text = path.read_text("utf-8")
    name = path.relative_to(ROOT)
    found = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name}:1: module of {lines} lines (max {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = body_lines(node)
            if size > MAX_FUNCTION_LINES:
                found.append(
                    f"{name}:{node.lineno}: function {node.name} of {size} lines "
                    f"(max {MAX_FUNCTION_LINES})"
                )
    return found


def main(argv: list[str]) -> int:
    folders = [ROOT / a for a in argv] or [ROOT / "src" / "driftcheck"]
    found = [line for f in folders for p in sorted(f.rglob("*.py")) for line in oversized(p)]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
