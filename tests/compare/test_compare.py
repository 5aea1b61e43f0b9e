"""Matching and diffing: keyed, case-insensitive names, sets per member, precedence as order."""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

from driftcheck.compare import normalize
from driftcheck.compare import walk as compare_module
from driftcheck.compare.canonical import ConfigObject, DeferredSchema, MemberSet, Node
from driftcheck.compare.normalize import canonicalize
from driftcheck.compare.walk import (
    PRECEDENCE_ORDER,
    UnreadSchemaError,
    _longest_increasing,
    compare,
    compare_section,
    diff_values,
    precedence_changes,
)
from driftcheck.model.server import SchemaFingerprint
from driftcheck.pipeline.compare import SerialExecutor, resolve_schemas
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export
from tests.conftest import SAMPLES


def rule(name: str, precedence: int, group: str = "inbound|person", **fields: str) -> ConfigObject:
    body: Node = {"precedence": str(precedence), **fields}
    return ConfigObject(
        "sync-rule", name.casefold(), name, "contoso.com", "", body, group, precedence
    )


def index(*objects: ConfigObject) -> dict[str, ConfigObject]:
    return {o.key: o for o in objects}


def test_longest_increasing_subsequence() -> None:
    assert _longest_increasing([0, 1, 2, 3]) == {0, 1, 2, 3}
    assert len(_longest_increasing([1, 0, 2, 3])) == 3
    assert _longest_increasing([]) == set()


def test_renumbering_that_keeps_order_is_not_an_order_change() -> None:
    primary = index(rule("A", 100), rule("B", 101), rule("C", 102))
    staging = index(rule("A", 200), rule("B", 210), rule("C", 299))
    assert precedence_changes(primary, staging) == []


def test_swapped_rules_are_reported() -> None:
    primary = index(rule("A", 100), rule("B", 101), rule("C", 102), rule("D", 103))
    staging = index(rule("A", 100), rule("B", 103), rule("C", 102), rule("D", 104))
    moved = precedence_changes(primary, staging)
    assert len(moved) == 1
    assert moved[0].path == PRECEDENCE_ORDER
    assert moved[0].object in {"B", "C"}
    assert "rank" in moved[0].primary


def test_rule_added_on_one_side_does_not_shift_others() -> None:
    primary = index(rule("A", 100), rule("B", 101))
    staging = index(rule("A", 100), rule("New", 101), rule("B", 102))
    assert precedence_changes(primary, staging) == []


def test_order_across_unrelated_groups_is_not_compared() -> None:
    primary = index(rule("A", 100, "inbound|person"), rule("B", 101, "inbound|group"))
    staging = index(rule("A", 101, "inbound|person"), rule("B", 100, "inbound|group"))
    assert precedence_changes(primary, staging) == []


def test_objects_match_by_key_and_report_added_and_removed() -> None:
    primary = index(rule("A", 1), rule("Gone", 2))
    staging = index(rule("A", 1), rule("New", 3))
    changes = compare_section(primary, staging)
    assert [(c.object, c.change, c.path) for c in changes] == [
        ("Gone", "removed", ""),
        ("New", "added", ""),
    ]


def test_node_keys_match_ignoring_case() -> None:
    assert list(diff_values("", {"Department": "x"}, {"department": "x"})) == []


def test_nested_difference_paths() -> None:
    a: Node = {"attribute-flows": {"department": {"expression": "Trim([a])", "type": "expression"}}}
    b: Node = {
        "attribute-flows": {"department": {"expression": "Left([a],3)", "type": "expression"}}
    }
    assert list(diff_values("", a, b)) == [
        ("attribute-flows/department/expression", "modified", "Trim([a])", "Left([a],3)")
    ]


def test_set_members_reported_one_by_one() -> None:
    a: Node = {"inclusions": MemberSet.of(["OU=A", "OU=B"])}
    b: Node = {"inclusions": MemberSet.of(["ou=b", "OU=C"])}
    assert list(diff_values("", a, b)) == [
        ("inclusions", "removed", "OU=A", None),
        ("inclusions", "added", None, "OU=C"),
    ]


def test_ordered_lists_compare_by_order() -> None:
    a: Node = {"join-groups": ("x = x", "y = y")}
    b: Node = {"join-groups": ("y = y", "x = x")}
    assert list(diff_values("", a, b)) == [
        ("join-groups", "modified", ["x = x", "y = y"], ["y = y", "x = x"])
    ]


def test_differing_schemas_not_read_are_refused_not_guessed() -> None:
    def deferred(digest: str) -> DeferredSchema:
        return DeferredSchema(SchemaFingerprint(digest, 1, 2, "export", "Connectors/c.xml"))

    assert list(diff_values("schema", deferred("a"), deferred("a"))) == []
    with pytest.raises(UnreadSchemaError, match="schema: the two connector schemas differ"):
        list(diff_values("schema", deferred("a"), deferred("b")))
    with pytest.raises(UnreadSchemaError):
        list(diff_values("schema", deferred("a"), {"attributes": {}}))


# --- compare (and normalize before it) read no file -------------------------------------------

#: Modules (and their submodules) through which a stage could reach a file.
IO_MODULES = (
    "io",
    "os",
    "pathlib",
    "shutil",
    "tempfile",
    "zipfile",
    "lxml",
    "subprocess",
    "socket",
    "urllib",
    "driftcheck.read.files",
    "driftcheck.read.extract",
    "driftcheck.output.files",
    "driftcheck.pipeline.compare",
)
#: Names that open or read files, whatever module they would come from.
IO_NAMES = {"open", "read_bytes", "read_text", "read_export", "read_schema", "read_schemas"}


def imports_of(module: ModuleType) -> set[str]:
    """Every module ``module``'s source imports, and every name it uses."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            found.add(node.module or "")
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def names_used(module: ModuleType) -> set[str]:
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
    }


def is_module(name: str) -> bool:
    """``driftcheck.compare.walk`` is a module, ``driftcheck.errors.InputError`` is not."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module
        return False


def pure_closure(module: ModuleType) -> dict[str, set[str]]:
    """``module`` and every driftcheck module it imports, transitively: name -> imports."""
    todo, seen = [module], {}
    while todo:
        current = todo.pop()
        if current.__name__ in seen:
            continue
        imports = imports_of(current)
        seen[current.__name__] = imports
        for name in imports:
            if name.startswith("driftcheck.") and is_module(name):
                todo.append(importlib.import_module(name))
    return seen


@pytest.mark.parametrize("module", [normalize, compare_module], ids=lambda m: m.__name__)
def test_normalize_and_compare_import_nothing_that_reads_files(module: ModuleType) -> None:
    closure = pure_closure(module)
    assert {module.__name__, "driftcheck.compare.canonical", "driftcheck.model.server"} <= set(
        closure
    )
    if module is normalize:
        assert {"driftcheck.compare.sections", "driftcheck.model.expression"} <= set(closure)
    for name, imports in closure.items():
        reaching = {i for i in imports for bad in IO_MODULES if i == bad or i.startswith(bad + ".")}
        assert not reaching, f"{name} imports {sorted(reaching)}"
        used = names_used(importlib.import_module(name)) & IO_NAMES
        assert not used, f"{name} uses {sorted(used)}"


def no_file(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError(f"a file was opened: {args[:1]}")


@contextmanager
def files_closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every Python way of opening a file fails inside this block."""
    with monkeypatch.context() as closed:
        for target, name in ((builtins, "open"), (io, "open"), (os, "open"), (Path, "open")):
            closed.setattr(target, name, no_file)
        yield


def test_normalize_and_compare_run_with_files_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The samples (whose staging holds a connector schema that differs) canonicalized and
    compared with every way of opening a file made to fail; only the pipeline reads."""
    models = [
        server_configuration(read_export(SAMPLES / side), defer_schemas=True)
        for side in ("primary", "staging")
    ]
    with files_closed(monkeypatch):
        primary, staging = (canonicalize(m) for m in models)
    primary, staging = resolve_schemas(primary, staging, SerialExecutor())
    with files_closed(monkeypatch):
        changes = compare(primary, staging).changes
    assert any(c.path.startswith("schema/attributes/") for c in changes)
    export = read_export(SAMPLES / "primary")
    with pytest.raises(AssertionError, match="a file was opened"), files_closed(monkeypatch):
        export.load(export.mv)  # the patch does bite
