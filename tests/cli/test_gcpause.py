"""The cyclic garbage collector is paused while ``compare`` runs, and only then."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftcheck.cli import app as cli
from driftcheck.cli import common as cli_common
from driftcheck.cli.gcpause import collector_paused
from driftcheck.pipeline import compare as pipeline

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_paused_during_the_call_and_resumed_after() -> None:
    def command(answer: int) -> tuple[bool, int]:
        return gc.isenabled(), answer

    assert collector_paused(command)(7) == (False, 7)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_resumed_after_an_error() -> None:
    def fails() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        collector_paused(fails)()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_left_off_when_it_was_off() -> None:
    gc.disable()
    collector_paused(lambda: None)()
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_compare_runs_paused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[bool] = []
    real = pipeline.compare_exports

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_common, "compare_exports", spy)
    code = cli.main(
        [
            "compare",
            str(SAMPLES / "primary"),
            str(SAMPLES / "staging"),
            "-q",
            "--json",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 1  # the samples drift
    assert seen == [False]
    assert gc.isenabled()
