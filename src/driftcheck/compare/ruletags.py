"""Out-of-box sync rules and their immutable tags.

An out-of-box rule carries ``immutable-tag`` ``Microsoft.<stem>.<NNN>``; custom rules leave it
empty (Microsoft: *"Only out-of-box rules from Microsoft should have this box populated"*).
The product itself splits the tag into a version-agnostic tag (the stem) and a tag version:
the same stem with a higher version is Microsoft's revision of the rule, the same full tag with
different content is an edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from driftcheck.compare.canonical import ConfigObject

_TAG = re.compile(r"(?P<stem>microsoft\..+?)\.(?P<version>\d+)", re.IGNORECASE)

#: Out-of-box rules start at this precedence; custom rules belong in 0–99.
FIRST_OUT_OF_BOX_PRECEDENCE = 100


@dataclass(frozen=True)
class ImmutableTag:
    text: str
    #: version-agnostic part, compared ignoring case ("microsoft.infromaduserjoin")
    stem: str
    #: the tag version (``.003`` → 3); None when the tag has no numeric suffix
    version: int | None


def parse_tag(text: str | None) -> ImmutableTag | None:
    """The tag of an out-of-box rule, or None for a custom rule (empty or non-Microsoft tag)."""
    text = (text or "").strip()
    if not text.casefold().startswith("microsoft."):
        return None
    found = _TAG.fullmatch(text)
    if found is None:
        return ImmutableTag(text, text.casefold(), None)
    return ImmutableTag(text, found["stem"].casefold(), int(found["version"]))


def rule_tag(rule: ConfigObject) -> ImmutableTag | None:
    value = rule.fields.get("immutable-tag")
    return parse_tag(value if isinstance(value, str) else None)


def rule_direction(rule: ConfigObject) -> str:
    """``inbound`` or ``outbound`` (from the rule's precedence group)."""
    return (rule.precedence_group or "").split("|", 1)[0]


def rule_name(rule: ConfigObject) -> str:
    """The name as exported (a repeated name is suffixed in ``rule.name``, not here)."""
    value = rule.fields.get("name")
    return value if isinstance(value, str) else rule.name


def is_disabled(rule: ConfigObject) -> bool:
    return rule.fields.get("disabled") == "true"


def stem_key(rule: ConfigObject) -> tuple[str, str, str] | None:
    """(connector, direction, tag stem) of an out-of-box rule: its identity across versions."""
    tag = rule_tag(rule)
    if tag is None:
        return None
    return ((rule.connector or "").casefold(), rule_direction(rule), tag.stem)
