"""The bundled samples are exactly what tools/build_samples.py writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SAMPLES


def test_samples_are_regenerated_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_samples.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    built = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    bundled = {p.relative_to(SAMPLES): p.read_bytes() for p in SAMPLES.rglob("*") if p.is_file()}
    assert built.keys() == bundled.keys()
    assert [name for name in built if built[name] != bundled[name]] == []
