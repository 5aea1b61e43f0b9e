"""The typed report: building it, reading it back, refusing damaged files, masking secrets."""

from __future__ import annotations

import ast
import json
import re
import shutil
import tokenize
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from driftcheck.cli.app import main
from driftcheck.compare.masking import MASKED
from driftcheck.errors import InputError
from driftcheck.model import vocab
from driftcheck.model.vocab import (
    CONFIG_SECTIONS,
    SECTION_TABLE,
    SEVERITY_ORDER,
    ChangeKind,
    Section,
    Severity,
    most_severe,
    section_title,
)
from driftcheck.pipeline.compare import compare_exports
from driftcheck.render.html import render_html, viewmodel
from driftcheck.render.text import render_text
from driftcheck.report.jsonfile import load_report, to_json
from driftcheck.report.types import Report
from tests.conftest import SAMPLES

# --- the vocabulary ----------------------------------------------------------------------


def test_severities_rank_and_order() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2]
    assert SEVERITY_ORDER == (Severity.BLOCKING, Severity.WARNING, Severity.INFO)
    assert Severity.BLOCKING.at_least(Severity.WARNING)
    assert not Severity.INFO.at_least(Severity.WARNING)
    assert most_severe([Severity.INFO, Severity.BLOCKING, Severity.WARNING]) is Severity.BLOCKING
    assert most_severe([]) is None
    assert json.dumps([Severity.INFO, ChangeKind.ADDED]) == '["info", "added"]'


def test_section_table_is_the_one_list_of_sections() -> None:
    assert [row.section for row in SECTION_TABLE] == list(Section)
    assert [s.value for s in CONFIG_SECTIONS] == [
        "global-settings",
        "metaverse",
        "connector",
        "sync-rule",
    ]
    assert len({row.anchor for row in SECTION_TABLE}) == len(SECTION_TABLE)
    assert section_title("sync-rule") == "Sync rules"
    assert section_title("readiness-check") == "Readiness check"


def _string_literals(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type == tokenize.STRING:
                try:
                    value = ast.literal_eval(token.string)
                except ValueError:  # an f-string
                    continue
                yield token.start[0], value


def test_severities_are_spelled_only_in_the_vocabulary() -> None:
    # ("info" is also an AD attribute, so only the other two are looked for)
    package = Path(vocab.__file__).parent
    found = [
        f"{path.name}:{line}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "vocab.py"
        for line, value in _string_literals(path)
        if value in ("blocking", "warning")
    ]
    assert found == []


def test_the_view_model_does_not_use_the_text_renderer() -> None:
    imported = {
        node.module
        for node in ast.walk(ast.parse(Path(viewmodel.__file__).read_text("utf-8")))
        if isinstance(node, ast.ImportFrom)
    }
    assert "driftcheck.render.text" not in imported
    assert "driftcheck.report.findings" in imported, "counts one change once, as the text view does"


# --- reading a saved report back ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample_report() -> Report:
    return compare_exports(SAMPLES / "primary", SAMPLES / "staging")


@pytest.fixture(scope="module")
def sample_data(sample_report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(to_json(sample_report))
    return data


def test_json_round_trip_is_lossless(sample_report: Report, sample_data: dict[str, Any]) -> None:
    again = Report.from_json(sample_data, file="r.json")
    assert again == sample_report
    assert again.to_json() == sample_data


def _damaged(data: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(data))
    edit(copy)
    return copy


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return edit


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_delete("summary"), "summary: missing"),
        (_delete("differences.0.path"), "differences[0].path: missing"),
        (_set("summary", []), "summary: expected an object, found a list"),
        (_set("differences", {}), "differences: expected a list, found an object"),
        (_set("differences.2", "x"), "differences[2]: expected an object, found a text"),
        (_set("differences.1.severity", "critical"), "unknown severity 'critical'"),
        (_set("summary.by_severity.info", -1), "by_severity.info: expected a count"),
        (_set("ignore_rules.0.status", "maybe"), "ignore_rules[0].status: unknown status"),
        (_set("objects.connector.0.state", 3), "objects.connector[0].state: expected a text"),
        (_set("schema", "driftcheck/report/v0"), "not a driftcheck/report/v1 report"),
    ],
)
def test_a_damaged_report_is_refused_with_one_line(
    sample_data: dict[str, Any], edit: Callable[[dict[str, Any]], None], reason: str
) -> None:
    with pytest.raises(InputError) as caught:
        Report.from_json(_damaged(sample_data, edit), file="saved.json")
    message = caught.value.message
    assert message.startswith("saved.json: ")
    assert reason in message
    assert "\n" not in message


def test_an_echoed_value_is_cut_short(sample_data: dict[str, Any]) -> None:
    data = _damaged(sample_data, _set("differences.0.severity", "x" * 5000))
    with pytest.raises(InputError) as caught:
        Report.from_json(data, file="saved.json")
    assert "unknown severity" in caught.value.message
    assert len(caught.value.message) < 250


def test_a_tree_nested_too_deeply_is_refused(sample_data: dict[str, Any]) -> None:
    deep: Any = "x"
    for _ in range(500):
        deep = {"a": deep}
    data = _damaged(sample_data, _set("objects.connector.0.primary", deep))
    with pytest.raises(InputError, match="nested deeper than"):
        Report.from_json(data, file="saved.json")


def run_render(capsys: pytest.CaptureFixture[str], report: Path, html: Path) -> tuple[int, str]:
    code = main(["render", str(report), "--html", str(html)])
    return code, capsys.readouterr().err


def test_render_of_damaged_files_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sample_data: dict[str, Any]
) -> None:
    text = json.dumps(sample_data)
    cases = {
        "truncated.json": text[: len(text) // 2],
        "nested.json": "[" * 100_000 + "]" * 100_000,
        "edited.json": json.dumps(_damaged(sample_data, _set("summary", []))),
        "foreign.json": json.dumps({"schema": SAMPLES.name}),
        "severity.json": json.dumps(
            _damaged(sample_data, _set("differences.0.severity", "y" * 10_000))
        ),
    }
    html = tmp_path / "out.html"
    html.write_text("earlier report")
    for name, content in cases.items():
        path = tmp_path / name
        path.write_text(content)
        code, err = run_render(capsys, path, html)
        assert code == 2, name
        assert err.count("\n") == 1 and err.startswith("driftcheck: error: "), (name, err)
        assert name in err and "internal error" not in err, err
        assert len(err) < 300, err
    assert html.read_text() == "earlier report"


def test_load_report_reads_what_compare_wrote(tmp_path: Path, sample_report: Report) -> None:
    path = tmp_path / "r.json"
    path.write_text(to_json(sample_report), encoding="utf-8")
    assert load_report(path) == sample_report


# --- secrets ------------------------------------------------------------------------------

SECRETS = (
    "PrimaryAdPass-1234",
    "StagingAdPass-7781",
    "AdmaPlain-5521",
    "AadPlain-9090",
    "GsPrimary-3131",
    "GsStaging-4242",
    "GsOnlyStaging-5353",
)
AD_PASSWORD = (
    '<parameter name="password" type="encrypted-string" use="connectivity" '
    'dataType="String" encrypted="1" />'
)
AAD_PASSWORD = (
    '<parameter name="Password" type="encrypted-string" use="connectivity" '
    'dataType="String" encrypted="1" />'
)
TIME_INTERVAL = '<parameter name="Microsoft.Synchronize.TimeInterval"'


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _global_setting(name: str, value: str) -> str:
    return (
        f'<parameter name="{name}" type="string" use="SynchronizationGlobal" '
        f'dataType="String">{value}</parameter>\n    {TIME_INTERVAL}'
    )


@pytest.fixture(scope="module")
def secret_exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The samples with clear-text secrets: a connector password parameter on both sides
    (different values), a ``<password>`` element in a private configuration and an AAD
    password on staging only, a ``...ClientSecret`` global setting on both (different) and
    one on staging only."""
    root = tmp_path_factory.mktemp("secrets")
    primary, staging = root / "primary", root / "staging"
    shutil.copytree(SAMPLES / "primary", primary)
    shutil.copytree(SAMPLES / "staging", staging)
    for side, value in ((primary, SECRETS[0]), (staging, SECRETS[1])):
        ad = next(
            f
            for f in (side / "Connectors").iterdir()
            if "fabrikam.com</forest-name>" in f.read_text(encoding="utf-8")
            and AD_PASSWORD in f.read_text(encoding="utf-8")
        )
        _edit(
            ad,
            AD_PASSWORD,
            '<parameter name="password" type="string" use="connectivity" '
            f'dataType="String">{value}</parameter>',
        )
        if side == staging:
            _edit(
                ad,
                "<simple-bind>0</simple-bind>",
                f"<simple-bind>0</simple-bind><password>{SECRETS[2]}</password>",
            )
    aad = next(
        f for f in (staging / "Connectors").iterdir() if AAD_PASSWORD in f.read_text("utf-8")
    )
    _edit(
        aad,
        AAD_PASSWORD,
        '<parameter name="Password" type="string" use="connectivity" '
        f'dataType="String">{SECRETS[3]}</parameter>',
    )
    _edit(
        primary / "GlobalSettings" / "MV.xml",
        TIME_INTERVAL,
        _global_setting("Microsoft.Test.ClientSecret", SECRETS[4]),
    )
    staging_mv = staging / "GlobalSettings" / "MV.xml"
    _edit(staging_mv, TIME_INTERVAL, _global_setting("Microsoft.Test.ClientSecret", SECRETS[5]))
    _edit(staging_mv, TIME_INTERVAL, _global_setting("Microsoft.Other.ClientSecret", SECRETS[6]))
    return primary, staging


def _outputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, primary: Path, staging: Path, *args: str
) -> tuple[str, str, str]:
    json_path, html_path = tmp_path / "r.json", tmp_path / "r.html"
    code = main(
        ["compare", str(primary), str(staging), "--json", str(json_path),
         "--html", str(html_path), *args]
    )  # fmt: skip
    text = capsys.readouterr().out
    assert code == 1
    return text, json_path.read_text("utf-8"), html_path.read_text("utf-8")


def test_no_output_carries_a_secret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, secret_exports: tuple[Path, Path]
) -> None:
    text, saved, html = _outputs(capsys, tmp_path, *secret_exports, "--no-builtin-ignores")
    for secret in SECRETS:
        assert secret not in text and secret not in saved and secret not in html, secret
    # rendered again from the saved JSON: still nothing
    assert main(["render", str(tmp_path / "r.json"), "--html", str(tmp_path / "again.html")]) == 0
    assert not any(s in (tmp_path / "again.html").read_text("utf-8") for s in SECRETS)
    report = json.loads(saved)
    secret_diffs = [
        d
        for d in report["differences"]
        if re.search(r"(?i)password|secret", d["object"] + d["path"])
        and not d["path"].startswith(("password-hash", "password-sync", "password-writeback"))
    ]
    changed = {(d["object"], d["path"]): d for d in secret_diffs}
    setting = changed[("Microsoft.Test.ClientSecret", "value")]
    assert (setting["change"], setting["primary"], setting["staging"]) == (
        "modified",
        MASKED,
        MASKED,
    )
    assert any(d["change"] == "modified" and d["path"].endswith("password") for d in secret_diffs)
    assert any(d["staging"] == MASKED and d["change"] == "added" for d in secret_diffs)


def test_suppressed_secrets_are_masked_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, secret_exports: tuple[Path, Path]
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(
        '[[ignore]]\nid = "secrets-rotate"\nreason = "rotated separately"\npath = "*"\n'
        'object = "*ClientSecret"\n',
        encoding="utf-8",
    )
    text, saved, html = _outputs(capsys, tmp_path, *secret_exports, "--policy", str(policy))
    suppressed = json.loads(saved)["suppressed"]
    assert any(s["ignored_by"] == "secrets-rotate" for s in suppressed)
    for secret in SECRETS:
        assert secret not in text and secret not in saved and secret not in html, secret


def test_text_summary_of_a_secret_difference_is_masked(secret_exports: tuple[Path, Path]) -> None:
    report = compare_exports(*secret_exports)
    text = render_text(report, top=1000)
    assert MASKED in text
    assert not any(s in text or s in render_html(report) for s in SECRETS)


def test_accepting_a_secret_difference_writes_no_secret_and_hides_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, secret_exports: tuple[Path, Path]
) -> None:
    policy = tmp_path / "driftcheck.toml"
    primary, staging = (str(p) for p in secret_exports)
    args = ["--policy", str(policy), "--today", "2026-11-22"]
    assert main(["accept", primary, staging, "--reason", "known", *args]) == 0
    written = policy.read_text("utf-8")
    assert not any(s in written for s in SECRETS)
    assert main(["compare", primary, staging, "--quiet", *args]) == 0
    capsys.readouterr()
