"""docs/pending-exports.md stays true to the rule catalogue."""

from __future__ import annotations

import importlib.util

from driftcheck.exports.rules import CATALOGUE
from tests.conftest import ROOT


def test_rule_table_is_made_from_the_catalogue() -> None:
    spec = importlib.util.spec_from_file_location(
        "pending_docs", ROOT / "tools" / "pending_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / "docs" / "pending-exports.md").read_text()
    assert module.render(text) == text, "run: .venv/bin/python tools/pending_docs.py"
    for rule in CATALOGUE:
        assert f"`{rule.id}`" in text and rule.scope and rule.why
