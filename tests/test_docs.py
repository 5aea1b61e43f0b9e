"""The documentation stays true to the code: every built-in rule is documented."""

from __future__ import annotations

from driftcheck.policy.builtin import BUILT_IN_IGNORE_RULES, BUILT_IN_SEVERITY_RULES
from driftcheck.policy.matching import IgnoreRule, SeverityRule
from tests.conftest import ROOT

BUILT_IN_RULES: tuple[IgnoreRule | SeverityRule, ...] = (
    *BUILT_IN_IGNORE_RULES,
    *BUILT_IN_SEVERITY_RULES,
)


def test_every_built_in_rule_is_documented() -> None:
    text = (ROOT / "docs" / "ignore-rules.md").read_text()
    for rule in BUILT_IN_RULES:
        assert f"`{rule.id}`" in text, rule.id


def test_readme_quick_start_commands() -> None:
    text = (ROOT / "README.md").read_text()
    quick_start = text[: text.index("\n## ", text.index("## Quick start") + 1)]
    assert "make demo" in quick_start and "make test" in quick_start


def test_rule_tables_are_made_from_the_catalogue() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("rule_docs", ROOT / "tools" / "rule_docs.py")
    assert spec is not None and spec.loader is not None
    rule_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rule_docs)
    text = (ROOT / "docs" / "ignore-rules.md").read_text()
    assert rule_docs.render(text) == text, "run: .venv/bin/python tools/rule_docs.py"
    for rule in BUILT_IN_RULES:
        assert rule.scope, f"{rule.id} needs a scope (what it matches, in words)"
