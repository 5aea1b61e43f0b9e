"""The policy file's [pending] table: thresholds per rule and connector, strict validation."""

from __future__ import annotations

import pytest

from driftcheck.errors import InputError
from driftcheck.model.vocab import Severity
from driftcheck.policy.file import parse_policy

GOOD = """
[pending]
deletion-threshold = 300

[pending.upn-change]
count = 50
share = 0.1
severity = "blocking"

[pending.connector."contoso.onmicrosoft.com - AAD"]
deletion-threshold = 1000

[pending.connector."contoso.onmicrosoft.com - AAD".upn-change]
count = 5
"""


def test_pending_table_fills_the_thresholds() -> None:
    t = parse_policy(GOOD, "p.toml").pending
    assert t.deletion_threshold == 300
    upn = t.settings("upn-change", "contoso.com")
    assert (upn.count, upn.share, upn.severity) == (50, 0.1, Severity.BLOCKING)
    aad = t.settings("upn-change", "contoso.onmicrosoft.com - AAD")
    assert (aad.count, aad.share, aad.severity) == (
        5,
        0.1,
        Severity.BLOCKING,
    )  # inherits the file's
    assert t.deletion_threshold_for("contoso.onmicrosoft.com - AAD", 500) == (
        1000,
        "policy file (connector)",
    )
    assert t.deletion_threshold_for("contoso.com", 500) == (300, "policy file")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[pending]\nfoo = 1\n", 2, "unknown key 'foo'"),
        ("[pending]\ndeletion-threshold = -1\n", 2, "whole number"),
        ("[pending.upn-change]\ncount = 0\n", 2, "count must be"),
        ("[pending.upn-change]\nshare = 5\n", 2, "share must be"),
        ('\n[pending.upn-change]\nseverity = "loud"\n', 3, "severity must be one of"),
        ("[pending.upn-change]\ntypo = 1\n", 2, "unknown key 'typo'"),
        ("[pending.connector.x]\nnot-a-rule = 1\n", 2, "unknown key 'not-a-rule'"),
    ],
)
def test_bad_pending_table_names_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_policy(text, "p.toml")
    assert info.value.file == "p.toml" and info.value.line == line, info.value.message
    assert words in info.value.message
