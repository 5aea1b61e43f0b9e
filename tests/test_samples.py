"""The bundled samples are exactly what the export kit writes, and their manifest is sound."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_samples_are_regenerated_byte_for_byte() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_samples.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "identical" in done.stdout
