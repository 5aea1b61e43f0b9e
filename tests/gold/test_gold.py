"""Gold files: what users see of the bundled samples, byte for byte.

Each case runs the real command line (a fresh interpreter, today pinned to GOLD_DAY so support
status does not drift with the calendar) from the repository root on the bundled samples, and
compares every output file, the printed summary and the exit code with the files under
tests/gold/. The tool version is the only thing normalised (and the temporary folder the outputs are
written to, where the summary names them).

A change that is meant to change the output regenerates them on purpose (CONTRIBUTING.md):

    DRIFTCHECK_UPDATE_GOLD=1 .venv/bin/python -m pytest -q tests/gold

then read `git diff tests/gold` before committing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from driftcheck import __version__

ROOT = Path(__file__).resolve().parents[2]
GOLD = Path(__file__).resolve().parent / "files"
GOLD_DAY = (2026, 12, 7)
VERSION_MARK = "@VERSION@"
OUT_MARK = "@OUT@"

# Runs driftcheck's command line with date.today() pinned (before driftcheck is imported).
LAUNCHER = f"""
import datetime, sys
class _GoldDate(datetime.date):
    @classmethod
    def today(cls):
        return cls{GOLD_DAY!r}
datetime.date = _GoldDate
import runpy
sys.argv = ["driftcheck", *sys.argv[1:]]
runpy.run_module("driftcheck", run_name="__main__", alter_sys=True)
"""

# name -> (arguments, {output option: file suffix})
CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "compare-staging": (
        ["compare", "samples/primary", "samples/staging"],
        {"--json": "json", "--html": "html", "--junit": "junit.xml", "--script": "ps1"},
    ),
    "compare-staging-upgraded": (
        ["compare", "samples/primary", "samples/staging-upgraded"],
        {"--json": "json", "--html": "html", "--junit": "junit.xml", "--script": "ps1"},
    ),
    "check-primary": (
        ["check", "samples/primary", "--as-of", "2026-12-07"],
        {"--json": "json", "--html": "html"},
    ),
}


def normalise(text: str, out: Path) -> str:
    """The outputs with the tool version (and the temporary output folder) replaced."""
    return text.replace(__version__, VERSION_MARK).replace(str(out), OUT_MARK)


def run_case(name: str, out: Path) -> dict[str, str]:
    """Run one case; return {gold file name: normalised content}."""
    args, outputs = CASES[name]
    command = [sys.executable, "-c", LAUNCHER, *args]
    for option, suffix in outputs.items():
        command += [option, str(out / f"{name}.{suffix}")]
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    files = {
        f"{name}.{suffix}": (out / f"{name}.{suffix}").read_bytes().decode("utf-8")
        for suffix in outputs.values()
    }
    files[f"{name}.txt"] = done.stdout
    files[f"{name}.exit"] = f"{done.returncode}\n"
    return {file: normalise(text, out) for file, text in files.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_match_gold_files(name: str, tmp_path: Path) -> None:
    produced = run_case(name, tmp_path)
    if os.environ.get("DRIFTCHECK_UPDATE_GOLD") == "1":
        GOLD.mkdir(exist_ok=True)
        for file, text in produced.items():
            (GOLD / file).write_bytes(text.encode("utf-8"))
    for file, text in produced.items():
        gold = (GOLD / file).read_bytes().decode("utf-8") if (GOLD / file).exists() else None
        assert gold is not None, f"no gold file {file}: regenerate (see module docstring)"
        assert text == gold, f"{file} differs from its gold file"
