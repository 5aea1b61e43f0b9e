"""`driftcheck nightly` with a staging server's pending exports (PendingExports/ in its zip):
counts in night.json, the index, the trend and the history; a finding that appears or goes is
notified. Exports are placed with the drop-folder kit; mail goes to a loopback SMTP server."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from exportkit import pending
from lxml import etree

from driftcheck.cli.app import main
from driftcheck.nightly.pending import has_pending, manifest_failures
from tests.conftest import SAMPLES
from tests.dropkit import place_export
from tests.servers import smtp_server

ACTIVE, STAGING = "FAB-SYNC01", "FAB-SYNC02"
KEY = STAGING.casefold()
EXPECTED = json.loads((SAMPLES / pending.EXPECTED).read_text(encoding="utf-8"))
OBJECTS = sum(c["objects"] for c in EXPECTED["connectors"])
DELETES = sum(c["deletes"] for c in EXPECTED["connectors"])


def night(day: int) -> datetime:
    return datetime(2026, 11, day, 1, 30)


def without(groups: set[str], folder: Path) -> Path:
    """The sample's pending exports without the objects of ``groups``."""
    plan = pending.build()
    for connector, objects in plan.objects.items():
        plan.objects[connector] = [(g, o) for g, o in objects if not set(g) & groups]
    pending.write_pending(folder, plan)
    return folder


def export_night(drop: Path, when: datetime, pending_folder: Path | None) -> None:
    stamp = f"{when:%Y%m%d-%H%M%S}.zip"
    place_export(drop, ACTIVE, stamp, server=ACTIVE, exported=when, staging=False,
                 source="primary")  # fmt: skip
    place_export(drop, STAGING, stamp, server=STAGING, exported=when + timedelta(minutes=7),
                 staging=True, source="staging", pending=pending_folder)  # fmt: skip


def summary(out: Path, date: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / date / "night.json").read_text(encoding="utf-8"))
    return data


def entry(night_summary: dict[str, Any]) -> dict[str, Any]:
    [found] = [p for p in night_summary["pending"] if p["key"] == KEY]
    assert isinstance(found, dict)
    return found


def pending_lines(night_summary: dict[str, Any], status: str) -> list[dict[str, str]]:
    return [line for line in night_summary[status] if line["section"] == "pending-exports"]


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("with_history", [False, True])
def test_pending_exports_over_three_nights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], with_history: bool
) -> None:
    drop, out, db = tmp_path / "drop", tmp_path / "out", tmp_path / "history.sqlite"
    history = ["--history", str(db)] if with_history else []
    fixed = without({"restored-anchor", "restored-anchor-ad"}, tmp_path / "fixed")
    with smtp_server() as box:
        mail = ["--smtp", f"127.0.0.1:{box.port}", "--mail-from", "dc@example.com",
                "--mail-to", "ops@example.com", "--notify-on", "change"]  # fmt: skip

        # night 1: the sample's pending exports: every finding is new
        export_night(drop, night(28), SAMPLES / pending.FOLDER)
        code, _stdout, stderr = run(capsys, "nightly", drop, "--out", out, *mail, *history)
        assert code == 1, stderr
        first = summary(out, "2026-11-28")
        p = entry(first)
        assert p["counts"]["objects"] == OBJECTS and p["counts"]["deletes"] == DELETES
        assert p["counts"]["escrowed"] == 1 and p["counts"]["unconfirmed"] == 1
        rules = {(f["rule"], f["connector"]) for f in p["findings"]}
        anchor = {f["fingerprint"] for f in p["findings"] if f["attribute"] and
                  f["attribute"].casefold() in ("sourceanchor", "ms-ds-consistencyguid")}  # fmt: skip
        assert anchor, rules  # the restored account's anchor change is a finding
        new = pending_lines(first, "new")
        assert len(new) == len(p["findings"]) == sum(p["statuses"]["new"].values())
        assert all(line["comparison"] == f"{STAGING} pending exports" for line in new)
        assert (out / "2026-11-28" / "pending-FAB-SYNC02.json").is_file()
        report = json.loads((out / "2026-11-28" / "pending-FAB-SYNC02.json").read_text())
        assert report["schema"] == "driftcheck/exports/v1"
        assert report["summary"]["objects"] == OBJECTS
        # the pair report links them to the differences, as compare --pending does
        pair = json.loads((out / "2026-11-28" / f"pair-{ACTIVE}-vs-{STAGING}.json").read_text())
        assert pair["pending"]["summary"]["objects"] == OBJECTS
        disabled = next(d for d in pair["differences"]
                        if d["object"] == "Out to AAD - User ExchangeOnline")  # fmt: skip
        assert {(x["attribute"], x["objects"]) for x in disabled["pending"]} >= {("alias", 236)}
        index = (out / "2026-11-28" / "index.html").read_text(encoding="utf-8")
        assert "Pending exports of staging servers" in index
        assert 'href="pending-FAB-SYNC02.html"' in index and "trend-pending-1" in index
        assert len(box.messages) == 1
        body = box.messages[0].get_body(("plain",))
        assert body is not None and f"[{STAGING} pending exports]" in body.get_content()

        # night 2: the same pending exports: all open, nothing to notify
        export_night(drop, night(29), SAMPLES / pending.FOLDER)
        code, _stdout, _stderr = run(capsys, "nightly", drop, "--out", out, *mail, *history)
        second = summary(out, "2026-11-29")
        assert pending_lines(second, "new") == [] and pending_lines(second, "resolved") == []
        assert sum(entry(second)["statuses"]["open"].values()) == len(p["findings"])
        assert len(box.messages) == 1

        # night 3: the restored account is fixed: its anchor findings are resolved, notified
        export_night(drop, night(30), fixed)
        code, _stdout, _stderr = run(capsys, "nightly", drop, "--out", out, *mail, *history)
        third = summary(out, "2026-11-30")
        gone = pending_lines(third, "resolved")
        assert gone and all(line["severity"] for line in gone)
        third_fps = {f["fingerprint"] for f in entry(third)["findings"]}
        assert not anchor & third_fps
        assert entry(third)["counts"]["objects"] == OBJECTS - 2
        assert len(box.messages) == 2
        assert "resolved" in box.messages[1]["Subject"]

    if with_history:
        con = sqlite3.connect(db)
        try:
            rows = con.execute(
                "SELECT server, objects, deletes, new, resolved FROM pending_runs ORDER BY id"
            ).fetchall()
        finally:
            con.close()
        assert [(r[0], r[1], r[2]) for r in rows] == [(KEY, OBJECTS, DELETES)] * 2 + [
            (KEY, OBJECTS - 2, DELETES)
        ]
        assert rows[0][3] == len(p["findings"]) and rows[2][4] == len(gone)
        # driftcheck history shows them: runs, open findings, a chart
        _code, listing, _ = run(capsys, "history", db, "--json", "-")
        [server] = json.loads(listing)["pending"]
        assert server["server"] == KEY and len(server["runs"]) == 3
        assert [r["counts"]["objects"] for r in server["runs"]] == [OBJECTS, OBJECTS, OBJECTS - 2]
        assert len(server["open"]) == len(entry(third)["findings"])
        _code, text, _ = run(capsys, "history", db)
        assert f"Pending exports of {KEY}: 3 run(s)" in text
        page = tmp_path / "history.html"
        run(capsys, "history", db, "--html", page)
        assert f"Pending exports of {KEY}" in page.read_text(encoding="utf-8")


def test_unreadable_pending_exports_are_a_warning_not_a_lost_night(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text(
        json.dumps({"schema": "driftcheck/pending-manifest/v1", "server": STAGING,
                    "files": [{"file": "01.xml", "connector": "fabrikam.com"}],
                    "failures": [{"connector": "emea.fabrikam.com", "error": "exit code 2"}]}),
        encoding="utf-8",
    )  # fmt: skip
    (broken / "01.xml").write_bytes(b"<cs-objects>\n <cs-object cs-dn='x' id='{1}'")  # truncated
    export_night(drop, night(28), broken)
    code, _stdout, stderr = run(capsys, "nightly", drop, "--out", out)
    assert code == 1  # the configuration drift of the samples; the night is written
    night_summary = summary(out, "2026-11-28")
    assert night_summary["pending"] == []
    warnings = " ".join(night_summary["warnings"])
    assert f"{STAGING}: pending exports not read" in warnings and "01.xml" in warnings
    assert "pending exports not read" in stderr


def test_a_connector_the_script_could_not_export_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    folder = without(set(), tmp_path / "p")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = [f for f in manifest["files"] if f["connector"] != "emea.fabrikam.com"]
    manifest["failures"] = [{"connector": "emea.fabrikam.com", "error": "exit code 2: busy"}]
    (folder / "02-emea.fabrikam.com.xml").unlink()
    # as Windows PowerShell 5.1 writes it: UTF-8 with a BOM
    (folder / "manifest.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(manifest).encode())
    export_night(drop, night(28), folder)
    run(capsys, "nightly", drop, "--out", out)
    night_summary = summary(out, "2026-11-28")
    assert entry(night_summary)["failures"] == ["connector 'emea.fabrikam.com': exit code 2: busy"]
    assert any("no pending exports for connector 'emea.fabrikam.com'" in w
               for w in night_summary["warnings"])  # fmt: skip


def test_only_staging_servers_pending_exports_are_read(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    zip_path = place_export(drop, ACTIVE, "a.zip", server=ACTIVE, exported=night(28),
                            staging=False, pending=SAMPLES / pending.FOLDER)  # fmt: skip
    assert has_pending(zip_path)
    plain = place_export(drop, STAGING, "b.zip", server=STAGING, exported=night(28), staging=True)
    assert not has_pending(plain)


def test_backslash_member_names_of_compress_archive_are_recognised(tmp_path: Path) -> None:
    target = tmp_path / "x.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("PendingExports\\manifest.json", json.dumps(
            {"schema": "driftcheck/pending-manifest/v1", "files": [],
             "failures": [{"connector": "a", "error": "e"}]}))  # fmt: skip
    assert has_pending(target)
    assert manifest_failures(target) == ("connector 'a': e",)


def test_the_policy_files_pending_table_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Staging's deletion threshold is 1,000 (drift item 10): the 501 deletes pass it. The
    primary's 500, set in the policy file's [pending] table, makes them blocking."""
    drop = tmp_path / "drop"
    export_night(drop, night(28), SAMPLES / pending.FOLDER)
    severity = {}
    for name, policy in (("default", ""), ("strict", "[pending]\ndeletion-threshold = 500\n")):
        path = tmp_path / f"{name}.toml"
        path.write_text(policy, encoding="utf-8")
        out = tmp_path / name
        run(capsys, "nightly", drop, "--out", out, "--policy", path)
        findings = entry(summary(out, "2026-11-28"))["findings"]
        severity[name] = next(f["severity"] for f in findings if f["rule"] == "deletes")
    assert severity == {"default": "info", "strict": "blocking"}


def test_an_export_folder_in_the_drop_has_its_pending_exports_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    when = night(28)
    place_export(drop, ACTIVE, "a", server=ACTIVE, exported=when, staging=False,
                 source="primary", as_zip=False)  # fmt: skip
    place_export(drop, STAGING, "b", server=STAGING, exported=when, staging=True,
                 source="staging", as_zip=False, pending=SAMPLES / pending.FOLDER)  # fmt: skip
    code, stdout, _stderr = run(capsys, "nightly", drop, "--out", out)
    assert code == 1
    assert entry(summary(out, "2026-11-28"))["counts"]["objects"] == OBJECTS
    assert f"{STAGING} pending exports: FAIL: {OBJECTS:,} objects would change" in stdout


def test_the_night_junit_file_has_a_suite_for_the_pending_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out, junit = tmp_path / "drop", tmp_path / "out", tmp_path / "night.xml"
    export_night(drop, night(28), SAMPLES / pending.FOLDER)
    run(capsys, "nightly", drop, "--out", out, "--junit", junit)
    tree = etree.parse(str(junit))
    schema = etree.XMLSchema(
        etree.parse(str(SAMPLES.parent / "tests" / "data" / "junit-jenkins.xsd"))
    )
    assert schema.validate(tree), schema.error_log
    [suite] = [s for s in tree.getroot() if s.get("name") == f"{STAGING} pending exports"]
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {c["name"] for c in EXPECTED["connectors"]}
    aad = cases["Fabrikam.onmicrosoft.com - AAD"].find("failure")
    assert aad is not None and aad.get("type") == "blocking" and "anchor-change" in (aad.text or "")
    emea = cases["emea.fabrikam.com"]
    assert emea.find("failure") is None  # three ms-DS-ConsistencyGuid writebacks: no finding
    assert suite.get("failures") == "2"  # the AAD connector and fabrikam.com (anchor changes)


def test_pending_exports_missing_after_an_earlier_night_had_them_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    export_night(drop, night(28), SAMPLES / pending.FOLDER)
    run(capsys, "nightly", drop, "--out", out)
    export_night(drop, night(29), None)  # the task ran without -PendingExports
    _code, _stdout, stderr = run(capsys, "nightly", drop, "--out", out)
    second = summary(out, "2026-11-29")
    assert second["pending"] == []
    assert any("no PendingExports/" in w for w in second["warnings"])
    assert "pending exports were not checked tonight" in stderr
    assert pending_lines(second, "resolved") == []  # not checked is not resolved
