"""Connector-space export XML (``csexport.exe "<connector>" file.xml /f:x``): model and writer.

The structure is the one of the MIIS 2003 / FIM 2010 developer reference ("Connector Space
Export XML", see ``../shared/notes/pending-exports.md``)::

    <cs-objects>
      <cs-object cs-dn="..." id="{GUID}" object-type="user" transient="false">
        <unapplied-export><delta operation="update" dn="..."> ... </delta></unapplied-export>
        <escrowed-export> ... </escrowed-export>  <unconfirmed-export> ... </unconfirmed-export>
        <synchronized-hologram><entry dn="..."> ... </entry></synchronized-hologram>
        <unapplied-export-hologram><entry dn="..."> ... </entry></unapplied-export-hologram>
      </cs-object>
    </cs-objects>

The writer streams: :func:`write_csexport` takes any iterable of :class:`CsObject` and writes
one object at a time, so a generator of a million objects (:mod:`exportkit.pendingbench`) never
holds more than one in memory. :class:`CsExportStyle` carries what is not documented or differs
between product versions: the encoding (UTF-8, UTF-8 with BOM, UTF-16LE with BOM), CRLF line
ends, the attribute ``type`` spelling and the older MIIS hologram names.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from .text import esc, esc_attr

#: ``delta/@operation`` values.
Operation = Literal["none", "add", "update", "replace", "delete", "delete-add"]
#: ``attr/@operation``, ``dn-attr/@operation`` and ``value/@operation`` values.
ValueOperation = Literal["add", "delete", "replace", "update"]
#: Attribute types in the model; written per :attr:`CsExportStyle.types`.
AttrType = Literal["string", "binary", "integer", "boolean"]

#: ``type`` spellings: what csexport writes ("written") and the reference's names ("documented").
TYPE_SPELLINGS: dict[str, dict[str, str]] = {
    "written": {"string": "string", "binary": "binary", "integer": "integer", "boolean": "boolean"},
    "documented": {
        "string": "String",
        "binary": "Binary",
        "integer": "Number",
        "boolean": "Boolean",
    },
}

#: Hologram element names: the current reference and the older MIIS pages.
HOLOGRAM_NAMES: dict[str, dict[str, str]] = {
    "current": {
        "synchronized": "synchronized-hologram",
        "unapplied": "unapplied-export-hologram",
        "escrowed": "escrowed-export-hologram",
        "unconfirmed": "unconfirmed-export-hologram",
        "import": "import-hologram",
    },
    "miis": {
        "synchronized": "hologram",
        "unapplied": "export-hologram",
        "escrowed": "escrowed-export-hologram",
        "unconfirmed": "unconfirmed-export-hologram",
        "import": "import-hologram",
    },
}


@dataclass(frozen=True)
class Value:
    """One value; ``operation`` only inside an update delta (a multi-valued add or delete)."""

    text: str
    operation: ValueOperation | None = None


@dataclass(frozen=True)
class Attr:
    name: str
    values: tuple[Value, ...]
    type: AttrType = "string"
    multivalued: bool = False
    operation: ValueOperation | None = None  # only inside an update delta


@dataclass(frozen=True)
class DnValue:
    dn: str
    anchor: str | None = None  # base64 of the referenced object's anchor
    operation: ValueOperation | None = None


@dataclass(frozen=True)
class DnAttr:
    """A reference attribute (manager, member): its values are DNs."""

    name: str
    values: tuple[DnValue, ...]
    multivalued: bool = False
    operation: ValueOperation | None = None


AnyAttr = Attr | DnAttr


@dataclass(frozen=True)
class Entry:
    """A hologram's ``entry``: the object as a whole at one point of the export chain."""

    dn: str
    attrs: tuple[AnyAttr, ...] = ()
    anchor: str | None = None
    primary_objectclass: str | None = None
    objectclass: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delta:
    """A ``delta``: what an export changes (``update``: only the attributes that change)."""

    operation: Operation
    dn: str
    attrs: tuple[AnyAttr, ...] = ()
    anchor: str | None = None
    primary_objectclass: str | None = None
    objectclass: tuple[str, ...] = ()


@dataclass(frozen=True)
class CsObject:
    cs_dn: str
    id: str  # connector-space object GUID, with braces
    object_type: str
    transient: bool = False
    unapplied_export: Delta | None = None
    escrowed_export: Delta | None = None
    unconfirmed_export: Delta | None = None
    pending_import: Delta | None = None
    synchronized_hologram: Entry | None = None
    unapplied_export_hologram: Entry | None = None
    escrowed_export_hologram: Entry | None = None
    unconfirmed_export_hologram: Entry | None = None
    import_hologram: Entry | None = None


@dataclass(frozen=True)
class CsExportStyle:
    """How a file's bytes are laid out (none of this is fixed by the reference)."""

    encoding: Literal["utf-8", "utf-8-sig", "utf-16"] = "utf-8"
    crlf: bool = False
    types: Literal["written", "documented"] = "written"
    holograms: Literal["current", "miis"] = "current"
    declaration: bool = True
    indent: str = " "
    #: One line per object, no indentation (a file written without pretty-printing).
    compact: bool = False


@dataclass
class _Out:
    style: CsExportStyle
    lines: list[str] = field(default_factory=list)

    def add(self, depth: int, text: str) -> None:
        self.lines.append(text if self.style.compact else self.style.indent * depth + text)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _op(operation: str | None) -> str:
    return f' operation="{operation}"' if operation else ""


def _attr(out: _Out, depth: int, attr: AnyAttr) -> None:
    if isinstance(attr, DnAttr):
        out.add(
            depth,
            f'<dn-attr name="{esc_attr(attr.name)}" multivalued="{_flag(attr.multivalued)}"'
            f"{_op(attr.operation)}>",
        )
        for dv in attr.values:
            out.add(depth + 1, f"<dn-value{_op(dv.operation)}>")
            out.add(depth + 2, f"<dn>{esc(dv.dn)}</dn>")
            if dv.anchor is not None:
                out.add(depth + 2, f'<anchor encoding="base64">{esc(dv.anchor)}</anchor>')
            out.add(depth + 1, "</dn-value>")
        out.add(depth, "</dn-attr>")
        return
    type_name = TYPE_SPELLINGS[out.style.types][attr.type]
    out.add(
        depth,
        f'<attr name="{esc_attr(attr.name)}" type="{type_name}" '
        f'multivalued="{_flag(attr.multivalued)}"{_op(attr.operation)}>',
    )
    encoding = ' encoding="base64"' if attr.type == "binary" else ""
    for v in attr.values:
        out.add(depth + 1, f"<value{_op(v.operation)}{encoding}>{esc(v.text)}</value>")
    out.add(depth, "</attr>")


def _body(
    out: _Out,
    depth: int,
    anchor: str | None,
    primary: str | None,
    classes: tuple[str, ...],
    attrs: tuple[AnyAttr, ...],
) -> None:
    if anchor is not None:
        out.add(depth, f'<anchor encoding="base64">{esc(anchor)}</anchor>')
    if primary is not None:
        out.add(depth, f"<primary-objectclass>{esc(primary)}</primary-objectclass>")
    if classes:
        out.add(depth, "<objectclass>")
        for oc in classes:
            out.add(depth + 1, f"<oc-value>{esc(oc)}</oc-value>")
        out.add(depth, "</objectclass>")
    for attr in attrs:
        _attr(out, depth, attr)


def _delta(out: _Out, depth: int, wrapper: str, delta: Delta) -> None:
    out.add(depth, f"<{wrapper}>")
    head = f'<delta operation="{delta.operation}" dn="{esc_attr(delta.dn)}"'
    if not (delta.attrs or delta.anchor or delta.primary_objectclass or delta.objectclass):
        out.add(depth + 1, head + " />")
    else:
        out.add(depth + 1, head + ">")
        _body(
            out,
            depth + 2,
            delta.anchor,
            delta.primary_objectclass,
            delta.objectclass,
            delta.attrs,
        )
        out.add(depth + 1, "</delta>")
    out.add(depth, f"</{wrapper}>")


def _hologram(out: _Out, depth: int, wrapper: str, entry: Entry) -> None:
    out.add(depth, f"<{wrapper}>")
    out.add(depth + 1, f'<entry dn="{esc_attr(entry.dn)}">')
    _body(out, depth + 2, entry.anchor, entry.primary_objectclass, entry.objectclass, entry.attrs)
    out.add(depth + 1, "</entry>")
    out.add(depth, f"</{wrapper}>")


def render_object(obj: CsObject, style: CsExportStyle = CsExportStyle()) -> str:
    """One ``cs-object`` element's text (lines joined by ``\\n``, with a final ``\\n``)."""
    out = _Out(style)
    names = HOLOGRAM_NAMES[style.holograms]
    out.add(
        1,
        f'<cs-object cs-dn="{esc_attr(obj.cs_dn)}" id="{esc_attr(obj.id)}" '
        f'object-type="{esc_attr(obj.object_type)}" transient="{_flag(obj.transient)}">',
    )
    for wrapper, delta in (
        ("unapplied-export", obj.unapplied_export),
        ("escrowed-export", obj.escrowed_export),
        ("unconfirmed-export", obj.unconfirmed_export),
        ("pending-import", obj.pending_import),
    ):
        if delta is not None:
            _delta(out, 2, wrapper, delta)
    for key, entry in (
        ("synchronized", obj.synchronized_hologram),
        ("unapplied", obj.unapplied_export_hologram),
        ("escrowed", obj.escrowed_export_hologram),
        ("unconfirmed", obj.unconfirmed_export_hologram),
        ("import", obj.import_hologram),
    ):
        if entry is not None:
            _hologram(out, 2, names[key], entry)
    out.add(1, "</cs-object>")
    return ("" if style.compact else "\n").join(out.lines) + "\n"


def _declaration(style: CsExportStyle) -> str:
    if not style.declaration:
        return ""
    name = "UTF-16" if style.encoding == "utf-16" else "UTF-8"
    return f'<?xml version="1.0" encoding="{name}"?>\n'


def chunks(objects: Iterable[CsObject], style: CsExportStyle = CsExportStyle()) -> Iterator[str]:
    """The file's text in pieces: the declaration and root, one piece per object, the end."""
    yield _declaration(style) + "<cs-objects>\n"
    for obj in objects:
        yield render_object(obj, style)
    yield "</cs-objects>\n"


def write_stream(
    stream: BinaryIO, objects: Iterable[CsObject], style: CsExportStyle = CsExportStyle()
) -> int:
    """Write the file to ``stream``, one object at a time; return the number of objects."""
    if style.encoding == "utf-16":
        stream.write(codecs.BOM_UTF16_LE)
        codec = "utf-16-le"
    elif style.encoding == "utf-8-sig":
        stream.write(codecs.BOM_UTF8)
        codec = "utf-8"
    else:
        codec = "utf-8"
    count = -2  # the head and the tail are pieces too
    for piece in chunks(objects, style):
        if style.crlf:
            piece = piece.replace("\n", "\r\n")
        stream.write(piece.encode(codec))
        count += 1
    return count


def write_csexport(
    path: Path, objects: Iterable[CsObject], style: CsExportStyle = CsExportStyle()
) -> int:
    """Write a csexport file at ``path`` (streamed; see :func:`write_stream`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        return write_stream(stream, objects, style)


def csexport_bytes(objects: Iterable[CsObject], style: CsExportStyle = CsExportStyle()) -> bytes:
    """The whole file in memory (small files: tests, samples)."""
    import io

    buffer = io.BytesIO()
    write_stream(buffer, objects, style)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Building objects whose delta and holograms agree
# --------------------------------------------------------------------------------------------


def single(name: str, text: str, type: AttrType = "string") -> Attr:
    return Attr(name, (Value(text),), type=type)


def multi(name: str, texts: Iterable[str], type: AttrType = "string") -> Attr:
    return Attr(name, tuple(Value(t) for t in texts), type=type, multivalued=True)


def reference(name: str, dns: Iterable[str], *, multivalued: bool = False) -> DnAttr:
    return DnAttr(name, tuple(DnValue(dn) for dn in dns), multivalued=multivalued)


def _values(attr: AnyAttr) -> list[str]:
    if isinstance(attr, DnAttr):
        return [v.dn for v in attr.values]
    return [v.text for v in attr.values]


def _changed(name: str, old: AnyAttr | None, new: AnyAttr | None) -> AnyAttr | None:
    """The update delta's ``attr``/``dn-attr`` that turns ``old`` into ``new`` (None: same)."""
    shape = new if new is not None else old
    assert shape is not None
    before, after = (_values(old) if old else []), (_values(new) if new else [])
    if before == after:
        return None
    if shape.multivalued and old is not None and new is not None:
        removed = [v for v in before if v not in after]
        added = [v for v in after if v not in before]
        if isinstance(shape, DnAttr):
            dvs = tuple(DnValue(v, operation="delete") for v in removed) + tuple(
                DnValue(v, operation="add") for v in added
            )
            return DnAttr(name, dvs, multivalued=True, operation="update")
        vals = tuple(Value(v, "delete") for v in removed) + tuple(Value(v, "add") for v in added)
        return Attr(name, vals, type=shape.type, multivalued=True, operation="update")
    if new is None:
        assert old is not None
        # a delete carries no values in the reference's examples; keep the old ones for the
        # multi-valued case so that a reader without holograms still sees what goes
        if isinstance(old, DnAttr):
            return DnAttr(name, old.values, multivalued=old.multivalued, operation="delete")
        return Attr(
            name, old.values, type=old.type, multivalued=old.multivalued, operation="delete"
        )
    operation: ValueOperation = "add" if old is None else "replace"
    if isinstance(new, DnAttr):
        return DnAttr(name, new.values, multivalued=new.multivalued, operation=operation)
    return Attr(name, new.values, type=new.type, multivalued=new.multivalued, operation=operation)


def update_delta(dn: str, before: Entry, after: Entry) -> Delta:
    """The ``update`` delta whose application to ``before`` gives ``after`` (name order kept)."""
    old = {a.name: a for a in before.attrs}
    new = {a.name: a for a in after.attrs}
    names = list(old) + [n for n in new if n not in old]
    attrs = tuple(c for n in names if (c := _changed(n, old.get(n), new.get(n))) is not None)
    return Delta("update", dn, attrs)


def updated(
    cs_dn: str, guid: str, object_type: str, before: Entry, after: Entry, **kwargs: object
) -> CsObject:
    """An object with a pending update: both holograms and the delta between them."""
    return CsObject(
        cs_dn,
        guid,
        object_type,
        unapplied_export=update_delta(after.dn, before, after),
        synchronized_hologram=before,
        unapplied_export_hologram=after,
        **kwargs,  # type: ignore[arg-type]
    )


def added(cs_dn: str, guid: str, object_type: str, entry: Entry) -> CsObject:
    """A pending add: the delta holds every attribute; there is no synchronized hologram."""
    delta = Delta(
        "add", entry.dn, entry.attrs, entry.anchor, entry.primary_objectclass, entry.objectclass
    )
    return CsObject(
        cs_dn, guid, object_type, unapplied_export=delta, unapplied_export_hologram=entry
    )


def deleted(cs_dn: str, guid: str, object_type: str, entry: Entry) -> CsObject:
    """A pending delete: the object as it is now, and no export hologram."""
    return CsObject(
        cs_dn,
        guid,
        object_type,
        unapplied_export=Delta("delete", entry.dn),
        synchronized_hologram=entry,
    )
