"""Measure HTML reports in headless Chromium (``make bench`` runs it on the bench estates).

    python bench/bench_report_browser.py REPORT.html [REPORT.html ...] [--runs 3] [--json OUT]

For each report, on a freshly loaded page per run (window 1400x900), as described in
``../shared/notes/measuring-the-report.md``:

* load: ``loadEventEnd`` and ``domContentLoadedEventEnd`` of the navigation entry;
* DOM size (elements) and the position of the first difference row;
* each control's latency, input to the next paint (dispatch, then two animation frames and a
  task): "only show changes" on and off, "hide out-of-box rules", a severity box, the connector
  filter, search, "Expand all" and "Collapse all" after it;
* the renderer process's resident memory after "Expand all" (``/proc/<pid>/status``);
* PDF pages of the printed page (CDP ``Page.printToPDF``).

Prints min and median per figure. Controls the page does not have are reported as absent, not
as failures: the script measures whatever report it is given. Chromium and chromedriver are
Debian's (``make browser``); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
)

#: Input to next paint: run ``action`` (a JS statement on ``el``), then wait two frames + a task.
TIME_ACTION = """
const [selector, action, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const el = selector ? document.querySelector(selector) : null;
if (selector && !el) { done(null); return; }
window.confirm = () => true;
const t0 = performance.now();
(new Function("el", action))(el);
requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(
  () => done(performance.now() - t0), 0)));
"""

CLICK = "el.click();"
SELECT_SECOND = (
    "el.selectedIndex = Math.min(1, el.options.length - 1);"
    "el.dispatchEvent(new Event('change', {bubbles: true}));"
)
SELECT_FIRST = "el.selectedIndex = 0; el.dispatchEvent(new Event('change', {bubbles: true}));"
SEARCH = "el.value = 'department'; el.dispatchEvent(new Event('input', {bubbles: true}));"
CLEAR = "el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true}));"

#: (figure, selector, action). Order matters: each control leaves its state to the next.
CONTROLS: tuple[tuple[str, str, str], ...] = (
    ("only changes on", "#f-changes", CLICK),
    ("only changes off", "#f-changes", CLICK),
    ("hide out-of-box on", "#f-oob", CLICK),
    ("hide out-of-box off", "#f-oob", CLICK),
    ("severity box off", '.f-sev[value="info"]', CLICK),
    ("severity box on", '.f-sev[value="info"]', CLICK),
    ("connector: one", "#f-conn", SELECT_SECOND),
    ("connector: all", "#f-conn", SELECT_FIRST),
    ("search", "#f-text", SEARCH),
    ("search cleared", "#f-text", CLEAR),
    ("expand all", "#b-open", CLICK),
    ("collapse all", "#b-close", CLICK),
)

FIRST_DIFFERENCE = """
const rows = Array.from(document.querySelectorAll('tr.dr, [data-first-difference]'));
const row = rows.find(r => r.getClientRects().length > 0);
return row ? row.getBoundingClientRect().top + window.scrollY : null;
"""


@contextmanager
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="driftcheck-bench-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(300)
    driver.set_script_timeout(300)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def renderer_rss(driver: Any) -> int | None:
    """Resident memory (bytes) of the largest renderer of this browser: the tab's real cost.

    The renderers are found in /proc by the profile folder on their command line.
    """
    profile = driver.capabilities.get("chrome", {}).get("userDataDir", "")
    best = None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            # Chromium rewrites its title: the arguments may be one space-separated string
            cmdline = (proc / "cmdline").read_bytes()
            status = (proc / "status").read_text()
        except OSError:
            continue
        if b"--type=renderer" not in cmdline:
            continue
        if profile and profile.encode() not in cmdline:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            best = max(best or 0, int(match.group(1)) * 1024)
    return best


def pdf_pages(driver: Any) -> int | None:
    try:
        result = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
    except Exception:
        return None
    data = base64.b64decode(result["data"])
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def measure_once(driver: Any, url: str, print_pdf: bool) -> dict[str, float | None]:
    driver.get("about:blank")
    driver.get(url)
    figures: dict[str, float | None] = {}
    nav = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return [n.loadEventEnd - n.startTime, n.domContentLoadedEventEnd - n.startTime];"
    )
    figures["load event (s)"] = nav[0] / 1000
    figures["DOMContentLoaded (s)"] = nav[1] / 1000
    figures["DOM elements"] = driver.execute_script(
        "return document.getElementsByTagName('*').length"
    )
    figures["first difference (px)"] = driver.execute_script(FIRST_DIFFERENCE)
    for name, selector, action in CONTROLS:
        if action is SEARCH or action is CLEAR:
            # the search box is debounced: give it time, then measure the next paint
            elapsed = driver.execute_async_script(TIME_ACTION, selector, action)
            driver.execute_async_script("setTimeout(arguments[0], 400)")
        else:
            elapsed = driver.execute_async_script(TIME_ACTION, selector, action)
        figures[f"{name} (s)"] = None if elapsed is None else elapsed / 1000
        if name == "expand all":
            rss = renderer_rss(driver)
            figures["renderer RSS after expand (MB)"] = None if rss is None else rss / 1e6
    if print_pdf:
        driver.get(url)
        figures["printed pages"] = pdf_pages(driver)
    return figures


def summarise(runs: list[dict[str, float | None]]) -> dict[str, dict[str, float] | None]:
    out: dict[str, dict[str, float] | None] = {}
    for key in runs[0]:
        values = [r[key] for r in runs if r.get(key) is not None]
        numbers = [float(v) for v in values if v is not None]
        out[key] = {"min": min(numbers), "median": statistics.median(numbers)} if numbers else None
    return out


def fmt(value: float, key: str) -> str:
    if key.endswith("(s)"):
        return f"{value:.3f}"
    return f"{value:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--no-print", action="store_true", help="skip the PDF page count")
    args = parser.parse_args(argv)
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.is_file():
            print(f"bench_report_browser: {path} missing: run 'make browser'", file=sys.stderr)
            return 2
    results: dict[str, Any] = {}
    with browser() as driver:
        for report in args.reports:
            if not report.is_file():
                print(f"bench_report_browser: {report}: no such file", file=sys.stderr)
                return 2
            url = report.resolve().as_uri()
            runs = [
                measure_once(driver, url, print_pdf=(i == 0 and not args.no_print))
                for i in range(args.runs)
            ]
            summary = summarise(runs)
            results[str(report)] = summary
            size = report.stat().st_size / 1e6
            print(f"\n== {report} ({size:.1f} MB), {args.runs} runs: min / median ==")
            for key, value in summary.items():
                shown = (
                    "absent"
                    if value is None
                    else (f"{fmt(value['min'], key)} / {fmt(value['median'], key)}")
                )
                print(f"  {key:34} {shown}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
