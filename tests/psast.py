"""Reading generated PowerShell back with a real PowerShell grammar (tree-sitter-powershell).

PowerShell itself is not available here, so the tests parse each script with the grammar,
check it has no ERROR or MISSING node, and evaluate the few expression forms the script
writer uses (single-quoted literals, ``[char]`` codes joined with ``+``, arrays, variables)
to rebuild what the script would do. Single-quoted literals are decoded by PowerShell's own
rule, which the grammar does not apply to the typographic quotes: the literal must end
exactly where the grammar says it does, or the decoder fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import tree_sitter
import tree_sitter_powershell

from driftcheck.render.psquote import SINGLE_QUOTES

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
Node = tree_sitter.Node


def parse(script: str) -> Node:
    return PARSER.parse(script.encode("utf-8")).root_node


def errors(root: Node) -> list[str]:
    """Every ERROR or MISSING node, with its line: empty for a script PowerShell accepts."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            found.append(f"line {node.start_point[0] + 1}: {node.type} {text(node)[:60]!r}")
        stack.extend(node.children)
    return found


def text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def decode_verbatim(literal: str) -> str:
    """A single-quoted literal's value, by PowerShell's rule: any of ' ‘ ’ ‚ ‛ ends it
    unless another follows, and a pair stands for one."""
    assert literal[0] in SINGLE_QUOTES and literal[-1] in SINGLE_QUOTES, literal
    inner, out, i = literal[1:-1], [], 0
    while i < len(inner):
        ch = inner[i]
        if ch in SINGLE_QUOTES:
            assert i + 1 < len(inner) and inner[i + 1] in SINGLE_QUOTES, (
                f"PowerShell would end the literal at offset {i + 1}: {literal!r}"
            )
            out.append(inner[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Index:
    variable: str
    key: Any


@dataclass(frozen=True)
class Member:
    variable: str
    member: str


@dataclass(frozen=True)
class Block:
    """A script block argument (``{ ... }``), by its text; its statements are walked in place."""

    text: str


def _named(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"]


def value(node: Node) -> Any:
    """The value of an argument or expression node, for the forms the script writer uses."""
    kind = node.type
    if kind == "string_literal":
        return decode_verbatim(text(node))
    if kind == "integer_literal":
        return int(text(node), 0)
    if kind == "variable":
        name = text(node)[1:]
        return {"true": True, "false": False}.get(name.casefold(), Var(name))
    if kind == "generic_token":
        return text(node)
    if kind == "script_block_expression":
        return Block(text(node))
    if kind == "cast_expression":
        type_name, operand = text(node.named_children[0]).strip("[]"), value(node.named_children[1])
        assert type_name.casefold() == "char" and isinstance(operand, int), text(node)
        return chr(operand)
    if kind == "element_access":
        variable, key = node.named_children
        return Index(text(variable)[1:], value(key))
    if kind == "member_access":
        return Member(text(node.named_children[0])[1:], text(node.named_children[-1]))
    if kind == "array_expression":
        statements = node.child_by_field_name("statements")
        if statements is None:
            return []
        items = value(statements)
        return items if isinstance(items, list) else [items]
    if kind == "array_literal_expression" and len(_named(node)) > 1:
        return [value(c) for c in _named(node)]
    if kind == "additive_expression" and len(_named(node)) == 2:
        left, right = _named(node)
        a, b = value(left), value(right)
        assert isinstance(a, str) and isinstance(b, str), text(node)
        assert text(node)[len(text(left)) :].lstrip().startswith("+"), text(node)
        return a + b
    children = _named(node)
    assert len(children) == 1, f"unexpected {kind}: {text(node)[:80]!r}"
    return value(children[0])


@dataclass
class Command:
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)
    positional: list[Any] = field(default_factory=list)
    assigned_to: str | None = None


def command_name(node: Node) -> str:
    return text(node.child_by_field_name("command_name") or node.named_children[0])


def command(node: Node, assigned_to: str | None = None) -> Command:
    name = command_name(node)
    result = Command(name, assigned_to=assigned_to)
    elements = node.child_by_field_name("command_elements")
    items = [
        c for c in (elements.named_children if elements else []) if c.type != "command_argument_sep"
    ]
    i = 0
    while i < len(items):
        item = items[i]
        if item.type == "command_parameter":
            key = text(item).lstrip("-").casefold()
            following = items[i + 1] if i + 1 < len(items) else None
            if following is None or following.type == "command_parameter":
                result.parameters[key] = True  # a switch
                i += 1
                continue
            result.parameters[key] = value(following)
            i += 2
            continue
        result.positional.append(value(item))
        i += 1
    return result


def walk(root: Node) -> Iterator[Node]:
    """Nodes in document order."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def commands(root: Node) -> list[Command]:
    """Every command in document order (inside script blocks too), with the variable a
    ``$x = Command ...`` statement assigns it to."""
    result = []
    for node in walk(root):
        if node.type != "command":
            continue
        assigned = None
        for parent in _ancestors(node):
            if parent.type == "assignment_expression":
                assigned = text(parent.named_children[0]).strip().lstrip("$")
                break
            if parent.type in {"statement_list", "script_block"}:
                break
        result.append(command(node, assigned))
    return result


def command_names(root: Node) -> list[str]:
    """The name of every command in document order."""
    return [command_name(n) for n in walk(root) if n.type == "command"]


def _ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def assignments(root: Node) -> list[tuple[str, Node]]:
    """(left side text, right side node) of each assignment, in document order."""
    found = []
    for node in walk(root):
        if node.type == "assignment_expression":
            left = node.named_children[0]
            right = node.child_by_field_name("value") or node.named_children[-1]
            found.append((text(left).strip(), right))
    return found
