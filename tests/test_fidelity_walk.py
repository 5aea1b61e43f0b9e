"""The fidelity walk (tests/fidelitywalk.py): a seeded subset here, every site with
``make fidelity`` (DRIFTCHECK_FIDELITY=all). Each plant must be judged as its site expects:
reported on the right object, hidden by the named ignore rule, refused, or one of the known
gaps listed by name. A site the walk has never seen judged otherwise fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import fidelitywalk as fw
from tests.conftest import REFERENCE, SAMPLES

SUBSET = 40


@pytest.mark.parametrize("which", ["contoso", "samples"])
def test_every_planted_change_is_judged_as_its_site_expects(
    which: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = REFERENCE if which == "contoso" else SAMPLES / "primary"
    if not export.is_dir():
        pytest.skip("../shared/reference-exports/contoso is not present")
    every = fw.plants(export)
    assert len(every) > 500  # every site of every file kind, not a hand list
    full = os.environ.get("DRIFTCHECK_FIDELITY") == "all"
    chosen = every if full else fw.sample(every, SUBSET, seed=21)
    results = fw.walk(export, tmp_path, chosen)
    wrong = [
        f"{p.kind} {p.site} ({p.file}): {verdict}, expected {fw.expected(p)[0]}"
        for p, verdict in results
        if not fw.matches(verdict, fw.expected(p)[0])
    ]
    with capsys.disabled():
        print(f"\nfidelity walk on {which}: " + "\n".join(fw.summary(results)))
    assert not wrong, "\n".join(wrong)


def test_the_walk_reports_a_planted_rule_change_on_its_rule(tmp_path: Path) -> None:
    every = fw.plants(SAMPLES / "primary")
    plant = next(
        p
        for p in every
        if p.site.endswith("synchronizationRule/attribute-mappings/mapping/expression")
        and p.kind == "value"
    )
    [(_, verdict)] = fw.walk(SAMPLES / "primary", tmp_path, [plant])
    assert verdict == "reported"
