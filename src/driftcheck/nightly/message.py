"""What a nightly notification says, whether to send it, and its text escaped for each medium.

Every value from an export reaches a mail header, a mail body, a Slack or a Teams message as
text escaped for that medium (control characters shown, markup neutralised).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from driftcheck.model.vocab import SEVERITY_ORDER, Severity

NOTIFY_ON = ("new", "change", "drift", "always")


STATUSES = ("new", "open", "resolved")


#: Findings listed one by one in a message; the rest are counted ("... and 12 more").
MAX_LISTED = 50


SEVERITY_NAMES = tuple(level.value for level in SEVERITY_ORDER)  # blocking, warning, info


class NotifyError(Exception):
    """A notification that could not be sent; the message is one line without secrets."""


@dataclass(frozen=True)
class FindingLine:
    """One finding as a notification lists it. ``status`` is new, reopened, open or resolved."""

    comparison: str
    severity: str
    section: str
    object: str
    path: str
    change: str
    status: str = "new"
    first_seen: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "comparison": self.comparison,
            "status": self.status,
            "severity": self.severity,
            "section": self.section,
            "object": self.object,
            "path": self.path,
            "change": self.change,
            "first_seen": self.first_seen,
        }

    def describe(self) -> str:
        where = self.path or "(whole object)"
        text = f"{self.severity} {self.section} {self.object}: {where} {self.change}"
        if self.status == "reopened":
            text += " (reopened)"
        if self.first_seen and self.status in ("reopened", "resolved"):
            text += f", first seen {self.first_seen}"
        return f"[{self.comparison}] {text}"


def empty_counts() -> dict[str, dict[str, int]]:
    return {status: {level: 0 for level in SEVERITY_NAMES} for status in STATUSES}


@dataclass(frozen=True)
class Notification:
    """What a nightly run has to say. ``counts`` maps new/open/resolved to counts per
    severity (reopened findings count as new). ``reports`` are paths or links to show;
    ``attachments`` the HTML reports a mail carries."""

    verdict: str
    title: str
    counts: Mapping[str, Mapping[str, int]] = field(default_factory=empty_counts)
    new: tuple[FindingLine, ...] = ()
    resolved: tuple[FindingLine, ...] = ()
    reports: tuple[str, ...] = ()
    attachments: tuple[Path, ...] = ()
    fail_on: str = Severity.WARNING
    notes: tuple[str, ...] = ()

    def total(self, status: str) -> int:
        return sum(self.counts.get(status, {}).values())

    def subject(self) -> str:
        subject = (
            f"[driftcheck] {self.verdict.upper()} {self.total('new')} new, "
            f"{self.total('open')} open"
        )
        if self.total("resolved"):
            subject += f", {self.total('resolved')} resolved"
        return header_text(f"{subject}: {self.title}")


def should_notify(notification: Notification, on: str) -> bool:
    """``new``: a new or reopened finding at or above --fail-on; ``change``: that, or such a
    finding resolved; ``drift``: the run found drift; ``always``."""
    if on not in NOTIFY_ON:
        raise ValueError(f"--notify-on must be one of {', '.join(NOTIFY_ON)}")

    def failing(lines: Sequence[FindingLine]) -> bool:
        threshold = Severity(notification.fail_on)
        return any(Severity(line.severity).at_least(threshold) for line in lines)

    if on == "always":
        return True
    if on == "drift":
        return notification.verdict == "drift"
    if on == "change" and failing(notification.resolved):
        return True
    return failing(notification.new)


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain_text(value: str) -> str:
    """A value for mail text or a terminal: control and format characters (line breaks,
    escape sequences, bidirectional overrides) shown as escapes, never acted on."""
    return "".join(
        _visible(c) if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in value
    )


def header_text(value: str) -> str:
    """A value for a mail header: one line, no CR/LF, whatever the export says."""
    return " ".join(plain_text(value.replace("\r", " ").replace("\n", " ")).split())


def slack_text(value: str) -> str:
    """Slack's mrkdwn: ``& < >`` must be escaped (``<!channel>`` would alert everyone),
    and formatting characters are neutralised so that a value reads as written."""
    text = plain_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "*_~`":
        text = text.replace(char, "\u200b" + char + "\u200b")
    return text


def markdown_text(value: str) -> str:
    """Adaptive Card (Teams) text is Markdown: backslash its markup so a value cannot become
    a link or formatting."""
    text = plain_text(value)
    for char in "\\`*_{}[]()#+-.!<>|~":
        text = text.replace(char, "\\" + char)
    return text
