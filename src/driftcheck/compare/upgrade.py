"""Upgrade-aware comparison: tell the product's own changes from the admin's.

When the two servers run different product versions (a staged upgrade, or an unannounced
automatic upgrade of either server), comparing them name by name reports every out-of-box rule
Microsoft revised as drift. This stage, used by :mod:`driftcheck.pipeline.compare` only when the
versions differ, does two things:

* before the comparison, :func:`match_default_rules_by_tag` keys out-of-box rules by (connector,
  direction, tag stem) instead of name, so a revised or renamed rule meets its older self;
* after it, :func:`product_change_rule` names the ``upgrade-…`` rule that explains a change as
  the product's own (reported as info, in full), or None: everything else keeps its severity.

The immutable tag ``Microsoft.<stem>.<NNN>`` decides: the same stem with a higher suffix on the
newer server is Microsoft's revision; the same full tag with other content is an edit. See
``docs/upgrade-mode.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from driftcheck.compare.canonical import CanonicalConfiguration, ConfigObject
from driftcheck.compare.ruletags import rule_tag, stem_key
from driftcheck.compare.walk import PRECEDENCE_ORDER, Change
from driftcheck.errors import InputError
from driftcheck.model.releases import parse_version


@dataclass(frozen=True)
class UpgradeMode:
    """The two servers' versions, and which one is ahead."""

    primary_version: str
    staging_version: str
    #: "primary" or "staging": the side on the newer product version
    newer: str

    @property
    def older(self) -> str:
        return "primary" if self.newer == "staging" else "staging"

    @property
    def older_version(self) -> str:
        return self.primary_version if self.newer == "staging" else self.staging_version

    @property
    def newer_version(self) -> str:
        return self.staging_version if self.newer == "staging" else self.primary_version

    def verdict_note(self) -> str:
        """``upgrade in progress: staging 2.4.18.0, primary 2.3.20.0`` (the newer side first)."""
        return (
            f"upgrade in progress: {self.newer} {self.newer_version}, "
            f"{self.older} {self.older_version}"
        )

    def to_json(self) -> dict[str, str]:
        return {
            "primary_version": self.primary_version,
            "staging_version": self.staging_version,
            "newer": self.newer,
        }

    @classmethod
    def from_json(cls, data: object, *, file: str | None = None) -> UpgradeMode:
        keys = ("primary_version", "staging_version", "newer")
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in keys):
            raise InputError(f"upgrade must hold {', '.join(keys)} as strings", file=file)
        if data["newer"] not in ("primary", "staging"):
            raise InputError(
                f"upgrade: newer {data['newer']!r} is not primary or staging", file=file
            )
        return cls(data["primary_version"], data["staging_version"], data["newer"])

    @property
    def title(self) -> str:
        """``2.4.18.0 → 2.4.27.0``: older to newer."""
        return f"{self.older_version} → {self.newer_version}"


#: Rules marking a difference as the product's own start with this.
UPGRADE_RULE_PREFIX = "upgrade-"


def is_product_change(rule: str) -> bool:
    return rule.startswith(UPGRADE_RULE_PREFIX)


def detect_upgrade(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration
) -> UpgradeMode | None:
    """Upgrade mode when both versions can be read and differ; None otherwise."""
    p, s = parse_version(primary.product_version), parse_version(staging.product_version)
    if p is None or s is None or p == s:
        return None
    return UpgradeMode(
        primary.product_version, staging.product_version, newer="staging" if s > p else "primary"
    )


# --- before the comparison: match out-of-box rules by tag stem -------------------------------


def _stems(rules: Mapping[str, ConfigObject]) -> dict[tuple[str, str, str], list[str]]:
    """(connector, direction, tag stem) → the keys of the out-of-box rules carrying it."""
    by_stem: dict[tuple[str, str, str], list[str]] = {}
    for key, rule in rules.items():
        stem = stem_key(rule)
        if stem is not None:
            by_stem.setdefault(stem, []).append(key)
    return by_stem


def _tag_keys(
    rules: Mapping[str, ConfigObject], repeated: frozenset[tuple[str, str, str]]
) -> dict[str, str]:
    """Old key → ``connector|direction|tag:stem`` for out-of-box rules whose stem is unique
    on both servers (``repeated``: the stems that repeat on either)."""
    return {
        keys[0]: f"{connector}|{direction}|tag:{stem}"
        for (connector, direction, stem), keys in _stems(rules).items()
        if (connector, direction, stem) not in repeated
    }


def _repeated_stems(*configs: CanonicalConfiguration) -> frozenset[tuple[str, str, str]]:
    return frozenset(
        stem
        for config in configs
        for stem, keys in _stems(config.objects.get("sync-rule", {})).items()
        if len(keys) > 1
    )


def _rekeyed(
    config: CanonicalConfiguration, repeated: frozenset[tuple[str, str, str]]
) -> CanonicalConfiguration:
    rules = config.objects.get("sync-rule", {})
    new_keys = _tag_keys(rules, repeated)
    if not new_keys:
        return config
    rekeyed = {
        new_keys.get(key, key): replace(rule, key=new_keys[key]) if key in new_keys else rule
        for key, rule in rules.items()
    }
    return replace(config, objects={**config.objects, "sync-rule": rekeyed})


def match_default_rules_by_tag(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration
) -> tuple[CanonicalConfiguration, CanonicalConfiguration]:
    """Both configurations with out-of-box rules keyed by (connector, direction, tag stem).

    Custom rules keep their (connector, direction, name) key. A stem that repeats on either
    server for the same connector and direction (an out-of-box rule copied with its tag) keeps
    the name key on both, so that the rule of that name meets its counterpart and the copy is
    reported as added.
    """
    repeated = _repeated_stems(primary, staging)
    return _rekeyed(primary, repeated), _rekeyed(staging, repeated)


# --- after the comparison: which changes the product explains -------------------------------

#: The rules that mark a difference as the product's own, with the reason a report shows.
UPGRADE_RULES: dict[str, str] = {
    "upgrade-version": "The product version, and the component versions that come with it, "
    "differ because one server was upgraded.",
    "upgrade-revised-default-rule": "Microsoft revised this out-of-box rule: the same tag stem "
    "has a higher tag version on the newer server (its flows, scoping and join conditions, "
    "name and description are the product's; its object types, link type, password sync, "
    "soft-delete interval, disabled flag and order are not).",
    "upgrade-new-default-rule": "An out-of-box rule that only the newer version has (its tag "
    "stem is not on the older server for that connector and direction).",
    "upgrade-default-rule-renumbered": "The upgrade renumbered out-of-box rules; their order "
    "is unchanged.",
    "upgrade-new-parameter": "A global parameter that only the newer version has.",
    "upgrade-retired-parameter": "A global parameter that only the older version has: the "
    "newer version no longer writes it (the product writes every global parameter; none is "
    "deleted by hand).",
    "upgrade-connector-schema": "The upgrade refreshed the connector schema: attributes or "
    "classes added or changed on the newer server.",
    "upgrade-new-metaverse-attribute": "A metaverse attribute that only the newer version has "
    "and that one of its out-of-box rules uses.",
}

_VERSION_SETTINGS = ("microsoft.synchronize.serverconfigurationversion", "microsoft.version.")
_ASSEMBLY_VERSION = "assembly-version"

Ident = tuple[str, str, str]  # (section, connector, object name), folded


def _ident(obj: ConfigObject) -> Ident:
    return (obj.section, (obj.connector or "").casefold(), obj.name.casefold())


@dataclass(frozen=True)
class _Pairs:
    """Each compared object's two sides, found from a change's (section, connector, object)."""

    by_primary: dict[Ident, tuple[ConfigObject | None, ConfigObject | None]]
    by_staging: dict[Ident, tuple[ConfigObject | None, ConfigObject | None]]
    #: (connector, direction, tag stem) of each server's out-of-box rules
    primary_stems: frozenset[tuple[str, str, str]] = frozenset()
    staging_stems: frozenset[tuple[str, str, str]] = frozenset()

    @classmethod
    def of(cls, primary: CanonicalConfiguration, staging: CanonicalConfiguration) -> _Pairs:
        by_primary, by_staging = {}, {}
        for section in set(primary.objects) | set(staging.objects):
            p_objects = primary.objects.get(section, {})
            s_objects = staging.objects.get(section, {})
            for key in set(p_objects) | set(s_objects):
                pair = (p_objects.get(key), s_objects.get(key))
                if pair[0] is not None:
                    by_primary[_ident(pair[0])] = pair
                if pair[1] is not None:
                    by_staging[_ident(pair[1])] = pair
        return cls(
            by_primary,
            by_staging,
            frozenset(_stems(primary.objects.get("sync-rule", {}))),
            frozenset(_stems(staging.objects.get("sync-rule", {}))),
        )

    def older_stems(self, mode: UpgradeMode) -> frozenset[tuple[str, str, str]]:
        return self.primary_stems if mode.older == "primary" else self.staging_stems

    def find(self, change: Change) -> tuple[ConfigObject | None, ConfigObject | None]:
        ident = (change.section, (change.connector or "").casefold(), change.object.casefold())
        table = self.by_staging if change.change == "added" and not change.path else self.by_primary
        return table.get(ident) or self.by_staging.get(ident) or (None, None)


def _only_on_newer(change: Change, mode: UpgradeMode) -> bool:
    return change.change == ("added" if mode.newer == "staging" else "removed")


def _only_on_older(change: Change, mode: UpgradeMode) -> bool:
    return change.change == ("removed" if mode.newer == "staging" else "added")


def _newer_and_older(
    pair: tuple[ConfigObject | None, ConfigObject | None], mode: UpgradeMode
) -> tuple[ConfigObject | None, ConfigObject | None]:
    primary, staging = pair
    return (staging, primary) if mode.newer == "staging" else (primary, staging)


def _global_setting_rule(change: Change, mode: UpgradeMode) -> str | None:
    name = change.object.casefold()
    if any(name == v or (v.endswith(".") and name.startswith(v)) for v in _VERSION_SETTINGS):
        return "upgrade-version"
    if not change.path and _only_on_newer(change, mode):
        return "upgrade-new-parameter"
    if not change.path and _only_on_older(change, mode):
        # the product writes every global parameter: none is deleted by hand; 2.x dropped
        # 1.x's PasswordHashSync/PasswordWriteback flags (the connectors' own flags stay
        # compared)
        return "upgrade-retired-parameter"
    return None


def _metaverse_rule(change: Change, mode: UpgradeMode, product_words: frozenset[str]) -> str | None:
    """A metaverse attribute the newer version added, and one of its own rules uses.

    An upgrade adds metaverse attributes together with the out-of-box rules that flow them
    (employeeLeaveDateTime, onPremisesObjectIdentifier); an attribute that no out-of-box rule
    of the newer server mentions was added by someone, and stays loud.
    """
    if change.object == "(attribute definitions)":
        attribute = change.path if change.path and "/" not in change.path else None
    elif change.path.startswith("attributes/") and change.path.count("/") == 1:
        attribute = change.path.split("/", 1)[1]
    else:
        attribute = None
    if attribute is None or not _only_on_newer(change, mode):
        return None
    return "upgrade-new-metaverse-attribute" if attribute.casefold() in product_words else None


_WORD = re.compile(r"[A-Za-z0-9_.-]+")


def _words(value: object, out: set[str]) -> None:
    if isinstance(value, str):
        out.update(w.casefold() for w in _WORD.findall(value))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _words(key, out)
            _words(item, out)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _words(item, out)
    else:
        shown = getattr(value, "members", None) or getattr(value, "shown", None)
        if shown is not None:
            _words(shown, out)


def out_of_box_words(config: CanonicalConfiguration) -> frozenset[str]:
    """Every name the out-of-box sync rules of ``config`` mention (flows, scopes, joins)."""
    words: set[str] = set()
    for rule in config.objects.get("sync-rule", {}).values():
        if rule_tag(rule) is not None:
            _words(rule.fields, words)
    return frozenset(words)


def _connector_rule(change: Change, mode: UpgradeMode) -> str | None:
    if change.path.endswith(_ASSEMBLY_VERSION):
        return "upgrade-version"
    if change.path.startswith("schema/"):
        # a refresh brings the forest's current schema: an attribute gone from the newer
        # server is not the product's doing (a schema not refreshed, or an edit)
        removed_on_newer = change.change == ("removed" if mode.newer == "staging" else "added")
        return None if removed_on_newer else "upgrade-connector-schema"
    return None


#: What Microsoft's revision of an out-of-box rule changes (the first segment of a path):
#: its transformations, scoping and join conditions, name, description and tag. The rest of
#: the rule stays loud when its tag grows: what it reads and writes (object types), its link
#: type, its password hash sync flag (set by the wizard's sign-in page), its soft-delete
#: interval, its disabled flag and its order among competing rules, which a revision keeps
#: and an administrator sets.
REVISABLE_RULE_PARTS = frozenset(
    {"attribute-flows", "scoping-groups", "join-groups", "name", "description", "immutable-tag"}
)


def _new_default_rule(rule: ConfigObject | None, pairs: _Pairs, mode: UpgradeMode) -> bool:
    """An out-of-box rule only the newer server has, whose stem the older server lacks for
    that connector and direction (a copy of an existing default rule is not new)."""
    stem = stem_key(rule) if rule is not None else None
    return stem is not None and stem not in pairs.older_stems(mode)


def _sync_rule_rule(change: Change, pairs: _Pairs, mode: UpgradeMode) -> str | None:
    newer, older = _newer_and_older(pairs.find(change), mode)
    if not change.path:  # a whole rule on one side only
        rule = newer if _only_on_newer(change, mode) else None
        return "upgrade-new-default-rule" if _new_default_rule(rule, pairs, mode) else None
    if newer is None or older is None:
        return None
    new_tag, old_tag = rule_tag(newer), rule_tag(older)
    if new_tag is None or old_tag is None or change.path in ("disabled", PRECEDENCE_ORDER):
        return None  # custom rules, enable/disable and a changed order stay loud
    if change.path == "precedence":
        return "upgrade-default-rule-renumbered"
    if change.path.split("/", 1)[0] not in REVISABLE_RULE_PARTS:
        return None
    grown = (
        new_tag.stem == old_tag.stem
        and new_tag.version is not None
        and old_tag.version is not None
        and new_tag.version > old_tag.version
    )
    return "upgrade-revised-default-rule" if grown else None


def product_change_rule(
    change: Change, pairs: _Pairs, mode: UpgradeMode, product_words: frozenset[str] = frozenset()
) -> str | None:
    """The ``upgrade-…`` rule explaining ``change`` as the product's own, or None.

    ``product_words``: the names the newer server's out-of-box rules mention
    (:func:`out_of_box_words`).
    """
    if change.section == "global-settings":
        return _global_setting_rule(change, mode)
    if change.section == "metaverse":
        return _metaverse_rule(change, mode, product_words)
    if change.section == "connector":
        return _connector_rule(change, mode)
    if change.section == "sync-rule":
        return _sync_rule_rule(change, pairs, mode)
    return None


def product_change_classifier(
    primary: CanonicalConfiguration, staging: CanonicalConfiguration, mode: UpgradeMode
) -> Callable[[Change], str | None]:
    """A function for :func:`~driftcheck.policy.rules.apply_policy`: change → ``upgrade-…`` rule.

    None when the change is the admin's, not the product's.

    ``primary`` and ``staging`` are the configurations as compared (rules keyed by tag stem).
    """
    pairs = _Pairs.of(primary, staging)
    words = out_of_box_words(staging if mode.newer == "staging" else primary)
    return lambda change: product_change_rule(change, pairs, mode, words)


def product_changes(
    changes: Iterable[Change], classify: Callable[[Change], str | None]
) -> list[tuple[Change, str]]:
    """The changes the product explains, each with its rule (for tests and summaries)."""
    found = []
    for change in changes:
        rule = classify(change)
        if rule is not None:
            found.append((change, rule))
    return found
