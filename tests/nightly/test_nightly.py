"""End to end: `driftcheck nightly` over simulated nights, with notifications to loopback servers."""

from __future__ import annotations

import errno
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from driftcheck.cli.app import main
from driftcheck.output import files as fileio
from tests.dropkit import place_export
from tests.servers import free_port, http_server, smtp_server

ACTIVE, STAGING = "FAB-SYNC01", "FAB-SYNC02"
PAIR = f"pair-{ACTIVE}-vs-{STAGING}"
SECRET = "Night-Pa55-w0rd"
MV = "GlobalSettings/MV.xml"
WRITEBACK_OFF = 'OptionalFeature.UserWriteBack" type="string" use="SynchronizationGlobal" dataType="String">False<'
#: A change made on both servers the same day: invisible to the pair, caught by self-drift.
WRITEBACK_ON = {MV: (WRITEBACK_OFF, WRITEBACK_OFF.replace(">False<", ">True<"))}

#: The samples' differences as the views list them: 25 findings in the JSON report, of which
#: 3 are folded into the change that explains them (a flow's inputs with its expression, a
#: scoping group's old and new condition as one change); 16 of the 22 are blocking.
LISTED = 22
LISTED_BLOCKING = 16


def export_night(
    drop: Path,
    when: datetime,
    *,
    edit: dict[str, tuple[str, str]] | None = None,
    staging_still_copying: bool = False,
) -> None:
    """Both servers' exports of one night, as their scheduled tasks leave them."""
    stamp = f"{when:%Y%m%d-%H%M%S}.zip"
    place_export(
        drop,
        ACTIVE,
        stamp,
        server=ACTIVE,
        exported=when,
        staging=False,
        source="primary",
        edit=edit,
    )
    later = when + timedelta(minutes=7)
    place_export(
        drop,
        STAGING,
        stamp + (".tmp" if staging_still_copying else ""),
        server=STAGING,
        exported=later,
        staging=True,
        source="staging",
        edit=edit,
    )


def night(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 1, 30)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def night_summary(out: Path, date: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((out / date / "night.json").read_text(encoding="utf-8"))
    return summary


def statuses(summary: dict[str, Any], key: str) -> dict[str, int]:
    entry = next(c for c in summary["comparisons"] if c["key"] == key)
    return {status: sum(levels.values()) for status, levels in entry["statuses"].items()}


def test_several_nights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    with smtp_server() as box:
        mail = [
            "--smtp",
            f"127.0.0.1:{box.port}",
            "--mail-from",
            "driftcheck@example.com",
            "--mail-to",
            "ops@example.com",
            "--mail-to",
            "sync@example.com",
        ]

        # night 1: the first exports; no previous export, so only the pair is compared
        export_night(drop, night(28))
        code, stdout, stderr = run(capsys, "nightly", drop, "--out", out, *mail)
        assert code == 1, stderr
        first = night_summary(out, "2026-11-28")
        assert [c["key"] for c in first["comparisons"]] == ["fab-sync01|fab-sync02"]
        drift = statuses(first, "fab-sync01|fab-sync02")
        assert drift["new"] == LISTED and drift["open"] == 0
        assert len(box.messages) == 1
        message = box.messages[0]
        assert (
            message["Subject"] == f"[driftcheck] DRIFT {LISTED} new, 0 open: {ACTIVE} vs {STAGING}"
        )
        assert box.envelopes[0][1] == ["ops@example.com", "sync@example.com"]
        assert [a.get_filename() for a in message.iter_attachments()] == [f"{PAIR}.html"]
        assert "Notification sent: mail to 2 recipient(s)" in stdout

        # night 2: nothing changed: the same drift is open, nothing new, no mail
        export_night(drop, night(29))
        code, stdout, stderr = run(capsys, "nightly", drop, "--out", out, *mail)
        assert code == 1
        second = night_summary(out, "2026-11-29")
        assert statuses(second, "fab-sync01|fab-sync02") == {
            "new": 0,
            "open": LISTED,
            "resolved": 0,
        }
        assert statuses(second, "self:fab-sync01") == {"new": 0, "open": 0, "resolved": 0}
        assert len(box.messages) == 1
        assert "Notification sent" not in stdout

        # night 3: user writeback switched on on both servers: only self-drift sees it
        export_night(drop, night(30), edit=WRITEBACK_ON)
        code, stdout, stderr = run(capsys, "nightly", drop, "--out", out, *mail)
        third = night_summary(out, "2026-11-30")
        assert statuses(third, "fab-sync01|fab-sync02") == {
            "new": 0,
            "open": LISTED,
            "resolved": 0,
        }
        assert statuses(third, "self:fab-sync01")["new"] == 1
        assert statuses(third, "self:fab-sync02")["new"] == 1
        self_report = json.loads((out / "2026-11-30" / f"self-{ACTIVE}.json").read_text())
        [finding] = self_report["differences"]
        assert "checks" not in self_report  # readiness is checked in the pair comparison
        pair_report = json.loads((out / "2026-11-30" / f"{PAIR}.json").read_text())
        assert pair_report["checks"]["mode"] == "report"
        assert "UserWriteBack" in finding["object"] + finding["path"]
        assert (finding["primary"], finding["staging"]) == ("False", "True")
        assert len(box.messages) == 2
        message = box.messages[1]
        assert (
            message["Subject"] == f"[driftcheck] DRIFT 2 new, {LISTED} open: {ACTIVE} vs {STAGING}"
        )
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert f"[{ACTIVE} since 2026-11-29 01:30]" in text and "UserWriteBack" in text
        assert sorted(a.get_filename() or "" for a in message.iter_attachments()) == sorted(
            [f"{PAIR}.html", f"self-{ACTIVE}.html", f"self-{STAGING}.html"]
        )

        # night 4: staging's zip is still being copied: skipped, its previous export used;
        # the active server's self-drift is resolved (no change since last night)
        export_night(drop, night(1, 12), edit=WRITEBACK_ON, staging_still_copying=True)
        code, stdout, stderr = run(
            capsys, "nightly", drop, "--out", out, *mail, "--notify-on", "change"
        )
        assert (
            f"{STAGING}/20261201-013000.zip.tmp: temporary name, still being copied; skipped"
            in stderr
        )
        fourth = night_summary(out, "2026-12-01")
        pair = next(c for c in fourth["comparisons"] if c["kind"] == "pair")
        assert pair["right"]["export_date"] == "2026-11-30 01:37:00"
        assert statuses(fourth, "self:fab-sync01") == {"new": 0, "open": 0, "resolved": 1}
        assert statuses(fourth, "self:fab-sync02") == {"new": 0, "open": 1, "resolved": 0}
        assert len(box.messages) == 3  # --notify-on change: a finding was resolved
        assert box.messages[2]["Subject"].endswith(f"1 resolved: {ACTIVE} vs {STAGING}")

    latest = (out / "latest.html").read_text(encoding="utf-8")
    assert 'href="2026-12-01/pair-FAB-SYNC01-vs-FAB-SYNC02.html"' in latest
    assert 'href="2026-11-30/index.html"' in latest
    index = (out / "2026-12-01" / "index.html").read_text(encoding="utf-8")
    assert 'href="pair-FAB-SYNC01-vs-FAB-SYNC02.html"' in index
    assert 'href="../2026-11-28/index.html"' in index
    assert "still being copied" in index
    assert sorted(p.name for p in out.iterdir()) == [
        "2026-11-28",
        "2026-11-29",
        "2026-11-30",
        "2026-12-01",
        "latest.html",
    ]


def test_no_complete_pair_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    place_export(drop, ACTIVE, "a.zip", server=ACTIVE, exported=night(30), staging=False)
    place_export(drop, STAGING, "b.zip.partial", server=STAGING, exported=night(30), staging=True)
    code, _stdout, stderr = run(capsys, "nightly", drop, "--out", out)
    assert code == 2
    assert stderr.splitlines()[-1] == (
        "driftcheck: error: no complete pair of exports to compare: no export of a staging "
        "server (StagingMode True)"
    )
    assert "b.zip.partial: temporary name" in stderr
    assert not out.exists()


def test_pairs_too_far_apart_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    place_export(drop, ACTIVE, "a.zip", server=ACTIVE, exported=night(30), staging=False)
    place_export(drop, STAGING, "b.zip", server=STAGING, exported=night(25), staging=True)
    code, _, stderr = run(capsys, "nightly", drop, "--out", out, "--max-skew", "48")
    assert code == 2
    assert "exported 120 hours apart (more than --max-skew 48); not compared" in stderr
    code, _, _ = run(capsys, "nightly", drop, "--out", out, "--max-skew", "200")
    assert code == 0


def test_a_failed_notification_keeps_the_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    export_night(drop, night(30))
    dead = [
        "--smtp",
        f"127.0.0.1:{free_port()}",
        "--mail-from",
        "d@example.com",
        "--mail-to",
        "o@example.com",
    ]
    code, _, stderr = run(capsys, "nightly", drop, "--out", out, *dead)
    assert code == 1  # the comparison's exit code
    [line] = stderr.splitlines()
    assert line.startswith("driftcheck: notification failed: mail via 127.0.0.1:")
    assert (out / "2026-11-30" / f"{PAIR}.html").is_file() and (out / "latest.html").is_file()
    (out / "2026-11-30").rename(tmp_path / "first-run")  # so that the findings are new again
    code, _stdout, stderr = run(capsys, "nightly", drop, "--out", out, *dead, "--strict-notify")
    assert code == 2
    assert "notification failed" in stderr
    assert (out / "2026-11-30" / f"{PAIR}.json").is_file()


def test_the_password_comes_from_the_environment_and_is_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    export_night(drop, night(30))
    monkeypatch.setenv("DRIFTCHECK_SMTP_PASSWORD", SECRET)
    with smtp_server(user="driftcheck", password=SECRET) as box:
        args: list[str | Path] = [
            "nightly",
            drop,
            "--out",
            out,
            "--smtp",
            f"127.0.0.1:{box.port}",
            "--smtp-user",
            "driftcheck",
            "--mail-from",
            "d@example.com",
            "--mail-to",
            "o@example.com",
        ]
        code, stdout, stderr = run(capsys, *args)
        assert code == 1 and len(box.messages) == 1
        assert box.logins == [("driftcheck", SECRET)]
        assert SECRET not in stdout + stderr
        assert SECRET.encode() not in box.raw[0]
        # a wrong password: refused, reported in one line, still not printed
        monkeypatch.setenv("DRIFTCHECK_SMTP_PASSWORD", SECRET + "-old")
        (out / "2026-11-30").rename(tmp_path / "first-run")
        code, stdout, stderr = run(capsys, *args)
        assert code == 1 and len(box.messages) == 1
        assert "notification failed: mail via" in stderr and "535" in stderr
        assert SECRET not in stdout + stderr
    for report in (out / "2026-11-30").iterdir():
        assert SECRET not in report.read_text(encoding="utf-8")
    # and the command line has no way to take it
    code, _, stderr = run(capsys, "nightly", drop, "--out", out, "--smtp-password", SECRET)
    assert code == 2 and "No such option" in stderr


def test_the_policy_file_sets_the_webhook_and_the_command_line_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    export_night(drop, night(30))
    with http_server() as inbox:
        policy = tmp_path / "driftcheck.toml"
        policy.write_text(
            f'[notify]\non = "always"\nwebhook = "{inbox.url}"\nwebhook_format = "slack"\n'
        )
        code, stdout, _ = run(
            capsys, "nightly", drop, "--out", out, "--policy", policy, "--webhook-format", "generic"
        )
        assert code == 1
        assert "Notification sent: webhook http://127.0.0.1 (generic)" in stdout
        [(path, _, body)] = inbox.requests
        assert path == "/hook/SECRET-TOKEN" and "SECRET-TOKEN" not in stdout
        assert body["schema"] == "driftcheck/notification/v1"
        assert body["counts"]["new"]["blocking"] == LISTED_BLOCKING
        assert body["reports"][0].endswith("latest.html")
        # on = "always" from the file: a second run with nothing new still notifies
        run(capsys, "nightly", drop, "--out", out, "--policy", policy)
        assert len(inbox.requests) == 2 and "blocks" in inbox.requests[1][2]  # slack, from the file
        # the command line's --notify-on wins: nothing new, so nothing sent
        run(capsys, "nightly", drop, "--out", out, "--policy", policy, "--notify-on", "new")
        assert len(inbox.requests) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mail-to", "o@example.com"], "--mail-to and --smtp-user need --smtp"),
        (["--smtp", "mail:99999", "--mail-from", "a@x", "--mail-to", "b@x"], "port must be"),
        (["--webhook", "file:///etc/passwd"], "https://"),
    ],
)
def test_unusable_notification_settings_exit_2_before_comparing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    export_night(drop, night(30))
    code, _, stderr = run(capsys, "nightly", drop, "--out", out, *args)
    assert code == 2 and message in stderr
    assert not out.exists()


def test_escaped_server_names_in_files_and_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    evil = "SYNC<script>alert(1)</script>/../x"
    place_export(drop, "a", "a.zip", server=ACTIVE, exported=night(30), staging=False)
    place_export(
        drop,
        "b",
        "b.zip",
        server=evil.replace("<", "&lt;").replace(">", "&gt;"),
        exported=night(30),
        staging=True,
    )
    code, _stdout, _ = run(capsys, "nightly", drop, "--out", out)
    assert code == 0
    names = sorted(p.name for p in (out / "2026-11-30").iterdir())
    assert f"pair-{ACTIVE}-vs-SYNC_script_alert_1_script_.._x.html" in names  # one name, no /
    latest = (out / "latest.html").read_text(encoding="utf-8")
    assert "<script>" not in latest and "&lt;script&gt;" in latest


# --- with the drift history -------------------------------------------------------------------


def test_nights_recorded_in_the_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drop, out, history, junit = (
        tmp_path / "drop",
        tmp_path / "out",
        tmp_path / "h.sqlite",
        tmp_path / "night.xml",
    )
    dead = [
        "--smtp",
        f"127.0.0.1:{free_port()}",
        "--mail-from",
        "d@example.com",
        "--mail-to",
        "o@example.com",
    ]

    def nightly(day: datetime, *extra: str) -> tuple[int, str]:
        code, _, stderr = run(
            capsys,
            "nightly",
            drop,
            "--out",
            out,
            "--history",
            history,
            "--run-time",
            f"{day:%Y-%m-%d}T03:00:00",
            *extra,
        )
        return code, stderr

    export_night(drop, night(28))
    assert nightly(night(28))[0] == 1
    export_night(drop, night(29))
    assert nightly(night(29), "--junit", str(junit))[0] == 1
    second = night_summary(out, "2026-11-29")
    assert second["history"] == str(history)
    assert statuses(second, "fab-sync01|fab-sync02") == {"new": 0, "open": LISTED, "resolved": 0}
    report = json.loads((out / "2026-11-29" / f"{PAIR}.json").read_text())
    assert {d["history"]["first_seen"] for d in report["differences"]} == {"2026-11-28T03:00:00Z"}
    assert {d["history"]["status"] for d in report["differences"]} == {"open"}

    # the JUnit file holds every comparison's suites
    tree = etree.parse(str(junit))
    names = [s.get("name", "") for s in tree.getroot()]
    assert any(n.startswith(f"{ACTIVE} vs {STAGING}: ") for n in names)
    assert any(n.startswith(f"{ACTIVE} vs {ACTIVE}: ") for n in names)
    assert int(tree.getroot().get("failures") or 0) > 0

    # night 3: a change on both servers, and the mail server is down: the history and the
    # reports are kept all the same, and only --strict-notify turns that into exit 2
    export_night(drop, night(30), edit=WRITEBACK_ON)
    code, stderr = nightly(night(30), *dead, "--strict-notify")
    assert code == 2 and "notification failed" in stderr
    third = night_summary(out, "2026-11-30")
    assert statuses(third, "self:fab-sync01")["new"] == 1
    assert (out / "2026-11-30" / f"self-{ACTIVE}.html").is_file()
    code, listing, _ = run(capsys, "history", history, "--json", "-")
    document = json.loads(listing)
    runs = {p["pair"]: len(p["runs"]) for p in document["pairs"]}
    assert runs == {"fab-sync01|fab-sync02": 3, "self:fab-sync01": 2, "self:fab-sync02": 2}

    # the index page's trend: the pair's three runs, from the history
    latest = (out / "latest.html").read_text(encoding="utf-8")
    assert latest.count("<svg") == 1
    assert "3 runs, 2026-11-28 to 2026-11-30" in latest


def test_the_trend_without_a_history_comes_from_the_nights_summaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    for day in (28, 29):
        export_night(drop, night(day))
        run(capsys, "nightly", drop, "--out", out)
    latest = (out / "latest.html").read_text(encoding="utf-8")
    assert "2 runs, 2026-11-28 to 2026-11-29" in latest


def test_a_failed_write_leaves_the_nights_files_as_they_were(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "out"
    export_night(drop, night(30))
    run(capsys, "nightly", drop, "--out", out)
    before = {p.name: p.read_bytes() for p in (out / "2026-11-30").iterdir()}
    stage = fileio.stage_file

    def disk_full_at_the_last_file(path: Path, text: str, encoding: str, newline: str) -> str:
        if path.name == "latest.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return stage(path, text, encoding, newline)

    monkeypatch.setattr(fileio, "stage_file", disk_full_at_the_last_file)
    code, _, stderr = run(capsys, "nightly", drop, "--out", out, "--fail-on", "info")
    assert code == 2
    assert "No space left on device" in stderr and "latest.html" in stderr
    after = {p.name: p.read_bytes() for p in (out / "2026-11-30").iterdir()}
    assert after == before
