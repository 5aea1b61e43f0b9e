"""One ``cs-object`` of a csexport file as the change it would export.

The old values come from the synchronized hologram (``synchronized-hologram``, ``hologram`` in
older MIIS pages), the new from the unapplied-export hologram (``unapplied-export-hologram``,
``export-hologram``). Where a hologram is missing, the delta's own ``attr``/``value``
operations say what changes; the old values are then not in the file, and the change says so
(``old_known``). See /docs/pending-exports.md and the notes on the format it cites.

Built for speed: this runs once per object of files with millions of them, so it walks the
element's children directly and keeps plain tuples and dicts until the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from lxml import etree

from driftcheck.errors import InputError
from driftcheck.read.limits import Limits, too_big

Element = etree._Element


class Operation(StrEnum):
    """``unapplied-export/delta/@operation`` (OMODT); ``none`` is not a change."""

    ADD = "add"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    DELETE_ADD = "delete-add"


OPERATIONS: dict[str, Operation] = {op.value: op for op in Operation}

#: Operations on an object that exists in the connected directory and stays there.
KEEPS_OBJECT = frozenset({Operation.UPDATE, Operation.REPLACE, Operation.DELETE_ADD})


class Kind(StrEnum):
    """What one attribute change is, for the summary."""

    CASE_ONLY = "case-only"
    WHITESPACE_ONLY = "whitespace-only"
    SET = "set"
    CLEARED = "cleared"
    CHANGED = "changed"
    #: the old values were not in the file (no synchronized hologram)
    UNKNOWN = "unknown"


#: The kinds of the JSON schema, in its order (``unknown`` only appears when counted).
KINDS: tuple[Kind, ...] = tuple(Kind)

SYNCHRONIZED = frozenset({"synchronized-hologram", "hologram"})
UNAPPLIED = frozenset({"unapplied-export-hologram", "export-hologram"})

IDENTITY_ATTRIBUTES = ("displayName", "userPrincipalName", "sourceAnchor", "mail")
#: AD's source anchor, shown in the sourceAnchor column of an AD connector's objects.
CONSISTENCY_GUID = "ms-DS-ConsistencyGuid"
IDENTITY_NAMES = frozenset((*IDENTITY_ATTRIBUTES, CONSISTENCY_GUID))


@dataclass(frozen=True, slots=True)
class Identity:
    """Who an object is, for an admin reading a list of DNs."""

    display_name: str = ""
    user_principal_name: str = ""
    source_anchor: str = ""
    mail: str = ""


class AttributeChange(NamedTuple):
    """One attribute of one object that the export would change (a named tuple: millions
    are made, and a tuple is made several times faster than a frozen dataclass)."""

    name: str
    #: the attribute's modification type (AMODT): add, delete, replace, update
    operation: str
    kind: Kind
    old: tuple[str, ...]
    new: tuple[str, ...]
    #: multi-valued: the values the export adds and removes
    added: tuple[str, ...]
    removed: tuple[str, ...]
    multivalued: bool
    binary: bool
    reference: bool
    #: False when the old values were not in the file (then ``old`` is empty)
    old_known: bool


class PendingObject(NamedTuple):
    """One connector-space object and what its unapplied export would do (a named tuple,
    for speed, as :class:`AttributeChange`)."""

    id: str
    object_type: str
    dn: str
    #: None: no unapplied export (or operation ``none``)
    operation: Operation | None
    changes: tuple[AttributeChange, ...]
    #: who the object is, read on first use (see :attr:`identity`)
    identity_source: IdentitySource
    #: the synchronized hologram was in the file (the old values are known)
    old_known: bool
    #: an exported change not yet confirmed by an import (escrowed / unconfirmed export)
    escrowed: bool
    unconfirmed: bool

    @property
    def identity(self) -> Identity:
        """The identity columns. Read from the holograms on first use: only the CSV and the
        examples need them, so a run without ``--csv`` skips most of them. The first use
        must come before the reader moves on to the next object (the element is cleared
        then); the sink and the aggregates are called in that window."""
        return self.identity_source.get()


class IdentitySource:
    """The holograms an object's identity columns are read from, and the result once read."""

    __slots__ = ("_delta", "_label", "_limits", "_new", "_old", "_value")

    def __init__(
        self,
        new: Element | dict[str, _Attr] | None,
        old: Element | dict[str, _Attr] | None,
        delta: dict[str, _Attr],
        label: str,
        limits: Limits,
    ) -> None:
        self._new, self._old, self._delta = new, old, delta
        self._label, self._limits = label, limits
        self._value: Identity | None = None

    @classmethod
    def known(cls, identity: Identity) -> IdentitySource:
        source = cls(None, None, {}, "", Limits())
        source._value = identity
        return source

    def _attrs(self, part: Element | dict[str, _Attr] | None) -> dict[str, _Attr] | None:
        if part is None or isinstance(part, dict):
            return part
        return _attributes(part, self._label, self._limits, IDENTITY_NAMES)

    def get(self) -> Identity:
        if self._value is None:
            self._value = _identity(self._attrs(self._new), self._attrs(self._old), self._delta)
            self._new = self._old = None
        return self._value


class _Attr:
    """One attribute of a hologram entry or a delta, as read."""

    __slots__ = ("binary", "multivalued", "operation", "ops", "reference", "values")

    def __init__(
        self,
        operation: str,
        multivalued: bool,
        binary: bool,
        reference: bool,
        ops: list[str] | None,
    ) -> None:
        self.operation = operation
        self.multivalued = multivalued
        self.binary = binary
        self.reference = reference
        self.values: list[str] = []
        #: each value's own operation (a delta's), None in a hologram entry
        self.ops = ops

    def live(self) -> tuple[str, ...]:
        """The values, less those the delta deletes."""
        ops = self.ops
        if ops is None or not any(ops):
            return tuple(self.values)
        return tuple(v for o, v in zip(ops, self.values, strict=True) if o != "delete")

    def pairs(self) -> list[tuple[str, str]]:
        ops = self.ops or [""] * len(self.values)
        return list(zip(ops, self.values, strict=True))


def _check_length(text: str, el: Element, label: str, limits: Limits) -> None:
    if len(text) > limits.text_chars:
        raise InputError(
            too_big(
                f"holds a value longer than {limits.text_chars // (1024 * 1024):,} MB of "
                "characters",
                "text_chars",
                limits,
            ),
            file=label,
            line=el.sourceline if isinstance(el.sourceline, int) else None,
        )


def _attributes(
    parent: Element,
    label: str,
    limits: Limits,
    wanted: frozenset[str] | set[str] | None = None,
    *,
    operations: bool = False,
) -> dict[str, _Attr]:
    """The ``attr`` and ``dn-attr`` children of a delta or an entry, by name (only those in
    ``wanted``, when given: an update needs only what its delta names)."""
    found: dict[str, _Attr] = {}
    if wanted is not None and not wanted:
        return found
    max_chars = limits.text_chars
    for el in parent:
        get = el.get
        if wanted is not None:
            # Only attr and dn-attr have a name; the name test first skips the rest cheaply.
            name = get("name")
            if name is None or name not in wanted:
                continue
            tag = el.tag
        else:
            tag = el.tag
            name = get("name") or ""
        if tag == "attr":
            reference = False
        elif tag == "dn-attr":
            reference = True
        else:
            continue
        if len(name) > max_chars:
            _check_length(name, el, label, limits)
        ops: list[str] | None = [] if operations else None
        attr = _Attr(
            (get("operation") or "") if operations else "",
            get("multivalued") == "true",
            (get("type") or "").lower() == "binary",
            reference,
            ops,
        )
        _read_values(el, attr, label, limits)
        found[name] = attr
    return found


def _read_values(el: Element, attr: _Attr, label: str, limits: Limits) -> None:
    """An ``attr``'s ``value`` texts or a ``dn-attr``'s ``dn-value/dn`` texts into ``attr``."""
    values, ops, max_chars = attr.values, attr.ops, limits.text_chars
    for value in el:
        vtag = value.tag
        if vtag == "value":
            text = value.text or ""
        elif vtag == "dn-value":
            dn = value.find("dn")
            text = (dn.text or "") if dn is not None else ""
        else:
            continue
        if len(text) > max_chars:
            _check_length(text, value, label, limits)
        values.append(text)
        if ops is not None:
            ops.append(value.get("operation") or "")


def _entry(section: Element) -> Element | None:
    if len(section) and section[0].tag == "entry":
        return section[0]
    for el in section:
        if el.tag == "entry":
            return el
    return None


def _delta(section: Element) -> Element | None:
    if len(section) and section[0].tag == "delta":
        return section[0]
    for el in section:
        if el.tag == "delta":
            return el
    return None


def _has_export(section: Element | None) -> bool:
    """An escrowed or unconfirmed export section that holds a change."""
    if section is None:
        return False
    delta = _delta(section)
    return delta is not None and (delta.get("operation") or "none") != "none"


_Parts = tuple[Element | None, Element | None, Element | None, Element | None, Element | None]


def _parts(el: Element) -> _Parts:
    """The unapplied delta, the two holograms' entries and the escrowed and unconfirmed
    export sections of a ``cs-object`` (each None when missing)."""
    delta_el = synced_el = export_el = escrowed_el = unconfirmed_el = None
    for part in el:
        tag = part.tag
        if tag == "unapplied-export":
            delta_el = _delta(part)
        elif tag in SYNCHRONIZED:
            synced_el = _entry(part)
        elif tag in UNAPPLIED:
            export_el = _entry(part)
        elif tag == "escrowed-export":
            escrowed_el = part
        elif tag == "unconfirmed-export":
            unconfirmed_el = part
    return delta_el, synced_el, export_el, escrowed_el, unconfirmed_el


def _operation(delta_el: Element | None, label: str) -> Operation | None:
    if delta_el is None:
        return None
    raw = delta_el.get("operation") or "none"
    operation = OPERATIONS.get(raw)
    if operation is None and raw != "none":
        raise InputError(
            f"unknown delta operation {raw[:40]!r} (expected add, update, replace, delete, "
            "delete-add or none)",
            file=label,
            line=delta_el.sourceline if isinstance(delta_el.sourceline, int) else None,
        )
    return operation


def read_object(el: Element, label: str, limits: Limits) -> PendingObject:
    """The pending change of one ``cs-object`` element."""
    delta_el, synced_el, export_el, escrowed_el, unconfirmed_el = _parts(el)
    operation = _operation(delta_el, label)
    dn = (delta_el.get("dn") or "") if delta_el is not None else ""
    dn = dn or el.get("cs-dn") or ""
    if len(dn) > limits.text_chars:
        _check_length(dn, el, label, limits)
    delta = (
        _attributes(delta_el, label, limits, operations=True)
        if delta_el is not None and operation is not None
        else {}
    )
    # An update changes only what its delta names: of the holograms, only those attributes
    # are read (and the identity columns, which an update leaves as they were unless named).
    wanted_old: frozenset[str] | set[str] | None = None
    wanted_new: frozenset[str] | set[str] | None = None
    if operation is Operation.UPDATE:
        wanted_old = wanted_new = set(delta)
        if synced_el is not None:
            # The unapplied-export hologram is the synchronized one with the delta applied:
            # with both in the file, applying the delta is the same and half the reading.
            wanted_new = frozenset()
    elif operation is Operation.DELETE or operation is None:
        wanted_old = wanted_new = frozenset()
    old = _attributes(synced_el, label, limits, wanted_old) if synced_el is not None else None
    new = (
        _attributes(export_el, label, limits, wanted_new)
        if export_el is not None and wanted_new != frozenset()
        else None
    )
    identity = IdentitySource(
        new if wanted_new is None else export_el,
        old if wanted_old is None else synced_el,
        delta,
        label,
        limits,
    )
    changes = _changes(operation, old, new, delta) if operation is not None else ()
    return PendingObject(
        id=el.get("id") or "",
        object_type=el.get("object-type") or "",
        dn=dn,
        operation=operation,
        changes=changes,
        identity_source=identity,
        old_known=old is not None or operation is Operation.ADD,
        escrowed=_has_export(escrowed_el),
        unconfirmed=_has_export(unconfirmed_el),
    )


def _first(attr: _Attr | None) -> str:
    if attr is None or not attr.values:
        return ""
    if attr.ops is None:
        return attr.values[0]
    for op, value in zip(attr.ops, attr.values, strict=True):
        if op != "delete":
            return value
    return ""


_NONE: dict[str, _Attr] = {}


def _identity(
    new: dict[str, _Attr] | None, old: dict[str, _Attr] | None, delta: dict[str, _Attr]
) -> Identity:
    """The identity columns: the new value, else the delta's, else the old one."""
    n, o = new or _NONE, old or _NONE
    picked = []
    for name in IDENTITY_ATTRIBUTES:
        picked.append(_first(n.get(name)) or _first(delta.get(name)) or _first(o.get(name)))
    display, upn, anchor, mail = picked
    if not anchor:
        name = CONSISTENCY_GUID
        anchor = _first(n.get(name)) or _first(delta.get(name)) or _first(o.get(name))
    return Identity(display, upn, anchor, mail)


def _values(attr: _Attr | None) -> tuple[str, ...]:
    if attr is None:
        return ()
    return attr.live()


def _apply(old: tuple[str, ...], attr: _Attr) -> tuple[str, ...]:
    """The values after a delta attribute is applied to ``old``."""
    op = attr.operation
    if op == "delete":
        return ()
    value_ops = any(attr.ops or ())
    if not value_ops and (not attr.multivalued or op in ("replace", "")):
        return _values(attr)
    result = list(old)
    for value_op, value in attr.pairs():
        if value_op == "delete":
            if value in result:
                result.remove(value)
        elif value not in result:
            result.append(value)
    return tuple(result)


def _changes(
    operation: Operation,
    old: dict[str, _Attr] | None,
    new: dict[str, _Attr] | None,
    delta: dict[str, _Attr],
) -> tuple[AttributeChange, ...]:
    if operation is Operation.DELETE:
        return ()
    if operation is Operation.ADD:
        old = {}
    if operation is Operation.UPDATE:
        names: list[str] = list(delta)
    else:
        names = list(dict.fromkeys([*(new if new is not None else delta), *(old or {})]))
    result: list[AttributeChange] = []
    for name in names:
        change = _change(name, old, new, delta.get(name))
        if change is not None:
            result.append(change)
    return tuple(result)


def _change(
    name: str,
    old: dict[str, _Attr] | None,
    new: dict[str, _Attr] | None,
    delta_attr: _Attr | None,
) -> AttributeChange | None:
    before = old.get(name) if old is not None else None
    after = new.get(name) if new is not None else None
    shape = after or delta_attr or before
    assert shape is not None
    binary = shape.binary or (before is not None and before.binary)
    old_values = _values(before)
    old_known = old is not None
    if new is not None:
        new_values = _values(after)
    elif delta_attr is not None:
        new_values = _apply(old_values, delta_attr)
    else:
        new_values = old_values  # replace without an export hologram: not in the delta
    multivalued = shape.multivalued or len(old_values) > 1 or len(new_values) > 1
    if old_known:
        if multivalued:
            old_set = set(old_values)
            new_set = set(new_values)
            if old_set == new_set:
                return None
            added = tuple(v for v in new_values if v not in old_set)
            removed = tuple(v for v in old_values if v not in new_set)
        else:
            if old_values == new_values:
                return None
            added = removed = ()
        kind = classify(old_values, new_values, binary=binary)
    else:
        if delta_attr is None:
            return None
        pairs = delta_attr.pairs()
        added = tuple(v for op, v in pairs if op != "delete")
        removed = tuple(v for op, v in pairs if op == "delete")
        if not multivalued:
            added = removed = ()
        kind = _kind_from_operation(delta_attr)
    operation = delta_attr.operation if delta_attr is not None and delta_attr.operation else ""
    if not operation:
        operation = {Kind.SET: "add", Kind.CLEARED: "delete"}.get(kind, "replace")
    return AttributeChange(
        name=name,
        operation=operation,
        kind=kind,
        old=old_values,
        new=new_values,
        added=added,
        removed=removed,
        multivalued=multivalued,
        binary=binary,
        reference=shape.reference,
        old_known=old_known,
    )


def _kind_from_operation(attr: _Attr) -> Kind:
    """Without the old values, the attribute operation says as much as is known."""
    if attr.operation == "delete":
        return Kind.CLEARED
    if attr.operation == "add" and not attr.multivalued:
        return Kind.SET
    return Kind.UNKNOWN


def _squeeze(value: str) -> str:
    return " ".join(value.split())


def classify(old: tuple[str, ...], new: tuple[str, ...], *, binary: bool = False) -> Kind:
    """``set`` (was empty), ``cleared``, ``case-only``, ``whitespace-only`` or ``changed``.

    Multi-valued attributes compare as sets of values. Binary values are opaque: any
    difference is ``changed``.
    """
    if not old:
        return Kind.SET
    if not new:
        return Kind.CLEARED
    if binary:
        return Kind.CHANGED
    if {v.casefold() for v in old} == {v.casefold() for v in new}:
        return Kind.CASE_ONLY
    if {_squeeze(v) for v in old} == {_squeeze(v) for v in new}:
        return Kind.WHITESPACE_ONLY
    return Kind.CHANGED
