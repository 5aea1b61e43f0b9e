"""The admin's policy file (``driftcheck.toml``): ignore rules, severity overrides, name map.

Read with the standard library's tomllib and validated strictly: an unknown key, a missing
reason, a duplicate id or a bad date is an :class:`InputError` naming the file and line,
because a typo in a policy must never silently hide (or fail to hide) a difference.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import tomli_w

from driftcheck.compare.canonical import SECTIONS
from driftcheck.errors import InputError
from driftcheck.exports.rules import DEFAULT_THRESHOLDS, RULES, RuleSettings, Thresholds
from driftcheck.model.vocab import Severity
from driftcheck.output.files import write_atomically
from driftcheck.output.terminal import printable
from driftcheck.policy.matching import SEVERITIES, IgnoreRule, Matcher, SeverityRule, glob
from driftcheck.read.files import check_regular, read_regular_file

#: The one place the SMTP password is read from (never from a file or an option).
PASSWORD_ENV = "DRIFTCHECK_SMTP_PASSWORD"

#: Keys of the policy file's ``[notify]`` table and the type each must have.
NOTIFY_TABLE_KEYS: Mapping[str, type | tuple[type, ...]] = {
    "on": str,
    "smtp": str,
    "smtp_starttls": bool,
    "smtp_user": str,
    "mail_from": str,
    "mail_to": (str, list),
    "webhook": str,
    "webhook_format": str,
    "strict": bool,
    "timeout": (int, float),
}

DEFAULT_NAME = "driftcheck.toml"

_MATCHER_KEYS = ("section", "object", "path", "value")
_IGNORE_KEYS = {"id", "reason", "expires", *_MATCHER_KEYS}
_SEVERITY_KEYS = {"id", "reason", "level", *_MATCHER_KEYS}
_TOP_KEYS = {"ignore", "severity", "map", "notify", "pending"}


@dataclass(frozen=True)
class PolicyFile:
    path: str
    ignore_rules: tuple[IgnoreRule, ...] = ()
    severity_rules: tuple[SeverityRule, ...] = ()
    name_map: Mapping[str, str] = field(default_factory=dict)
    #: the ``[pending]`` table: thresholds of the pending-exports rules
    pending: Thresholds = DEFAULT_THRESHOLDS


class _Checker:
    """Raises :class:`InputError` at the line of a table or key (tomllib gives no positions)."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path

    def _table_line(self, kind: str, index: int) -> int | None:
        header = re.compile(rf"^\s*\[\[\s*{re.escape(kind)}\s*\]\]")
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if header.match(line):
                seen += 1
                if seen == index:
                    return number
        return None

    def _key_line(self, kind: str, index: int, key: str) -> int | None:
        start = self._table_line(kind, index)
        if start is None:
            return None
        pattern = re.compile(rf'^\s*("?){re.escape(key)}\1\s*=')
        for number in range(start, len(self.lines)):
            line = self.lines[number]
            if line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number + 1
        return start

    def top_line(self, key: str) -> int | None:
        pattern = re.compile(rf"^\s*\[*\s*{re.escape(key)}\b")
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                return number
        return None

    def fail(self, kind: str, index: int, key: str | None, reason: str) -> NoReturn:
        line = self._key_line(kind, index, key) if key else self._table_line(kind, index)
        raise InputError(f"[[{kind}]] #{index + 1}: {reason}", file=self.path, line=line)

    def check_entry(
        self, kind: str, index: int, entry: Mapping[str, Any], allowed: set[str]
    ) -> None:
        for key in entry:
            if key not in allowed:
                allowed_keys = ", ".join(sorted(allowed))
                self.fail(kind, index, key, f"unknown key {key!r} (allowed: {allowed_keys})")
        if not any(k in entry for k in _MATCHER_KEYS):
            self.fail(kind, index, None, f"needs at least one of {', '.join(_MATCHER_KEYS)}")
        section = entry.get("section")
        if section is not None and section not in SECTIONS:
            sections = ", ".join(SECTIONS)
            self.fail(kind, index, "section", f"section must be one of {sections}, not {section!r}")
        for key in ("object", "path", "value"):
            if key in entry and not isinstance(entry[key], str):
                self.fail(kind, index, key, f"{key} must be a text glob")


def _matcher(entry: Mapping[str, Any]) -> Matcher:
    return Matcher(
        section=entry.get("section"),
        objects=(glob(entry["object"]),) if "object" in entry else (),
        paths=(glob(entry["path"]),) if "path" in entry else (),
        values=(glob(entry["value"]),) if "value" in entry else (),
    )


def _tables(data: Mapping[str, Any], kind: str, check: _Checker) -> list[dict[str, Any]]:
    entries = data.get(kind, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(
            f"{kind} must be written as [[{kind}]] tables",
            file=check.path,
            line=check.top_line(kind),
        )
    return entries


def _ignore_rule(
    index: int, entry: Mapping[str, Any], seen: dict[str, int], check: _Checker
) -> IgnoreRule:
    check.check_entry("ignore", index, entry, _IGNORE_KEYS)
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        check.fail("ignore", index, "id" if "id" in entry else None, "needs an id (a unique name)")
    if rule_id in seen:
        check.fail(
            "ignore", index, "id", f"duplicate id {rule_id!r} (also [[ignore]] #{seen[rule_id]})"
        )
    seen[rule_id] = index + 1
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        key = "reason" if "reason" in entry else None
        check.fail("ignore", index, key, f"{rule_id!r} needs a non-empty reason")
    expires = entry.get("expires")
    if expires is not None and (not isinstance(expires, date) or isinstance(expires, datetime)):
        check.fail("ignore", index, "expires", "expires must be a date like 2026-12-31 (unquoted)")
    return IgnoreRule(
        id=rule_id,
        reason=reason.strip(),
        matcher=_matcher(entry),
        source=check.path,
        expires=expires,
    )


def _severity_rule(index: int, entry: Mapping[str, Any], check: _Checker) -> SeverityRule:
    check.check_entry("severity", index, entry, _SEVERITY_KEYS)
    level = entry.get("level")
    if not isinstance(level, str) or level not in SEVERITIES:
        key = "level" if "level" in entry else None
        check.fail("severity", index, key, f"level must be one of {', '.join(SEVERITIES)}")
    return SeverityRule(
        id=str(entry.get("id") or f"policy-severity-{index + 1}"),
        level=level,
        reason=str(entry.get("reason") or f"set to {level} by the policy file"),
        matcher=_matcher(entry),
        source=check.path,
    )


def parse_policy(text: str, path: str) -> PolicyFile:
    """Validate and compile a policy file's text."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError(
            "not valid TOML for driftcheck: tables or arrays nested too deeply", file=path
        ) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"at line (\d+)", message)
        line = int(match.group(1)) if match else None
        raise InputError(f"not valid TOML: {message}", file=path, line=line) from None
    check = _Checker(text, path)
    for key in data:
        if key not in _TOP_KEYS:
            raise InputError(
                f"unknown key {key!r} (expected [[ignore]], [[severity]], [map], [notify] or "
                "[pending])",
                file=path,
                line=check.top_line(key),
            )
    seen: dict[str, int] = {}
    ignore_rules = tuple(
        _ignore_rule(i, e, seen, check) for i, e in enumerate(_tables(data, "ignore", check))
    )
    severity_rules = tuple(
        _severity_rule(i, e, check) for i, e in enumerate(_tables(data, "severity", check))
    )
    name_map = data.get("map", {})
    if not isinstance(name_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in name_map.items()
    ):
        raise InputError(
            "[map] must map staging names to primary names, both non-empty text",
            file=path,
            line=check.top_line("map"),
        )
    pending = parse_pending_table(data.get("pending", {}), text, path)
    return PolicyFile(path, ignore_rules, severity_rules, dict(name_map), pending)


#: A policy file is a few kilobytes; a larger one is refused rather than parsed.
MAX_POLICY_BYTES = 16 * 1024 * 1024


def load_policy(path: Path) -> PolicyFile:
    if not path.exists():
        raise InputError("no such policy file", file=str(path))
    check_regular(path, "a policy file (TOML)")
    try:
        text = read_regular_file(path, MAX_POLICY_BYTES, follow_links=True).decode("utf-8-sig")
    except InputError as exc:
        raise InputError(exc.reason, file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", file=str(path)) from None
    return parse_policy(text, str(path))


def find_policy(explicit: Path | None, cwd: Path) -> Path | None:
    """The policy to use: the one named, else ``./driftcheck.toml`` when present."""
    if explicit is not None:
        return explicit
    default = cwd / DEFAULT_NAME
    return default if default.is_file() else None


# --- driftcheck accept: one precise ignore rule per current difference ------------------------


def glob_escape(text: str) -> str:
    """A glob that matches ``text`` literally (``*``, ``?`` and ``[`` are bracketed)."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def accepted_value(difference: Mapping[str, Any]) -> str | None:
    """The side's value a rule can match on, when it is a single text."""
    value = difference["primary"] if difference["change"] == "removed" else difference["staging"]
    return value if isinstance(value, str) else None


def accept_rules(
    differences: list[Mapping[str, Any]],
    *,
    reason: str,
    expires: date,
    taken_ids: set[str],
    today: date,
) -> str:
    """TOML text of one ``[[ignore]]`` per difference, matching it and little else."""
    blocks: list[str] = []
    number = 0
    for d in differences:
        if d["section"] not in SECTIONS:
            continue  # findings about the policy itself cannot be accepted
        number += 1
        rule_id = f"accepted-{today:%Y%m%d}-{number:03d}"
        while rule_id in taken_ids:
            number += 1
            rule_id = f"accepted-{today:%Y%m%d}-{number:03d}"
        taken_ids.add(rule_id)
        where = f"{d['object']}: {d['path'] or '(whole object)'} {d['change']}"
        rule: dict[str, Any] = {
            "id": rule_id,
            "reason": reason,
            "section": d["section"],
            "object": glob_escape(d["object"]),
            "path": glob_escape(d["path"]),
        }
        value = accepted_value(d)
        if value is not None:
            rule["value"] = glob_escape(value)
        rule["expires"] = expires
        # A TOML comment may hold no control character: show them escaped.
        comment = printable(" ".join(f"{d['severity']} {d['section']} {where}".split()))
        blocks.append(f"# {comment}\n" + tomli_w.dumps({"ignore": [rule]}).rstrip("\n"))
    return "\n\n".join(blocks)


ACCEPT_HEADER = """\
# driftcheck policy: documented exceptions to "staging must equal primary".
# Every [[ignore]] needs an id and a reason; see `driftcheck rules --help`.
"""


def append_accepted(path: Path, text: str) -> None:
    """Append accepted rules to the policy file, validating the result before writing."""
    existing = path.read_text(encoding="utf-8-sig") if path.exists() else ACCEPT_HEADER
    combined = existing.rstrip("\n") + "\n\n" + text + "\n"
    parse_policy(combined, str(path))
    write_atomically(path, combined)


# --- [notify]: where `driftcheck nightly` sends its notifications ---------------------------


def _notify_key_line(text: str, key: str) -> int | None:
    """Line of ``key`` inside the ``[notify]`` table (or of the table header)."""
    lines = text.splitlines()
    header = next(
        (i for i, line in enumerate(lines) if re.match(r"^\s*\[\s*notify\s*\]", line)), None
    )
    if header is None:
        return None
    pattern = re.compile(rf'^\s*("?){re.escape(key)}\1\s*=')
    for number in range(header + 1, len(lines)):
        if lines[number].lstrip().startswith("["):
            break
        if pattern.match(lines[number]):
            return number + 1
    return header + 1


def parse_notify_table(text: str, path: str) -> dict[str, Any]:
    """The policy file's ``[notify]`` table, checked key by key (empty when there is none).

    The SMTP password is refused here: it is read from DRIFTCHECK_SMTP_PASSWORD only, so
    that it is never in a file that is shared, versioned or printed.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=path) from None
    table = data.get("notify", {})
    if not isinstance(table, dict):
        raise InputError("notify must be a [notify] table", file=path)
    for key, value in table.items():
        line = _notify_key_line(text, key)
        if "password" in key.lower():
            raise InputError(
                f"[notify] {key}: the SMTP password is read only from the environment "
                f"variable {PASSWORD_ENV}, never from a file",
                file=path,
                line=line,
            )
        expected = NOTIFY_TABLE_KEYS.get(key)
        if expected is None:
            allowed = ", ".join(NOTIFY_TABLE_KEYS)
            raise InputError(
                f"[notify] unknown key {key!r} (allowed: {allowed})", file=path, line=line
            )
        wrong_type = not isinstance(value, expected) or (
            isinstance(value, bool) and expected is not bool
        )
        if isinstance(value, list) and not all(isinstance(v, str) and v for v in value):
            wrong_type = True
        if wrong_type:
            raise InputError(
                f"[notify] {key} has the wrong type ({type(value).__name__})", file=path, line=line
            )
    return dict(table)


def load_notify_table(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", file=str(path)) from None
    return parse_notify_table(text, str(path))


# --- [pending]: thresholds of the pending-exports rules (driftcheck exports) -----------------

_PENDING_RULE_KEYS = {"severity", "count", "share", "enabled"}
_DELETION_KEY = "deletion-threshold"


def _pending_line(text: str, names: list[str], key: str | None) -> int | None:
    """The line of ``key`` in the ``[pending....]`` table named by ``names`` (or of the
    table, or of the first ``[pending`` header): tomllib gives no positions."""
    lines = text.splitlines()
    parts = [re.escape(n) for n in names]
    header = re.compile(
        r"^\s*\[\s*pending" + "".join(rf'\s*\.\s*"?{p}"?' for p in parts) + r"\s*\]"
    )
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        start = next(
            (i for i, line in enumerate(lines) if re.match(r"^\s*\[\s*pending", line)), None
        )
        if start is None:
            return None
    if key is None:
        return start + 1
    pattern = re.compile(rf'^\s*("?){re.escape(key)}\1\s*=')
    for number in range(start + 1, len(lines)):
        if lines[number].lstrip().startswith("["):
            break
        if pattern.match(lines[number]):
            return number + 1
    return start + 1


def _rule_settings(
    rule_id: str, table: Any, base: RuleSettings, names: list[str], text: str, path: str
) -> RuleSettings:
    where = "[pending." + ".".join(f'"{n}"' if " " in n or "." in n else n for n in names) + "]"

    def fail(key: str | None, reason: str) -> NoReturn:
        raise InputError(f"{where}: {reason}", file=path, line=_pending_line(text, names, key))

    if not isinstance(table, dict):
        fail(None, f"{rule_id} must be a table of {', '.join(sorted(_PENDING_RULE_KEYS))}")
    settings = base
    for key, value in table.items():
        if key not in _PENDING_RULE_KEYS:
            fail(key, f"unknown key {key!r} (allowed: {', '.join(sorted(_PENDING_RULE_KEYS))})")
        if key == "severity":
            if value not in SEVERITIES:
                fail(key, f"severity must be one of {', '.join(SEVERITIES)}, not {value!r}")
            settings = replace(settings, severity=Severity(value))
        elif key == "count":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                fail(key, "count must be a whole number of objects above 0")
            settings = replace(settings, count=value)
        elif key == "share":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
                fail(key, "share must be a number above 0 and at most 1 (0.05 is 5%)")
            settings = replace(settings, share=float(value))
        elif key == "enabled":
            if not isinstance(value, bool):
                fail(key, "enabled must be true or false")
            settings = replace(settings, enabled=value)
    return settings


def _deletion_threshold(value: Any, names: list[str], text: str, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"[pending] {_DELETION_KEY} must be a whole number of objects above 0",
            file=path,
            line=_pending_line(text, names, _DELETION_KEY),
        )
    return value


def parse_pending_table(table: Any, text: str, path: str) -> Thresholds:
    """The ``[pending]`` table as thresholds: ``deletion-threshold``, one sub-table per rule
    id (severity, count, share, enabled) and ``[pending.connector."NAME"]`` with the same
    keys for one connector."""
    if not isinstance(table, dict):
        raise InputError(
            "pending must be a [pending] table", file=path, line=_pending_line(text, [], None)
        )
    defaults = DEFAULT_THRESHOLDS
    rules = dict(defaults.rules)
    deletion: int | None = None
    connectors: dict[str, dict[str, RuleSettings]] = {}
    connector_deletion: dict[str, int] = {}
    allowed = ", ".join([_DELETION_KEY, "connector", *RULES])
    connector_keys = ", ".join([_DELETION_KEY, *RULES])
    for key, value in table.items():
        if key == _DELETION_KEY:
            deletion = _deletion_threshold(value, [], text, path)
        elif key in RULES:
            rules[key] = _rule_settings(key, value, rules[key], [key], text, path)
        elif key == "connector":
            if not isinstance(value, dict):
                raise InputError(
                    '[pending.connector."NAME"] tables expected',
                    file=path,
                    line=_pending_line(text, ["connector"], None),
                )
            for name, own in value.items():
                where = ["connector", name]
                if not isinstance(own, dict):
                    raise InputError(
                        f'[pending.connector."{printable(name)}"] must be a table',
                        file=path,
                        line=_pending_line(text, where, None),
                    )
                for rule_id, settings in own.items():
                    if rule_id == _DELETION_KEY:
                        connector_deletion[name] = _deletion_threshold(settings, where, text, path)
                    elif rule_id in RULES:
                        connectors.setdefault(name, {})[rule_id] = _rule_settings(
                            rule_id, settings, rules[rule_id], [*where, rule_id], text, path
                        )
                    else:
                        raise InputError(
                            f'[pending.connector."{printable(name)}"]: unknown key '
                            f"{printable(rule_id)!r} (allowed: {connector_keys})",
                            file=path,
                            line=_pending_line(text, where, rule_id),
                        )
        else:
            raise InputError(
                f"[pending]: unknown key {printable(key)!r} (allowed: {allowed})",
                file=path,
                line=_pending_line(text, [], key)
                if not isinstance(value, dict)
                else _pending_line(text, [key], None),
            )
    # A connector's rule inherits the file's own settings for that rule, not the defaults.
    for name, own_rules in connectors.items():
        for rule_id in own_rules:
            own_table = table["connector"][name][rule_id]
            own_rules[rule_id] = _rule_settings(
                rule_id, own_table, rules[rule_id], ["connector", name, rule_id], text, path
            )
    return Thresholds(
        rules=rules,
        connectors=connectors,
        deletion_threshold=deletion,
        connector_deletion_threshold=connector_deletion,
    )
