"""The report's "new since the last run" filter in headless Chromium (skips without it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftcheck.history.tracking import track
from driftcheck.pipeline.compare import compare_exports
from driftcheck.render.html import render_html
from tests.cli.test_history_cli import SUSPENDED, staging_night
from tests.conftest import SAMPLES
from tests.render.test_browser import start_browser  # noqa: F401  (the fixture)


def test_new_only_filter_hides_the_rows_seen_before(
    tmp_path: Path,
    start_browser: Callable[..., Any],  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    history = tmp_path / "h.sqlite"
    first = compare_exports(SAMPLES / "primary", SAMPLES / "staging")
    track(first, history, at=datetime(2026, 11, 1, tzinfo=UTC))
    staging = staging_night(tmp_path, "s2", "2026-11-02", **{SUSPENDED: "True"})
    second, _ = track(
        compare_exports(SAMPLES / "primary", staging), history, at=datetime(2026, 11, 2, tzinfo=UTC)
    )
    page = tmp_path / "report.html"
    page.write_text(render_html(second), encoding="utf-8")
    driver = start_browser()
    driver.get(page.as_uri())

    def visible_rows() -> list[str]:
        rows = driver.find_elements(By.CSS_SELECTOR, "tr.dr")
        return [r.text for r in rows if r.is_displayed()]

    everything = visible_rows()
    assert len(everything) > 1
    box = driver.find_element(By.ID, "f-new")
    box.click()
    only_new = visible_rows()
    assert len(only_new) == 1 and SUSPENDED in only_new[0] and "NEW" in only_new[0].upper()
    box.click()
    assert visible_rows() == everything
