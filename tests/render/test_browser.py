"""The HTML report in a real browser: headless Chromium driven by selenium.

Chromium and chromedriver are Debian's (``tools/ensure-browser.sh``, run by ``make test``);
selenium is given /usr/bin/chromedriver and never downloads anything. Where they are missing
the tests skip locally with the reason, and FAIL in CI (``CI=true``): the browser steps are
part of the contract. Any failing step fails the test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from driftcheck.pipeline.compare import compare_exports
from driftcheck.render.html import render_html

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
    "--window-size=1400,1000",
)
EVIL = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'
RULE = "In from AD - User Department Fixup"
LAZY_RULE = "In from AD - Contact Join"
#: What "Expand all" and "Collapse all" open and close (not the contents' own lists).
FOLDABLE = ":is(details.obj, details.gg, details.rule)"


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.is_file():
            return f"{path} is missing (run tools/ensure-browser.sh)"
    return None


def _require_browser() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests need Chromium: {reason}")


@pytest.fixture(scope="module")
def start_browser() -> Iterator[Callable[..., Any]]:
    """A function starting headless Chromium (JavaScript on or off); all are quit at the end."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers: list[Any] = []
    profiles: list[str] = []

    def start(*, javascript: bool = True) -> Any:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        profile = tempfile.mkdtemp(prefix="driftcheck-chromium-")
        profiles.append(profile)
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        if not javascript:
            options.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2}
            )
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(
            service=Service(executable_path=str(CHROMEDRIVER)), options=options
        )
        driver.set_page_load_timeout(60)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()
    for profile in profiles:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples report, with markup and script planted in a sync rule's description."""
    from tests.conftest import SAMPLES

    root = tmp_path_factory.mktemp("browser")
    staging = root / "staging"
    shutil.copytree(SAMPLES / "staging", staging)
    escaped = EVIL.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    planted = 0
    for rule in (staging / "SynchronizationRules").iterdir():
        data = rule.read_bytes()
        if f"<name>{RULE}</name>".encode() in data and b"<description>" in data:
            start = data.index(b"<description>") + len(b"<description>")
            end = data.index(b"</description>")
            rule.write_bytes(data[:start] + escaped.encode() + data[end:])
            planted += 1
    assert planted == 1, "the description was planted"
    # and in an unchanged rule on both servers: its table is built in the page when opened
    primary = root / "primary"
    shutil.copytree(SAMPLES / "primary", primary)
    lazy = 0
    for export in (primary, staging):
        for rule in (export / "SynchronizationRules").iterdir():
            data = rule.read_bytes()
            if f"<name>{LAZY_RULE}</name>".encode() in data and b"<description />" in data:
                text = f"<description>{escaped}</description>".encode()
                rule.write_bytes(data.replace(b"<description />", text, 1))
                lazy += 1
    assert lazy == 4, "planted in both servers' two Contact Join rules"
    report = compare_exports(primary, staging)
    path = root / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page(start_browser: Callable[..., Any], report_file: Path) -> Any:
    driver = start_browser()
    driver.get(report_file.as_uri())
    return driver


def shown(driver: Any, css: str) -> bool:
    from selenium.webdriver.common.by import By

    return bool(driver.find_element(By.CSS_SELECTOR, css).is_displayed())


FIND_RULE = """
const [name, connector] = arguments;
for (const rule of document.querySelectorAll("#s-sync-rule details.obj")) {
  const heading = rule.closest("section.rg").querySelector("h3").textContent;
  if (rule.querySelector("summary .name").textContent === name
      && heading.startsWith(connector + " ·")) { return rule.id; }
}
return null;
"""


def rule_id(driver: Any, name: str, connector: str) -> str:
    """The anchor of a sync rule's side-by-side view, found by its name and group."""
    found = driver.execute_script(FIND_RULE, name, connector)
    assert found, f"no rule {name!r} of {connector!r} in the report"
    return str(found)


def click(driver: Any, element_id: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, element_id).click()


def test_injected_script_does_not_run_and_shows_as_text(page: Any) -> None:
    from selenium.webdriver.common.by import By

    assert page.execute_script("return window.__xss") is None
    assert page.find_elements(By.CSS_SELECTOR, 'main img, main script, img[src="x"]') == []
    target = rule_id(page, RULE, "fabrikam.com")
    text = page.find_element(By.ID, target).text
    assert "<script>window.__xss = 1</script>" in text
    errors = [e for e in page.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors


def test_script_in_a_closed_objects_text_stays_text_when_built(page: Any) -> None:
    from selenium.webdriver.common.by import By

    page.get(page.current_url.split("#")[0])
    target = rule_id(page, LAZY_RULE, "fabrikam.com")
    assert page.find_elements(By.CSS_SELECTOR, f"#{target} > noscript.lazy")
    page.execute_script(f"location.hash = '#{target}'")
    table = page.find_element(By.CSS_SELECTOR, f"#{target} table.cfg")
    assert "<script>window.__xss = 1</script>" in table.text
    assert page.execute_script("return window.__xss") is None
    assert page.find_elements(By.CSS_SELECTOR, 'main img, main script, img[src="x"]') == []


def test_controls_filter_the_report(page: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    assert shown(page, "#controls")
    total = page.find_element(By.ID, "shown").text
    assert total.endswith("objects")
    fixup = "#" + rule_id(page, RULE, "fabrikam.com")
    unchanged = "#" + rule_id(page, "In from AD - Contact Join", "fabrikam.com")
    custom_join = "#" + rule_id(
        page, "In from AD - EMEA User Join on EmployeeID", "emea.fabrikam.com"
    )
    oob_changed = "#" + rule_id(
        page, "Out to AAD - User ExchangeOnline", "fabrikam.onmicrosoft.com - AAD"
    )
    info_rule = "#" + rule_id(
        page, "Out to AAD - User UsageLocation", "fabrikam.onmicrosoft.com - AAD"
    )

    # only show changes: unchanged rules go, changed ones stay
    assert shown(page, unchanged)
    click(page, "f-changes")
    assert not shown(page, unchanged) and shown(page, fixup)
    assert "of" in page.find_element(By.ID, "shown").text
    # inside a changed rule only the changed rows stay, under their headings
    rows = page.find_elements(By.CSS_SELECTOR, f"{fixup} table.cfg tbody tr")
    visible = [r.text for r in rows if r.is_displayed()]
    assert any(t.startswith("department") for t in visible), visible
    assert not any(t.startswith(("link-type", "id ")) for t in visible), visible
    assert len(visible) < len(rows)
    click(page, "f-changes")
    assert shown(page, unchanged)

    # hide out-of-box rules
    click(page, "f-oob")
    assert not shown(page, oob_changed) and shown(page, fixup)
    click(page, "f-oob")
    assert shown(page, oob_changed)

    # severity: without blocking, a blocking-only rule goes, an info one stays
    blocking = page.find_element(By.CSS_SELECTOR, '.f-sev[value="blocking"]')
    blocking.click()
    assert not shown(page, oob_changed) and shown(page, info_rule)
    assert shown(page, fixup), "its planted description is an info difference"
    assert not any(
        r.is_displayed() for r in page.find_elements(By.CSS_SELECTOR, 'tr.dr[data-sev="blocking"]')
    )
    blocking.click()
    assert shown(page, oob_changed)

    # connector: only emea.fabrikam.com
    select = Select(page.find_element(By.ID, "f-conn"))
    select.select_by_visible_text("emea.fabrikam.com")
    assert shown(page, custom_join) and not shown(page, fixup)
    select.select_by_index(0)
    assert shown(page, fixup)

    # text search (debounced): an attribute only the changed expression mentions
    search = page.find_element(By.ID, "f-text")
    search.send_keys("extensionAttribute5")
    WebDriverWait(page, 5).until(lambda d: not shown(d, unchanged))
    assert shown(page, fixup)
    search.clear()
    page.execute_script("document.getElementById('f-text').dispatchEvent(new Event('input'))")
    WebDriverWait(page, 5).until(lambda d: shown(d, unchanged))

    # expand and collapse all: a closed object's table is built once it is open and on screen
    click(page, "b-open")
    assert (
        page.execute_script(f"return document.querySelectorAll('{FOLDABLE}:not([open])').length")
        == 0
    )
    page.execute_script(f"document.querySelector('{unchanged}').scrollIntoView()")
    WebDriverWait(page, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f"{unchanged} table.cfg").is_displayed()
    )
    click(page, "b-close")
    assert page.execute_script(f"return document.querySelectorAll('{FOLDABLE}[open]').length") == 0
    assert not page.find_element(By.CSS_SELECTOR, f"{fixup} table.cfg").is_displayed()
    assert page.find_element(By.ID, "shown").text == total


def test_link_to_a_collapsed_rule_opens_it(page: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    click(page, "b-close")
    target = rule_id(page, "In from AD - Contact Join", "fabrikam.com")
    link = page.find_element(By.CSS_SELECTOR, f'nav#toc a[href="#{target}"]')
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    # the table is built by the hashchange handler, which runs after the click returns
    WebDriverWait(page, 5).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, f"#{target} table.cfg")
            and d.find_element(By.CSS_SELECTOR, f"#{target} table.cfg").is_displayed()
        )
    )

    def position() -> tuple[float, float]:
        bar = page.execute_script(
            "return document.getElementById('controls').getBoundingClientRect().bottom"
        )
        top = page.execute_script(
            f"return document.getElementById('{target}').getBoundingClientRect().top"
        )
        return float(bar), float(top)

    # the target lands below the sticky bar, not under it (once the scroll has settled)
    WebDriverWait(page, 5).until(lambda _: position()[0] <= position()[1] < position()[0] + 100)
    bar, top = position()
    assert bar <= top < bar + 100, (bar, top)


def test_focused_links_are_not_hidden_under_the_sticky_bar(page: Any) -> None:
    page.get(page.current_url.split("#")[0])
    page.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    covered = page.execute_script(
        """
        const bar = document.getElementById('controls').getBoundingClientRect().bottom;
        const links = Array.from(document.querySelectorAll('nav#toc a, table.dif a'));
        const bad = [];
        for (const a of links.slice(0, 40)) {
          window.scrollTo(0, document.body.scrollHeight);
          a.focus();
          const r = a.getBoundingClientRect();
          if (r.height && r.top < bar) { bad.push([a.textContent, r.top, bar]); }
        }
        return bad;
        """
    )
    assert covered == []


def test_without_javascript_everything_is_readable(
    start_browser: Callable[..., Any], report_file: Path
) -> None:
    from selenium.webdriver.common.by import By

    driver = start_browser(javascript=False)
    driver.get(report_file.as_uri())
    assert not shown(driver, "#controls"), "controls need the script"
    assert shown(driver, "#verdict") and shown(driver, "table.summary")
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.dr")
    assert rows and all(r.is_displayed() for r in rows)
    hidden = driver.execute_script(
        "return Array.from(document.querySelectorAll('main [hidden]')).length"
    )
    assert hidden == 0
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "attribute-flows/department/expression" in text
    assert driver.execute_script("return window.__xss") is None


def test_first_difference_is_on_the_first_screen(page: Any) -> None:
    """Straight under the verdict: the first row of the differences table is visible without
    scrolling (window 1400 x 1000)."""
    page.get(page.current_url.split("#")[0])
    top = page.execute_script(
        "const r = document.querySelector('tr.dr'); return r.getBoundingClientRect().top;"
    )
    verdict = page.execute_script(
        "return document.getElementById('verdict').getBoundingClientRect().bottom;"
    )
    height = page.execute_script("return window.innerHeight")
    assert verdict < top < height, (verdict, top, height)
    assert page.execute_script("return document.querySelector('.skip').hash") == "#differences"


def test_a_closed_objects_table_is_built_when_opened(page: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.get(page.current_url.split("#")[0])
    target = rule_id(page, "In from AD - Contact Join", "fabrikam.com")
    assert page.find_elements(By.CSS_SELECTOR, f"#{target} table.cfg") == []
    assert page.find_elements(By.CSS_SELECTOR, f"#{target} > noscript.lazy")
    summary = page.find_element(By.CSS_SELECTOR, f"#{target} > summary")
    page.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    WebDriverWait(page, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f"#{target} table.cfg").is_displayed()
    )
    assert page.find_elements(By.CSS_SELECTOR, f"#{target} > noscript.lazy") == []
    text = page.find_element(By.ID, target).text
    assert "Attribute flows" in text
    # an equal value, kept once in the page's text, is shown in both columns
    cells = page.execute_script(
        "const row = Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'))"
        "  .find(r => r.querySelector('th').textContent === 'link-type');"
        "return Array.from(row.querySelectorAll('td')).map(td => td.textContent.trim());",
        f"#{target}",
    )
    assert len(cells) == 2 and cells[0] == cells[1] != ""
    # a suppressed-differences rule is built the same way
    rule = page.find_element(By.CSS_SELECTOR, "details.rule > summary")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", rule)
    rule.click()
    WebDriverWait(page, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "details.rule[open] table.sup").is_displayed()
    )


def test_search_highlights_opens_and_filters_contents(page: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.get(page.current_url.split("#")[0])
    target = rule_id(page, "In from AD - Contact Join", "fabrikam.com")
    other = rule_id(page, "In from AD - User Join", "fabrikam.com")
    search = page.find_element(By.ID, "f-text")
    # text only inside the closed rule's table: the rule opens, the others go
    search.send_keys("In from AD - Contact Join")
    WebDriverWait(page, 5).until(lambda d: not shown(d, f"#{other}"))
    assert shown(page, f"#{target}")
    assert page.execute_script(f"return document.getElementById('{target}').open")
    toc = page.find_element(By.CSS_SELECTOR, f'nav#toc li[data-for="{other}"]')
    assert not toc.is_displayed()
    WebDriverWait(page, 5).until(
        lambda d: d.execute_script("return CSS.highlights.get('dc-search').size") >= 1
    )
    search.clear()
    page.execute_script("document.getElementById('f-text').dispatchEvent(new Event('change'))")
    assert page.find_element(By.CSS_SELECTOR, f'nav#toc li[data-for="{other}"]').is_displayed()


def test_only_changes_filters_summary_and_contents(page: Any) -> None:
    from selenium.webdriver.common.by import By

    page.get(page.current_url.split("#")[0])
    unchanged = rule_id(page, "In from AD - Contact Join", "fabrikam.com")
    entry = page.find_element(By.CSS_SELECTOR, f'nav#toc li[data-for="{unchanged}"]')
    assert entry.is_displayed()
    click(page, "f-changes")
    assert not entry.is_displayed()
    assert not shown(page, "#summary-unchanged")
    click(page, "f-changes")
    assert entry.is_displayed()


AXE = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "axe-core" / "axe.min.js"


def test_no_serious_accessibility_findings(page: Any) -> None:
    """axe-core (installed by make browser) finds nothing serious or critical."""
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core must be installed in CI (make browser)", pytrace=False)
        pytest.skip("axe-core is not installed: run make browser")
    page.get(page.current_url.split("#")[0])
    page.execute_script(AXE.read_text(encoding="utf-8"))
    page.set_script_timeout(120)
    result = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map(v => ["
        "  v.id, v.impact, v.nodes.length, v.nodes.slice(0, 3).map(n => n.target.join(' '))"
        "]))).catch(e => done([['error', String(e), 0, []]]));"
    )
    serious = [v for v in result if v[1] in ("serious", "critical") or v[0] == "error"]
    assert serious == [], serious


def test_printing_shows_the_changes_unless_everything_is_asked_for(page: Any) -> None:
    from selenium.webdriver.common.by import By

    page.get(page.current_url.split("#")[0])
    unchanged = "#" + rule_id(page, "In from AD - Contact Join", "fabrikam.com")
    fixup = "#" + rule_id(page, RULE, "fabrikam.com")
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not shown(page, unchanged) and shown(page, fixup)
        assert shown(page, "tr.dr") and not shown(page, "nav#toc")
        page.execute_script("document.getElementById('f-print').click()")
        assert shown(page, unchanged)
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        page.execute_script("document.getElementById('f-print').click()")
    assert page.find_element(By.ID, "controls").is_displayed()


def test_expand_all_asks_before_opening_hundreds_of_objects(
    start_browser: Callable[..., Any], tmp_path: Path
) -> None:
    from exportkit import estate
    from selenium.webdriver.support.ui import WebDriverWait

    estate.write_pair(tmp_path, connectors=9, rules_per_connector=36, drift=4, seed=3)
    path = tmp_path / "report.html"
    report = compare_exports(tmp_path / "primary", tmp_path / "staging")
    path.write_text(render_html(report), encoding="utf-8")
    driver = start_browser()
    driver.get(path.as_uri())
    count = "return document.querySelectorAll('details.obj[open]').length"
    closed = driver.execute_script("return document.querySelectorAll('details.obj').length")
    before = driver.execute_script(count)
    assert closed - before > 300
    click(driver, "b-open")
    alert = WebDriverWait(driver, 5).until(lambda d: d.switch_to.alert)
    assert "Open all" in alert.text
    alert.dismiss()
    assert driver.execute_script(count) == before
    # with a filter showing fewer objects it opens those only, without asking
    click(driver, "f-changes")
    click(driver, "b-open")
    assert (
        driver.execute_script(
            "return document.querySelectorAll('details.obj[open][data-st=\"unchanged\"]').length"
        )
        == 0
    )
    click(driver, "f-changes")
    click(driver, "b-open")
    WebDriverWait(driver, 5).until(lambda d: d.switch_to.alert).accept()
    assert driver.execute_script(count) == closed
