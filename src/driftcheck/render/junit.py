"""The report as JUnit XML, for the test dashboards of Jenkins, GitLab and Azure DevOps.

Layout: one ``<testsuite>`` per section (global settings, metaverse, connectors, sync rules,
then any other section with differences, then the readiness checks when the report has
them), one ``<testcase>`` per compared object. An object with differences at or above the
report's ``--fail-on`` severity (warning by default) fails: its testcase carries ONE
``<failure>`` whose message counts them and whose text lists each difference with both
values. (Several ``<failure>`` elements in one testcase are valid for Jenkins' schema, but
some readers then show the first only or none, so the differences are listed in one.)
Differences below the threshold are listed in the testcase's ``<system-out>``.

The file validates against the JUnit schema Jenkins' xunit plugin uses (``junit-10.xsd``
shape; see tests/data). Values are masked as in the other reports, and characters that
XML 1.0 cannot carry are written as visible escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from driftcheck.compare.walk import Json
from driftcheck.exports.result import ExportsResult, PendingFinding
from driftcheck.history.fingerprint import NOT_EVALUATED, check_id, from_check
from driftcheck.history.tracking import report_checks
from driftcheck.model.vocab import CONFIG_SECTIONS, ChangeKind, Severity, section_title
from driftcheck.output.files import write_atomically
from driftcheck.report.types import Finding, Report

READINESS_TITLE = "Readiness checks"
MAX_VALUE = 2000
#: Code points XML 1.0 cannot carry (and lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """Text XML 1.0 can carry: each forbidden character becomes a visible ``\\xNN``."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _value(value: Json) -> str:
    """A value as text (the report has masked secrets already), cut to a readable length."""
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _ident(section: str, connector: str | None, name: str) -> tuple[str, str, str]:
    return (section, (connector or "").casefold(), name.casefold())


def _case_name(section: str, name: str, connector: str) -> str:
    if section == "sync-rule" and connector and connector != name:
        return f"{name} [{connector}]"
    return name


def _difference_text(d: Finding) -> str:
    lines = [f"{d.severity.upper()} {d.path or '(whole object)'}: {d.change}"]
    if d.history is not None:
        lines[0] += f" [{d.history.status}, first seen {d.history.first_seen}]"
    if d.change != ChangeKind.ADDED:
        lines.append(f"  primary: {_value(d.primary)}")
    if d.change != ChangeKind.REMOVED:
        lines.append(f"  staging: {_value(d.staging)}")
    return "\n".join(lines)


def _testcase(
    suite: etree._Element, classname: str, name: str, failing: list[Finding], other: list[Finding]
) -> None:
    case = etree.SubElement(suite, "testcase", name=xml_text(name), classname=classname)
    case.set("time", "0")
    if failing:
        worst = max(failing, key=lambda d: d.severity.rank)
        first = failing[0]
        message = (
            f"{len(failing)} difference{'' if len(failing) == 1 else 's'}, worst "
            f"{worst.severity}: {first.path or '(whole object)'} {first.change}"
        )
        failure = etree.SubElement(
            case, "failure", message=xml_text(message), type=worst.severity.value
        )
        failure.text = xml_text("\n\n".join(_difference_text(d) for d in failing))
    if other:
        out = etree.SubElement(case, "system-out")
        out.text = xml_text("\n\n".join(_difference_text(d) for d in other))


def _suite(parent: etree._Element, name: str, timestamp: str) -> etree._Element:
    suite = etree.SubElement(parent, "testsuite", name=name)
    if timestamp:
        suite.set("timestamp", timestamp)
    return suite


def _close_suite(suite: etree._Element) -> tuple[int, int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    for key, n in (("tests", len(cases)), ("failures", failures), ("errors", 0)):
        suite.set(key, str(n))
    suite.set("skipped", str(skipped))
    suite.set("time", "0")
    return len(cases), failures, skipped


def _objects(report: Report, section: str) -> list[tuple[str, str]]:
    """(name, connector) of every object of a section, then those named only by a difference."""
    seen: dict[tuple[str, str, str], tuple[str, str]] = {}
    for entry in report.objects.get(section, ()):
        seen.setdefault(
            _ident(section, entry.connector, entry.name), (entry.name, entry.connector or "")
        )
    for d in report.differences:
        if d.section == section:
            seen.setdefault(_ident(section, d.connector, d.object), (d.object, d.connector or ""))
    return list(seen.values())


def _sections(report: Report) -> list[str]:
    order = [s.value for s in CONFIG_SECTIONS]
    return order + sorted({d.section for d in report.differences} - set(order))


def _check_cases(
    suite: etree._Element, checks: Iterable[Mapping[str, Json]], fail_on: Severity
) -> None:
    for check in checks:
        ident = check_id(check)
        title = str(check.get("title") or "")
        name = f"{ident}: {title}" if title and title != ident else ident
        servers = check.get("servers")
        if isinstance(servers, list) and servers:
            name += f" ({', '.join(str(s) for s in servers)})"
        case = etree.SubElement(suite, "testcase", name=xml_text(name), classname="readiness")
        case.set("time", "0")
        status = str(check.get("status") or check.get("result") or "").casefold()
        detail = check.get("message", check.get("detail"))
        text = xml_text(_value(detail) if detail is not None else status)
        if status in NOT_EVALUATED:
            etree.SubElement(case, "skipped", message=text)
            continue
        tracked = from_check(check)
        if tracked is None:
            continue
        try:
            severity = Severity(tracked.severity)
        except ValueError:
            severity = Severity.WARNING
        if severity.at_least(fail_on):
            failure = etree.SubElement(case, "failure", message=text, type=severity.value)
            failure.text = xml_text(f"{severity.upper()} {name}: {status}\n{text}")
        else:
            etree.SubElement(case, "system-out").text = xml_text(f"{severity}: {text}")


def _report_suites(
    root: etree._Element, report: Report, threshold: Severity, prefix: str
) -> list[int]:
    """Append ``report``'s suites to ``root``; return its (tests, failures, skipped)."""
    run = report.history_run
    timestamp = run.started.rstrip("Z") if run is not None else ""
    by_object: dict[tuple[str, str, str], list[Finding]] = {}
    for d in report.differences:
        by_object.setdefault(_ident(d.section, d.connector, d.object), []).append(d)
    totals = [0, 0, 0]
    for section in _sections(report):
        suite = _suite(root, xml_text(prefix + section_title(section)), timestamp)
        for name, connector in _objects(report, section):
            failing: list[Finding] = []
            other: list[Finding] = []
            for d in by_object.get(_ident(section, connector, name), []):
                (failing if d.severity.at_least(threshold) else other).append(d)
            case_name = _case_name(section, name, connector)
            _testcase(suite, f"driftcheck.{section}", case_name, failing, other)
        totals = [a + b for a, b in zip(totals, _close_suite(suite), strict=True)]
    checks = report_checks(report)
    if checks:
        suite = _suite(root, xml_text(prefix + READINESS_TITLE), timestamp)
        _check_cases(suite, checks, threshold)
        totals = [a + b for a, b in zip(totals, _close_suite(suite), strict=True)]
    return totals


def _title(report: Report) -> str:
    return f"{report.primary.server} vs {report.staging.server}"


def _pending_text(f: PendingFinding) -> str:
    where = f.connector + (f" / {f.attribute}" if f.attribute else "")
    return f"[{f.severity}] {f.rule}: {where}: {f.message}"


def _pending_suite(
    root: etree._Element, title: str, result: ExportsResult, threshold: Severity
) -> tuple[int, int, int]:
    """A staging server's pending exports: one testcase per connector, failing on a finding
    at or above ``threshold``; the findings below it in ``<system-out>``."""
    suite = _suite(root, xml_text(title), "")
    for connector in result.connectors:
        findings = [f for f in result.findings if f.connector == connector.name]
        failing = [f for f in findings if f.severity.at_least(threshold)]
        other = [f for f in findings if not f.severity.at_least(threshold)]
        case = etree.SubElement(
            suite, "testcase", name=xml_text(connector.name), classname="pending-exports"
        )
        case.set("time", "0")
        if failing:
            worst = max(failing, key=lambda f: f.severity.rank)
            message = (
                f"{len(failing)} finding{'' if len(failing) == 1 else 's'}, worst "
                f"{worst.severity}: {worst.rule}"
            )
            failure = etree.SubElement(
                case, "failure", message=xml_text(message), type=worst.severity.value
            )
            failure.text = xml_text("\n\n".join(_pending_text(f) for f in failing))
        if other:
            out = etree.SubElement(case, "system-out")
            out.text = xml_text("\n\n".join(_pending_text(f) for f in other))
    return _close_suite(suite)


def junit_xml_many(
    reports: Sequence[Report],
    *,
    fail_on: Severity | None = None,
    name: str = "driftcheck",
    pending: Sequence[tuple[str, ExportsResult]] = (),
) -> str:
    """One JUnit document for several comparisons (a nightly run's pairs and self-drift):
    each report's suites are named ``<primary> vs <staging>: <section>``. ``pending``: the
    staging servers' pending exports, one suite each, named by the given title."""
    root = etree.Element("testsuites")
    root.set("name", xml_text(name))
    totals = [0, 0, 0]
    for report in reports:
        threshold = fail_on or report.summary.fail_on
        prefix = f"{_title(report)}: " if len(reports) > 1 else ""
        found = _report_suites(root, report, threshold, prefix)
        totals = [a + b for a, b in zip(totals, found, strict=True)]
    for title, result in pending:
        counted = _pending_suite(root, title, result, fail_on or result.summary.fail_on)
        totals = [a + b for a, b in zip(totals, counted, strict=True)]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", "0")
    root.set("time", "0")
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def junit_xml(report: Report, *, fail_on: Severity | None = None) -> str:
    """The JUnit XML document for ``report`` (``fail_on`` defaults to the report's own)."""
    return junit_xml_many([report], fail_on=fail_on, name=f"driftcheck: {_title(report)}")


def write_junit(report: Report, path: Path, *, fail_on: Severity | None = None) -> None:
    """Write :func:`junit_xml` to ``path`` atomically."""
    write_atomically(path, junit_xml(report, fail_on=fail_on))
