"""The tests follow the package layout, and no test reaches into another package's private names.

A test in ``tests/<package>/`` may use the ``_private`` names of ``driftcheck.<package>`` (it
tests that package from inside); every other test, and every other package, only public names.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

TESTS = ROOT / "tests"
PACKAGES = {
    p.name for p in (ROOT / "src" / "driftcheck").iterdir() if (p / "__init__.py").is_file()
}


def _own_package(test_file: Path) -> str | None:
    parts = test_file.relative_to(TESTS).parts
    return parts[0] if len(parts) > 1 and parts[0] in PACKAGES else None


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _module_of(dotted: str) -> str | None:
    """``driftcheck.read.files.os`` -> ``read`` (the package), else None."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "driftcheck" and len(parts) > 1 else None


def private_reaches(source: str, own: str | None) -> list[str]:
    """Every use in ``source`` (a test of package ``own``) of another package's private name."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> driftcheck module it stands for
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("driftcheck"):
            module = node.module or ""
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
                if _private(alias.name) and _module_of(module) != own:
                    found.append(f"{module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("driftcheck.") and alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value  # monkeypatch.setattr("driftcheck.x.y._z", ...)
            dotted = value.startswith("driftcheck.") and " " not in value
            if dotted and any(map(_private, value.split("."))) and _module_of(value) != own:
                found.append(value)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = aliases.get(node.value.id)
            if target and _private(node.attr) and _module_of(target) != own:
                found.append(f"{target}.{node.attr}")
        if isinstance(node, ast.Call) and len(node.args) >= 2:  # monkeypatch.setattr(mod, "_x")
            first, second = node.args[0], node.args[1]
            if isinstance(first, ast.Name) and isinstance(second, ast.Constant):
                target = aliases.get(first.id)
                name = second.value if isinstance(second.value, str) else ""
                if target and _private(name) and _module_of(target) != own:
                    found.append(f"{target}.{name}")
    return found


def test_no_test_reaches_into_another_packages_private_names() -> None:
    reaches = {}
    for path in sorted(TESTS.rglob("*.py")):
        if path != Path(__file__):
            found = private_reaches(path.read_text("utf-8"), _own_package(path))
            if found:
                reaches[str(path.relative_to(ROOT))] = found
    assert reaches == {}


def test_the_checker_sees_a_private_reach() -> None:
    source = "\n".join(
        [
            "from driftcheck.read.files import _hidden",
            "from driftcheck.render import script as s",
            "import driftcheck.output.files as f",
            "s._own_is_fine",
            "f._stage",
            'monkeypatch.setattr(f, "_write", None)',
            'monkeypatch.setattr("driftcheck.read.files._open", None)',
        ]
    )
    assert sorted(private_reaches(source, "render")) == [
        "driftcheck.output.files._stage",
        "driftcheck.output.files._write",
        "driftcheck.read.files._hidden",
        "driftcheck.read.files._open",
    ]
    assert "driftcheck.read.files._hidden" not in private_reaches(source, "read")


def test_tests_mirror_the_packages() -> None:
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders - {"gold"} <= PACKAGES
    for folder in folders:
        assert list((TESTS / folder).glob("test_*.py")), f"tests/{folder} holds no test"
