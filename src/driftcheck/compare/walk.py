"""Compare two canonical configurations: match objects by identity, walk their trees.

Linear in the size of the exports: objects are matched by key (a dict lookup, never all
against all), each matched pair's fields are compared once, and equal subtrees are skipped by
a single equality test.

The walk is driftcheck's own rather than a generic differ's (deepdiff with
``ignore_order=True`` does report set members one by one, but at positional paths such as
``root['attributes'][3]``) because what is compared is not plain data:

* keys are matched case-folded while values are compared case-sensitively (AD names ignore
  case; a value whose case changed is a change): deepdiff's ``ignore_string_case`` folds
  both, and its result paths with them;
* every difference gets a readable path of names (``attribute-flows/mail/expression``), and a
  set member added or removed is named by its value, which is what policy rules match and
  reports show;
* values compare by their normalised text (:class:`~driftcheck.compare.normalize.Loose`: an
  expression without its whitespace, a reference ignoring case) but are shown as written;
* sync-rule precedence is compared as an order (each rule's rank among the rules competing
  with it) rather than as numbers, which a staging server renumbers.

Every change found is returned; deciding what is hidden and how severe the rest is belongs to
:mod:`driftcheck.policy.rules`. Nothing here reads a file: connector schemas known only by
differing fingerprints are read by :mod:`driftcheck.pipeline.compare` before :func:`compare` runs.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from driftcheck.compare.canonical import (
    SECTIONS,
    CanonicalConfiguration,
    ConfigObject,
    DeferredSchema,
    Loose,
    MemberSet,
    Node,
    Value,
)

#: JSON-compatible value: what a report holds for either side of a change.
Json = Any

#: Path of the difference that says a rule's rank among its competitors changed.
PRECEDENCE_ORDER = "precedence/order"


@dataclass(frozen=True)
class Change:
    """One difference between primary and staging, before policy."""

    section: str
    object: str
    connector: str | None
    path: str
    change: str  # "added" | "removed" | "modified"
    primary: Json
    staging: Json


class UnreadSchemaError(ValueError):
    """Two connector schemas differ by fingerprint but were not read: a caller's mistake.

    Comparing needs both schemas as nodes; reading them is the pipeline's job
    (:func:`driftcheck.pipeline.compare.resolve_schemas`), done before :func:`compare` is called.
    """

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path or 'schema'}: the two connector schemas differ by fingerprint but were not "
            "read; resolve them before comparing (driftcheck.pipeline.compare.resolve_schemas)"
        )


@dataclass(frozen=True)
class Comparison:
    primary: CanonicalConfiguration
    staging: CanonicalConfiguration
    changes: tuple[Change, ...]


def plain(value: Value) -> Json:
    """A canonical value as JSON data (sets as sorted lists, loose text as written)."""
    if isinstance(value, MemberSet):
        return list(value.members)
    if isinstance(value, Loose):
        return value.shown
    if isinstance(value, DeferredSchema):
        return value.counts()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _join(path: str, key: str) -> str:
    return f"{path}/{key}" if path else key


def diff_values(path: str, primary: Value, staging: Value) -> Iterator[tuple[str, str, Json, Json]]:
    """(path, change, primary, staging) for each difference between two values."""
    if primary == staging:
        return
    if isinstance(primary, DeferredSchema) or isinstance(staging, DeferredSchema):
        raise UnreadSchemaError(path)
    if isinstance(primary, dict) and isinstance(staging, dict):
        yield from _diff_nodes(path, primary, staging)
    elif isinstance(primary, MemberSet) and isinstance(staging, MemberSet):
        removed = primary.by_key.keys() - staging.by_key.keys()
        added = staging.by_key.keys() - primary.by_key.keys()
        for member in sorted(primary.by_key[k] for k in removed):
            yield path, "removed", member, None
        for member in sorted(staging.by_key[k] for k in added):
            yield path, "added", None, member
    else:
        yield path, "modified", plain(primary), plain(staging)


def _diff_nodes(path: str, primary: Node, staging: Node) -> Iterator[tuple[str, str, Json, Json]]:
    staging_by_key = {k.casefold(): k for k in staging}
    seen: set[str] = set()
    for p_key, p_value in primary.items():
        folded = p_key.casefold()
        seen.add(folded)
        s_key = staging_by_key.get(folded)
        if s_key is None:
            yield _join(path, p_key), "removed", plain(p_value), None
        else:
            yield from diff_values(_join(path, p_key), p_value, staging[s_key])
    for s_key, s_value in staging.items():
        if s_key.casefold() not in seen:
            yield _join(path, s_key), "added", None, plain(s_value)


def _object_changes(p: ConfigObject | None, s: ConfigObject | None) -> Iterator[Change]:
    if p is None and s is not None:
        yield Change(s.section, s.name, s.connector, "", "added", None, s.summary)
    elif s is None and p is not None:
        yield Change(p.section, p.name, p.connector, "", "removed", p.summary, None)
    elif p is not None and s is not None:
        for path, change, a, b in diff_values("", p.fields, s.fields):
            yield Change(p.section, p.name, p.connector, path, change, a, b)


def _sort_key(obj: ConfigObject) -> tuple[str, str]:
    return ((obj.connector or "").casefold(), obj.name.casefold())


def compare_section(
    primary: Mapping[str, ConfigObject], staging: Mapping[str, ConfigObject]
) -> list[Change]:
    keys = sorted(
        set(primary) | set(staging), key=lambda k: _sort_key(primary.get(k) or staging[k])
    )
    changes: list[Change] = []
    for key in keys:
        changes.extend(_object_changes(primary.get(key), staging.get(key)))
    return changes


# --- precedence ------------------------------------------------------------------------------


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []  # values
    tail_index: list[int] = []
    parent = [-1] * len(values)
    for i, v in enumerate(values):
        pos = bisect.bisect_left(tails, v)
        if pos == len(tails):
            tails.append(v)
            tail_index.append(i)
        else:
            tails[pos] = v
            tail_index[pos] = i
        parent[i] = tail_index[pos - 1] if pos else -1
    keep: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i != -1:
        keep.add(i)
        i = parent[i]
    return keep


def precedence_changes(
    primary: Mapping[str, ConfigObject], staging: Mapping[str, ConfigObject]
) -> list[Change]:
    """Rules whose rank among competing rules differs (renumbering alone is not a change).

    Among the rules present on both servers and competing with each other, the largest set
    that kept its relative order is taken as unchanged; every other rule is reported as moved.
    Rules present on one side only are reported as added or removed elsewhere, so they do not
    shift anyone's rank here.
    """
    groups: dict[str, list[tuple[ConfigObject, ConfigObject]]] = {}
    for key, p in primary.items():
        s = staging.get(key)
        if s is not None and p.precedence is not None and s.precedence is not None:
            groups.setdefault(p.precedence_group or "", []).append((p, s))
    changes: list[Change] = []
    for pairs in groups.values():
        pairs.sort(key=lambda pair: (pair[0].precedence or 0, pair[0].name.casefold()))
        staging_order = sorted(range(len(pairs)), key=lambda i: (pairs[i][1].precedence or 0, i))
        staging_rank = {i: rank for rank, i in enumerate(staging_order)}
        kept = _longest_increasing([staging_rank[i] for i in range(len(pairs))])
        total = len(pairs)
        for i, (p, s) in enumerate(pairs):
            if i not in kept:
                changes.append(
                    Change(
                        p.section,
                        p.name,
                        p.connector,
                        PRECEDENCE_ORDER,
                        "modified",
                        _rank_text(i, total, p, [pp for pp, _ in pairs]),
                        _rank_text(staging_rank[i], total, s, [pairs[j][1] for j in staging_order]),
                    )
                )
    return changes


def _rank_text(rank: int, total: int, rule: ConfigObject, ordered: list[ConfigObject]) -> str:
    after = f", after {ordered[rank - 1].name!r}" if rank else ", first"
    return f"rank {rank + 1} of {total} (precedence {rule.precedence}){after}"


# --- everything ------------------------------------------------------------------------------


def compare(primary: CanonicalConfiguration, staging: CanonicalConfiguration) -> Comparison:
    changes: list[Change] = []
    for section in SECTIONS:
        p_objects = primary.objects.get(section, {})
        s_objects = staging.objects.get(section, {})
        changes.extend(compare_section(p_objects, s_objects))
        if section == "sync-rule":
            changes.extend(precedence_changes(p_objects, s_objects))
    return Comparison(primary, staging, tuple(changes))
