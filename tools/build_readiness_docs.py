"""Rewrite docs/readiness-checks.md from the check catalogue (see driftcheck.checks.docs)."""

from __future__ import annotations

from pathlib import Path

from driftcheck.checks.docs import catalogue_markdown

TARGET = Path(__file__).resolve().parents[1] / "docs" / "readiness-checks.md"

if __name__ == "__main__":
    TARGET.write_text(catalogue_markdown(), encoding="utf-8")
    print(f"written: {TARGET}")
