"""Notifications: when they go, what they say, and delivery to real servers on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftcheck.errors import InputError
from driftcheck.nightly.message import (
    FindingLine,
    Notification,
    NotifyError,
    empty_counts,
    header_text,
    plain_text,
    should_notify,
    slack_text,
)
from driftcheck.nightly.notify import (
    MailSettings,
    NotifySettings,
    build_mail,
    deliver,
    mail_body,
    parse_smtp,
    send_mail,
    send_webhook,
    settings_from_table,
    teams_payload,
)
from driftcheck.policy.file import parse_notify_table, parse_policy
from tests.servers import free_port, http_server, smtp_server

PAIR = "FAB-SYNC01 vs FAB-SYNC02"
SECRET = "s3cr3t-Pa55!"


def line(severity: str = "warning", status: str = "new", obj: str = "contoso.com") -> FindingLine:
    return FindingLine(
        PAIR,
        severity,
        "connector",
        obj,
        "partitions/DC=contoso/inclusions",
        "added",
        status,
        "2026-11-28T02:00:00+00:00",
    )


def notification(
    new: tuple[FindingLine, ...] = (),
    resolved: tuple[FindingLine, ...] = (),
    open_count: int = 5,
    *,
    title: str = PAIR,
    attachments: tuple[Path, ...] = (),
) -> Notification:
    counts = empty_counts()
    for f in new:
        counts["new"][f.severity] += 1
    for f in resolved:
        counts["resolved"][f.severity] += 1
    counts["open"]["warning"] = open_count
    failing = any(f.severity != "info" for f in new) or open_count > 0
    return Notification(
        verdict="drift" if failing else "consistent",
        title=title,
        counts=counts,
        new=new,
        resolved=resolved,
        reports=("/srv/drift/2026-11-30/pair-FAB-SYNC01-vs-FAB-SYNC02.html",),
        attachments=attachments,
    )


# --- when ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "n", "expected"),
    [
        ("new", notification((line(),)), True),
        ("new", notification((line(status="reopened"),)), True),
        ("new", notification((line("info"),)), False),  # below --fail-on warning
        ("new", notification(resolved=(line(status="resolved"),)), False),
        ("new", notification(), False),
        ("change", notification(resolved=(line(status="resolved"),)), True),
        ("change", notification(resolved=(line("info", "resolved"),)), False),
        ("change", notification(), False),
        ("drift", notification(), True),
        ("drift", notification(open_count=0), False),
        ("always", notification(open_count=0), True),
    ],
)
def test_when_to_notify(on: str, n: Notification, expected: bool) -> None:
    assert should_notify(n, on) is expected


# --- what ----------------------------------------------------------------------------------


def test_subject_has_verdict_counts_and_title() -> None:
    n = notification((line(), line("blocking")))
    assert n.subject() == "[driftcheck] DRIFT 2 new, 5 open: FAB-SYNC01 vs FAB-SYNC02"
    n = notification(resolved=(line(status="resolved"),), open_count=0)
    assert n.subject() == "[driftcheck] CONSISTENT 0 new, 0 open, 1 resolved: " + PAIR


def test_body_lists_new_and_resolved_findings_with_counts() -> None:
    body = mail_body(
        notification((line("blocking"),), (line(status="resolved", obj="fabrikam.com"),))
    )
    assert "driftcheck: DRIFT: FAB-SYNC01 vs FAB-SYNC02" in body
    assert (
        "New since the last run (1):\n  - [FAB-SYNC01 vs FAB-SYNC02] blocking connector contoso.com:"
        in body
    )
    assert "Resolved (1):\n  - [FAB-SYNC01 vs FAB-SYNC02] warning connector fabrikam.com:" in body
    assert "first seen 2026-11-28" in body
    counts = {row.split()[0]: row.split()[1:] for row in body.splitlines()[3:6]}
    assert counts == {"new": ["1", "0", "0"], "open": ["0", "5", "0"], "resolved": ["0", "1", "0"]}
    assert "/srv/drift/2026-11-30/pair-FAB-SYNC01-vs-FAB-SYNC02.html" in body


def test_export_values_cannot_inject_headers_or_control_sequences() -> None:
    evil = "FAB-SYNC01\r\nBcc: victim@example.com\x1b[31m\u202e"
    assert header_text(evil) == "FAB-SYNC01 Bcc: victim@example.com\\x1b[31m\\u202e"
    assert plain_text("a\nb\tc") == "a\\x0ab\\x09c"
    n = notification((line(obj="ou\r\nX-Injected: 1"),), title=evil)
    message = build_mail(
        n, MailSettings("127.0.0.1", sender="dc@example.com", recipients=("a@example.com",))
    )
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX-Injected" not in raw and b"\x1b" not in raw
    assert message["Bcc"] is None
    assert "victim@example.com" in str(message["Subject"])


def test_slack_and_teams_text_cannot_mention_or_link() -> None:
    assert (
        slack_text("<!channel> & *bold*") == "&lt;!channel&gt; &amp; \u200b*\u200bbold\u200b*\u200b"
    )
    card = teams_payload(notification((line(obj="[click](https://evil.example)"),)))
    text = json.dumps(card)
    assert "[click](https" not in text
    assert "\\\\[click\\\\]\\\\(https" in text


# --- mail to a real SMTP server on loopback ------------------------------------------------


def test_mail_is_received_with_the_html_report_attached(tmp_path: Path) -> None:
    report = tmp_path / "pair-FAB-SYNC01-vs-FAB-SYNC02.html"
    report.write_text("<!doctype html><title>report</title><p>drift</p>", encoding="utf-8")
    n = notification((line(),), attachments=(report,))
    with smtp_server(user="driftcheck", password=SECRET) as box:
        settings = MailSettings(
            "127.0.0.1",
            box.port,
            user="driftcheck",
            sender="driftcheck@example.com",
            recipients=("ops@example.com", "sync@example.com"),
        )
        send_mail(n, settings, SECRET)
    assert box.logins == [("driftcheck", SECRET)]
    assert box.envelopes == [("driftcheck@example.com", ["ops@example.com", "sync@example.com"])]
    message = box.messages[0]
    assert message["Subject"] == "[driftcheck] DRIFT 1 new, 5 open: FAB-SYNC01 vs FAB-SYNC02"
    body = message.get_body(("plain",))
    assert body is not None and "New since the last run (1):" in body.get_content()
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [report.name]
    assert attachments[0].get_content_type() == "text/html"
    assert "<p>drift</p>" in attachments[0].get_content()
    assert SECRET.encode() not in box.raw[0]


def test_a_refused_login_is_a_one_line_failure_without_the_password() -> None:
    with smtp_server(user="driftcheck", password="right") as box:
        settings = MailSettings(
            "127.0.0.1",
            box.port,
            user="driftcheck",
            sender="d@example.com",
            recipients=("o@example.com",),
        )
        with pytest.raises(NotifyError) as failure:
            send_mail(notification((line(),)), settings, SECRET)
    assert box.messages == []
    message = str(failure.value)
    assert message.startswith(f"mail via 127.0.0.1:{box.port} failed: 535")
    assert SECRET not in message and "\n" not in message


def test_starttls_not_offered_fails_before_any_login() -> None:
    with smtp_server(user="driftcheck", password=SECRET) as box:
        settings = MailSettings(
            "127.0.0.1",
            box.port,
            starttls=True,
            user="driftcheck",
            sender="d@example.com",
            recipients=("o@example.com",),
        )
        with pytest.raises(NotifyError, match="failed: STARTTLS extension not supported"):
            send_mail(notification((line(),)), settings, SECRET)
    assert box.logins == [] and box.messages == []


def test_a_user_without_the_password_variable_is_a_failure() -> None:
    settings = MailSettings(
        "127.0.0.1", free_port(), user="u", sender="d@e.com", recipients=("o@e.com",)
    )
    with pytest.raises(NotifyError, match="DRIFTCHECK_SMTP_PASSWORD is not"):
        send_mail(notification((line(),)), settings, None)


def test_nothing_is_sent_when_nothing_is_new() -> None:
    with smtp_server() as box:
        settings = NotifySettings(
            smtp=f"127.0.0.1:{box.port}", mail_from="d@example.com", mail_to=("o@example.com",)
        )
        assert deliver(notification(), settings, {}) == ([], [])
        sent, failures = deliver(notification((line(),)), settings, {})
    assert len(box.messages) == 1
    assert sent == [f"mail to 1 recipient(s) via 127.0.0.1:{box.port}"] and failures == []


def test_password_comes_from_the_environment() -> None:
    with smtp_server(user="driftcheck", password=SECRET) as box:
        settings = NotifySettings(
            smtp=f"127.0.0.1:{box.port}",
            smtp_user="driftcheck",
            mail_from="d@example.com",
            mail_to=("o@example.com",),
        )
        sent, failures = deliver(
            notification((line(),)), settings, {"DRIFTCHECK_SMTP_PASSWORD": SECRET}
        )
    assert failures == [] and len(sent) == 1
    assert box.logins == [("driftcheck", SECRET)]


# --- webhooks to a local HTTP server -----------------------------------------------------


def test_generic_webhook_payload() -> None:
    n = notification((line("blocking"),), (line(status="resolved"),))
    with http_server() as inbox:
        send_webhook(n, inbox.url, "generic")
    path, headers, body = inbox.requests[0]
    assert path == "/hook/SECRET-TOKEN"
    assert headers["Content-Type"].startswith("application/json")
    assert body["schema"] == "driftcheck/notification/v1"
    assert body["verdict"] == "drift" and body["title"] == PAIR
    assert body["counts"]["new"] == {"blocking": 1, "warning": 0, "info": 0}
    assert body["counts"]["resolved"]["warning"] == 1
    assert [f["status"] for f in body["new"] + body["resolved"]] == ["new", "resolved"]
    assert body["new"][0]["object"] == "contoso.com"
    assert body["reports"] == list(n.reports)


def test_teams_webhook_is_an_adaptive_card_message() -> None:
    with http_server() as inbox:
        send_webhook(notification((line(),)), inbox.url, "teams")
    body = inbox.requests[0][2]
    assert body["type"] == "message"
    attachment = body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    texts = [b["text"] for b in card["body"]]
    assert all(b["type"] == "TextBlock" for b in card["body"])
    assert texts[0].startswith("\\[driftcheck\\] DRIFT 1 new, 5 open: FAB\\-SYNC01 vs FAB\\-SYNC02")
    assert any("contoso\\.com" in t for t in texts)


def test_slack_webhook_has_text_and_blocks() -> None:
    with http_server() as inbox:
        send_webhook(notification((line(),)), inbox.url, "slack")
    body = inbox.requests[0][2]
    assert body["text"].startswith("[driftcheck] DRIFT 1 new")
    assert [b["type"] for b in body["blocks"]] == [
        "header",
        "section",
        "section",
        "section",
        "context",
    ]
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    assert "contoso.com" in body["blocks"][2]["text"]["text"]


def test_webhook_failures_name_the_host_not_the_secret_path() -> None:
    with http_server(status=500) as inbox, pytest.raises(NotifyError) as failure:
        send_webhook(notification((line(),)), inbox.url, "generic")
    assert str(failure.value) == "webhook http://127.0.0.1 failed: HTTP 500"
    with pytest.raises(NotifyError) as failure:
        send_webhook(notification(), f"http://127.0.0.1:{free_port()}/hook/SECRET-TOKEN", timeout=5)
    assert "failed" in str(failure.value) and "SECRET-TOKEN" not in str(failure.value)
    with pytest.raises(NotifyError, match="https://"):
        send_webhook(notification(), "file:///etc/passwd")


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mail.example.com", ("mail.example.com", 25)),
        ("mail:587", ("mail", 587)),
        ("[::1]:2525", ("::1", 2525)),
        ("[::1]", ("::1", 25)),
    ],
)
def test_smtp_host_and_port(value: str, expected: tuple[str, int]) -> None:
    assert parse_smtp(value) == expected


@pytest.mark.parametrize("value", ["mail:x", "mail:0", "mail:70000", ":25", "a b"])
def test_bad_smtp_values(value: str) -> None:
    with pytest.raises(ValueError, match="--smtp"):
        parse_smtp(value)


def test_command_line_wins_over_the_file() -> None:
    from_file = NotifySettings(on="change", smtp="mail:25", mail_from="a@x", mail_to=("b@x",))
    merged = from_file.overridden(on="always", smtp=None, mail_to=["c@x", "d@x"], webhook=None)
    assert (merged.on, merged.smtp, merged.mail_to) == ("always", "mail:25", ("c@x", "d@x"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (NotifySettings(on="sometimes"), "notify-on must be one of"),
        (NotifySettings(webhook="ftp://x/y"), "https://"),
        (NotifySettings(webhook="https://x/y", webhook_format="discord"), "webhook-format"),
        (NotifySettings(smtp="mail"), "--mail-from"),
        (NotifySettings(mail_to=("a@x",)), "need --smtp"),
    ],
)
def test_settings_that_cannot_work_are_refused(settings: NotifySettings, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings.check()


# --- the policy file's [notify] table ------------------------------------------------------

NOTIFY_TOML = """\
[[ignore]]
id = "pilot"
reason = "sales OU pilot"
object = "contoso.com"

[notify]
on = "change"
smtp = "mail.example.com:587"
smtp_starttls = true
smtp_user = "driftcheck@example.com"
mail_from = "driftcheck@example.com"
mail_to = "sync-admins@example.com"
webhook = "https://example.webhook.office.com/x"
webhook_format = "teams"
"""


def test_notify_table_in_the_policy_file() -> None:
    assert len(parse_policy(NOTIFY_TOML, "driftcheck.toml").ignore_rules) == 1
    settings = settings_from_table(parse_notify_table(NOTIFY_TOML, "driftcheck.toml"))
    settings.check()
    assert settings.mail_to == ("sync-admins@example.com",)
    assert (settings.on, settings.webhook_format, settings.smtp_starttls) == (
        "change",
        "teams",
        True,
    )
    mail = settings.mail
    assert mail is not None and (mail.host, mail.port) == ("mail.example.com", 587)
    assert settings_from_table(parse_notify_table("", "x.toml")) == NotifySettings()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'smtp_password = "hunter2"',
            "driftcheck.toml:15: [notify] smtp_password: the SMTP password is read only from the environment variable DRIFTCHECK_SMTP_PASSWORD",
        ),
        ("colour = 1", "driftcheck.toml:15: [notify] unknown key 'colour'"),
        ("strict = 1", "driftcheck.toml:15: [notify] strict has the wrong type (int)"),
        ("timeout = true", "driftcheck.toml:15: [notify] timeout has the wrong type (bool)"),
    ],
)
def test_bad_notify_tables_name_the_line(extra: str, message: str) -> None:
    with pytest.raises(InputError) as failure:
        parse_notify_table(NOTIFY_TOML + extra + "\n", "driftcheck.toml")
    assert failure.value.message.startswith(message)
    assert "hunter2" not in failure.value.message
