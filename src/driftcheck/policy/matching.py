"""What a rule matches: section, object, path and value globs, and the rule types built on them.

An ignore rule hides the differences it matches; a severity rule sets their level. Both are
frozen, carry an id, a reason and a source, and are shared by the built-in catalogue and the
admin's policy file.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from driftcheck.compare.walk import Change, Json
from driftcheck.model.vocab import Severity

#: Least severe first (see :class:`driftcheck.model.vocab.Severity`).
SEVERITIES: tuple[Severity, ...] = tuple(Severity)


BUILT_IN = "built-in"


def severity_rank(level: str) -> int:
    return Severity(level).rank


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def glob(pattern: str) -> re.Pattern[str]:
    """A case-insensitive shell-style glob (``*`` also matches ``/``)."""
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE | re.DOTALL)


def value_text(value: Json) -> list[str]:
    """The strings a value matcher looks at: a scalar, or each member of a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [str(value)]
    return [str(value)]


@dataclass(frozen=True)
class Matcher:
    """Which changes a rule applies to. Unset parts match anything.

    ``paths``/``objects``/``values`` are regular expressions (built-in rules) or compiled globs
    (policy files). ``both_values`` requires each side's value to match (a per-server generated
    name on both servers); ``same_ignoring_case`` requires the two values to differ in case only.
    ``same_key`` (True or False) further requires the part of both values caught by the
    pattern's ``key`` group (the tenant of a cloud account) to be equal, or to differ,
    ignoring case.
    """

    section: str | None = None
    objects: tuple[re.Pattern[str], ...] = ()
    paths: tuple[re.Pattern[str], ...] = ()
    values: tuple[re.Pattern[str], ...] = ()
    both_values: re.Pattern[str] | None = None
    same_ignoring_case: bool = False
    same_key: bool | None = None
    #: other matchers, any of which also makes the rule apply
    also: tuple[Matcher, ...] = ()
    #: matchers any of which keeps the rule from applying (checked before ``also``)
    unless: tuple[Matcher, ...] = ()

    def matches(self, change: Change) -> bool:
        if any(m.matches(change) for m in self.unless):
            return False
        return self._matches(change) or any(m.matches(change) for m in self.also)

    def _matches(self, change: Change) -> bool:
        if self.section is not None and change.section != self.section:
            return False
        if self.objects and not any(p.fullmatch(change.object) for p in self.objects):
            return False
        if self.paths and not any(p.fullmatch(change.path) for p in self.paths):
            return False
        if self.values:
            texts = value_text(change.primary) + value_text(change.staging)
            if not any(p.fullmatch(t) for p in self.values for t in texts):
                return False
        if self.both_values is not None:
            sides = (change.primary, change.staging)
            found = [self.both_values.fullmatch(v) if isinstance(v, str) else None for v in sides]
            if found[0] is None or found[1] is None:
                return False
            if self.same_key is not None:
                keys = {m.group("key").casefold() for m in (found[0], found[1])}
                if (len(keys) == 1) != self.same_key:
                    return False
        if self.same_ignoring_case:
            a, b = change.primary, change.staging
            if not (isinstance(a, str) and isinstance(b, str) and a.casefold() == b.casefold()):
                return False
        return True


@dataclass(frozen=True)
class IgnoreRule:
    id: str
    reason: str
    matcher: Matcher
    source: str = BUILT_IN
    reference: str = ""
    expires: date | None = None
    #: what the rule matches, in words (the tables of docs/ignore-rules.md are made from it)
    scope: str = ""


@dataclass(frozen=True)
class SeverityRule:
    id: str
    level: str
    reason: str
    matcher: Matcher
    source: str = BUILT_IN
    #: what the rule matches, in words (for docs/ignore-rules.md)
    scope: str = ""
