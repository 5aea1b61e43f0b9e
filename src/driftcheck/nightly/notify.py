"""Notifications of a nightly run: what to say, whether to say it, and saying it by mail or webhook.

A :class:`Notification` is built by the nightly run from its reports; this module knows
nothing of reports or exports. Every text that comes from an export (server, object and path
names, values) is escaped for the medium it goes to: control characters out of mail headers
and text, Slack's ``& < >`` and Markdown out of chat cards, JSON by ``json.dumps``. The SMTP
password is read from the environment only, and no error message carries it or a webhook's
URL path (which often holds the webhook's secret token).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from driftcheck.nightly.message import (
    MAX_LISTED,
    NOTIFY_ON,
    SEVERITY_NAMES,
    STATUSES,
    FindingLine,
    Notification,
    NotifyError,
    header_text,
    markdown_text,
    plain_text,
    should_notify,
    slack_text,
)
from driftcheck.policy.file import PASSWORD_ENV

WEBHOOK_FORMATS = ("generic", "teams", "slack")
DEFAULT_SMTP_PORT = 25
DEFAULT_TIMEOUT = 30.0
#: Reports larger than this in total are linked by path instead of attached.
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024


# --- what a notification says -------------------------------------------------------------


# --- escaping per medium ------------------------------------------------------------------


# --- mail ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = DEFAULT_SMTP_PORT
    starttls: bool = False
    user: str | None = None
    sender: str = ""
    recipients: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp(value: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (an IPv6 address in brackets) into host and port."""
    text = value.strip()
    host, port = text, DEFAULT_SMTP_PORT
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[1:end], text[end + 1 :]
        if rest.startswith(":"):
            port = _port(rest[1:], value)
    elif text.count(":") == 1:
        host, number = text.split(":")
        port = _port(number, value)
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"--smtp {value!r}: expected HOST or HOST:PORT")
    return host, port


def _port(text: str, value: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"--smtp {value!r}: the port must be a number from 1 to 65535")
    return int(text)


def mail_body(notification: Notification) -> str:
    """The plain-text body: verdict and counts, then the new and the resolved findings."""
    n = notification
    lines = [f"driftcheck: {n.verdict.upper()}: {plain_text(n.title)}", ""]
    lines.append("               " + "".join(f"{level:>10}" for level in SEVERITY_NAMES))
    for status in STATUSES:
        counts = n.counts.get(status, {})
        row = "".join(f"{counts.get(level, 0):>10}" for level in SEVERITY_NAMES)
        lines.append(f"{status:<15}{row}")
    for heading, findings in (("New since the last run", n.new), ("Resolved", n.resolved)):
        lines += ["", f"{heading} ({len(findings)}):"]
        lines += [f"  - {plain_text(f.describe())}" for f in findings[:MAX_LISTED]]
        if len(findings) > MAX_LISTED:
            lines.append(f"  ... and {len(findings) - MAX_LISTED} more (see the reports)")
        if not findings:
            lines.append("  (none)")
    if n.notes:
        lines += ["", "Notes:"] + [f"  - {plain_text(note)}" for note in n.notes]
    if n.reports:
        lines += ["", "Reports:"] + [f"  {plain_text(r)}" for r in n.reports]
    return "\n".join(lines) + "\n"


def build_mail(notification: Notification, settings: MailSettings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = notification.subject()
    message["From"] = header_text(settings.sender)
    message["To"] = ", ".join(header_text(r) for r in settings.recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="driftcheck.invalid")
    body = mail_body(notification)
    attachments = [p for p in notification.attachments if p.is_file()]
    if sum(p.stat().st_size for p in attachments) > MAX_ATTACHMENT_BYTES:
        body += "\n(The reports are too large to attach; open them at the paths above.)\n"
        attachments = []
    message.set_content(body)
    for path in attachments:
        message.add_attachment(
            path.read_bytes(), maintype="text", subtype="html", filename=header_text(path.name)
        )
    return message


def send_mail(
    notification: Notification, settings: MailSettings, password: str | None = None
) -> None:
    """Send the mail; every failure is a :class:`NotifyError` naming the server only."""
    if not settings.sender or not settings.recipients:
        raise NotifyError(f"mail via {settings.where}: needs --mail-from and --mail-to")
    if settings.user and not password:
        raise NotifyError(
            f"mail via {settings.where}: --smtp-user is set but {PASSWORD_ENV} is not"
        )
    message = build_mail(notification, settings)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user and password:
                smtp.login(settings.user, password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        reason = _scrub(_one_line(exc), password)
        raise NotifyError(f"mail via {settings.where} failed: {reason}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        text = f"{exc.smtp_code} {' '.join(detail.split())}".strip()
    return plain_text(text)[:300]


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


# --- webhooks -----------------------------------------------------------------------------


def generic_payload(n: Notification) -> dict[str, Any]:
    return {
        "schema": "driftcheck/notification/v1",
        "verdict": n.verdict,
        "title": n.title,
        "subject": n.subject(),
        "fail_on": n.fail_on,
        "counts": {status: dict(levels) for status, levels in n.counts.items()},
        "new": [f.to_json() for f in n.new],
        "resolved": [f.to_json() for f in n.resolved],
        "reports": list(n.reports),
        "notes": list(n.notes),
    }


def _summary_line(n: Notification) -> str:
    return f"{n.total('new')} new, {n.total('open')} open, {n.total('resolved')} resolved"


def slack_payload(n: Notification) -> dict[str, Any]:
    """Slack incoming webhook: ``text`` (fallback) plus Block Kit sections."""

    def listing(heading: str, findings: Sequence[FindingLine]) -> str:
        items = [f"• {slack_text(f.describe())}" for f in findings[:MAX_LISTED]]
        if len(findings) > MAX_LISTED:
            items.append(f"… and {len(findings) - MAX_LISTED} more")
        return f"*{heading} ({len(findings)})*\n" + ("\n".join(items) or "(none)")

    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header_text(n.subject())[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": slack_text(_summary_line(n))}},
        {"type": "section", "text": {"type": "mrkdwn", "text": listing("New", n.new)[:3000]}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": listing("Resolved", n.resolved)[:3000]},
        },
    ]
    if n.reports:
        reports = "\n".join(slack_text(r) for r in n.reports)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": reports}]})
    return {"text": slack_text(n.subject()), "blocks": blocks}


def teams_payload(n: Notification) -> dict[str, Any]:
    """Teams: a message with one Adaptive Card, the shape a Teams Workflows "post to a channel
    when a webhook request is received" flow (and the older incoming webhook) accepts."""

    def block(text: str, **extra: Any) -> dict[str, Any]:
        return {"type": "TextBlock", "text": text, "wrap": True, **extra}

    body: list[dict[str, Any]] = [
        block(markdown_text(n.subject()), weight="Bolder", size="Medium"),
        block(markdown_text(_summary_line(n))),
    ]
    for heading, findings in (("New", n.new), ("Resolved", n.resolved)):
        body.append(block(f"{heading} ({len(findings)})", weight="Bolder"))
        items = [f"- {markdown_text(f.describe())}" for f in findings[:MAX_LISTED]]
        if len(findings) > MAX_LISTED:
            items.append(f"- … and {len(findings) - MAX_LISTED} more")
        if items:
            body.append(block("\n".join(items)))
    if n.reports:
        body.append(block("\n".join(markdown_text(r) for r in n.reports), isSubtle=True))
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    return {
        "type": "message",
        "summary": header_text(n.subject()),
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


PAYLOADS = {"generic": generic_payload, "teams": teams_payload, "slack": slack_payload}


def webhook_target(url: str) -> str:
    """Scheme and host of a webhook URL: what messages may show (the path is often a secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}"


def check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("--webhook must be an https:// (or http://) URL")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects would send the findings somewhere not configured."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def send_webhook(
    notification: Notification,
    url: str,
    fmt: str = "generic",
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """POST the notification as JSON; a non-2xx answer or no answer is a :class:`NotifyError`."""
    target = webhook_target(url)
    try:
        check_webhook_url(url)
        payload = PAYLOADS[fmt](notification)
    except (ValueError, KeyError) as exc:
        raise NotifyError(f"webhook {target}: {exc}") from None
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "driftcheck"},
    )
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:  # URLError and timeouts are OSErrors
        reason = getattr(exc, "reason", exc)
        raise NotifyError(f"webhook {target} failed: {plain_text(str(reason))[:300]}") from None
    if not 200 <= status < 300:
        raise NotifyError(f"webhook {target} failed: HTTP {status}")


# --- settings (command line and the policy file's [notify] table) ---------------------------


@dataclass(frozen=True)
class NotifySettings:
    """Where and when to notify. Built from the policy file's ``[notify]`` table, then the
    command line's options laid over it (the command line wins)."""

    on: str = "new"
    smtp: str | None = None
    smtp_starttls: bool = False
    smtp_user: str | None = None
    mail_from: str | None = None
    mail_to: tuple[str, ...] = ()
    webhook: str | None = None
    webhook_format: str = "generic"
    strict: bool = False
    timeout: float = DEFAULT_TIMEOUT

    def overridden(self, **options: Any) -> NotifySettings:
        """These settings with every option that was given (not ``None``, not empty) replacing."""
        given = {k: v for k, v in options.items() if v is not None and v != () and v != []}
        if "mail_to" in given:
            given["mail_to"] = tuple(given["mail_to"])
        return replace(self, **given)

    @property
    def mail(self) -> MailSettings | None:
        if not self.smtp:
            return None
        host, port = parse_smtp(self.smtp)
        return MailSettings(
            host=host,
            port=port,
            starttls=self.smtp_starttls,
            user=self.smtp_user,
            sender=self.mail_from or "",
            recipients=self.mail_to,
            timeout=self.timeout,
        )

    def check(self) -> None:
        """Raise ``ValueError`` for settings that cannot work (before the run starts)."""
        if self.on not in NOTIFY_ON:
            raise ValueError(f"notify-on must be one of {', '.join(NOTIFY_ON)}, not {self.on!r}")
        if self.webhook_format not in WEBHOOK_FORMATS:
            formats = ", ".join(WEBHOOK_FORMATS)
            raise ValueError(
                f"webhook-format must be one of {formats}, not {self.webhook_format!r}"
            )
        if self.webhook:
            check_webhook_url(self.webhook)
        if self.smtp:
            parse_smtp(self.smtp)
            if not self.mail_from or not self.mail_to:
                raise ValueError("mail needs --mail-from and at least one --mail-to")
        elif self.mail_to or self.smtp_user:
            raise ValueError("--mail-to and --smtp-user need --smtp HOST[:PORT]")


def settings_from_table(table: Mapping[str, Any]) -> NotifySettings:
    """Settings from an already validated ``[notify]`` table."""
    values = dict(table)
    if isinstance(values.get("mail_to"), str):
        values["mail_to"] = (values["mail_to"],)
    elif "mail_to" in values:
        values["mail_to"] = tuple(values["mail_to"])
    if "timeout" in values:
        values["timeout"] = float(values["timeout"])
    return NotifySettings(**values)


def deliver(
    notification: Notification, settings: NotifySettings, environ: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """Send by every configured channel when :func:`should_notify` says so. Returns what went
    out and what failed, one line each without secrets (both empty when nothing had to go)."""
    sent: list[str] = []
    failures: list[str] = []
    if not should_notify(notification, settings.on):
        return sent, failures
    mail = settings.mail
    if mail is not None:
        try:
            send_mail(notification, mail, environ.get(PASSWORD_ENV) or None)
            sent.append(f"mail to {len(mail.recipients)} recipient(s) via {mail.where}")
        except NotifyError as exc:
            failures.append(str(exc))
    if settings.webhook:
        try:
            send_webhook(
                notification, settings.webhook, settings.webhook_format, timeout=settings.timeout
            )
            sent.append(f"webhook {webhook_target(settings.webhook)} ({settings.webhook_format})")
        except NotifyError as exc:
            failures.append(str(exc))
    return sent, failures
