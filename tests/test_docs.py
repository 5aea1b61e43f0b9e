"""The documentation stays true to the code: every built-in rule is documented."""

from __future__ import annotations

from driftcheck.policy import BUILT_IN_IGNORE_RULES, BUILT_IN_SEVERITY_RULES
from tests.conftest import ROOT


def test_every_built_in_rule_is_documented() -> None:
    text = (ROOT / "docs" / "ignore-rules.md").read_text()
    for rule in (*BUILT_IN_IGNORE_RULES, *BUILT_IN_SEVERITY_RULES):
        assert f"`{rule.id}`" in text, rule.id


def test_readme_quick_start_commands() -> None:
    text = (ROOT / "README.md").read_text()
    quick_start = text[: text.index("\n## ", text.index("## Quick start") + 1)]
    assert "make demo" in quick_start and "make test" in quick_start
