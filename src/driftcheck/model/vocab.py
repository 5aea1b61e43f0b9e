"""driftcheck's closed vocabularies: severities, report sections, change kinds, rule statuses.

Each is a ``StrEnum``, so a member *is* its JSON string: reports, policy files and templates
keep plain strings while the code names them once. The section table drives every list of
sections (summary, contents, the HTML page's sections, the text summary): adding a section is
one row in :data:`SECTION_TABLE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a difference matters; ``--fail-on`` picks the lowest that fails the run."""

    INFO = "info"
    WARNING = "warning"
    BLOCKING = "blocking"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for blocking."""
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANK = {level: n for n, level in enumerate(Severity)}

#: Most severe first: the order of every list and column shown to the admin.
SEVERITY_ORDER: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


def most_severe(levels: Iterable[Severity]) -> Severity | None:
    """The highest of ``levels``, None when there are none."""
    return max(levels, key=lambda s: s.rank, default=None)


def severity_sort_key(level: Severity) -> int:
    """Sorts most severe first."""
    return -level.rank


class Section(StrEnum):
    """Where a difference is: a part of the configuration, or the admin's policy file."""

    GLOBAL_SETTINGS = "global-settings"
    METAVERSE = "metaverse"
    CONNECTOR = "connector"
    SYNC_RULE = "sync-rule"
    POLICY = "policy"


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"


class RuleStatus(StrEnum):
    """How an ignore rule fared in a run."""

    USED = "used"
    UNUSED = "unused"
    EXPIRED = "expired"
    #: a built-in rule under ``--no-builtin-ignores``
    OFF = "off"


@dataclass(frozen=True)
class SectionInfo:
    """One row of the section table."""

    section: Section
    #: the heading shown in the text summary, the HTML page and its contents
    title: str
    #: the HTML anchor of the section (``#s-connector``)
    anchor: str
    #: prefix of the HTML anchors of the section's objects (``c1``, ``c2`` …)
    object_prefix: str
    #: objects of this section are read from an export (False: findings only)
    configuration: bool


SECTION_TABLE: tuple[SectionInfo, ...] = (
    SectionInfo(Section.GLOBAL_SETTINGS, "Global settings", "s-global-settings", "g", True),
    SectionInfo(Section.METAVERSE, "Metaverse", "s-metaverse", "m", True),
    SectionInfo(Section.CONNECTOR, "Connectors", "s-connector", "c", True),
    SectionInfo(Section.SYNC_RULE, "Sync rules", "s-sync-rule", "r", True),
    SectionInfo(Section.POLICY, "Policy file", "s-policy", "p", False),
)

SECTION_INFO: dict[str, SectionInfo] = {row.section.value: row for row in SECTION_TABLE}

#: The sections of a configuration, in report order.
CONFIG_SECTIONS: tuple[Section, ...] = tuple(r.section for r in SECTION_TABLE if r.configuration)


def section_title(section: str) -> str:
    """The heading of a section; a section this version does not know gets a readable one."""
    info = SECTION_INFO.get(section)
    return info.title if info else section.replace("-", " ").capitalize()


class FindingStatus(StrEnum):
    """A finding's place in the drift history (``compare --history``)."""

    #: not in the previous run of the same pair
    NEW = "new"
    #: in the previous run too
    OPEN = "open"
    #: seen before, resolved, back again
    REOPENED = "reopened"
    #: in the previous run, gone in this one
    RESOLVED = "resolved"
