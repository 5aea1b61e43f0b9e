"""Turn parsed export files into the model (:mod:`driftcheck.model.server`).

Works on local names only: the same DSML arrives with a default namespace (AD connector),
``dsml:``/``ms-dsml:`` prefixes (cloud connector, MV.xml) or ``ns0:`` prefixes (rewritten by
some tool), and prefixes carry no meaning.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from lxml import etree

from driftcheck.errors import InputError, shorten
from driftcheck.model.server import (
    AttributeFlow,
    AttributeType,
    Connector,
    JoinCondition,
    JoinGroup,
    Metaverse,
    ObjectType,
    Parameter,
    Partition,
    PasswordHashSync,
    RunProfile,
    RunStep,
    Schema,
    SchemaFingerprint,
    ScopeClause,
    ScopingGroup,
    ServerConfiguration,
    Settings,
    SyncRule,
)
from driftcheck.read.files import Document, ExportFiles, read_export, too_big

Element = etree._Element


def local(el: Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def line_of(el: Element | None) -> int | None:
    """The element's line in its file, for error messages."""
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else None


def children(el: Element | None, name: str | None = None) -> list[Element]:
    """Element children by local name, in any namespace or none; none for a missing parent.

    ``{*}`` lets lxml match in C: a connector schema has tens of thousands of elements.
    """
    if el is None:
        return []
    if name is None:
        return [c for c in el if isinstance(c.tag, str)]
    return list(el.iterchildren("{*}" + name))


def child(el: Element | None, name: str) -> Element | None:
    """The first child with this local name, in any namespace or none."""
    return None if el is None else next(el.iterchildren("{*}" + name), None)


def text(el: Element | None, name: str | None = None, default: str = "") -> str:
    node = el if name is None else child(el, name)
    if node is None:
        return default
    return (node.text or "").strip()


def truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes"}


# --- generic flattening: nothing an export holds is lost -------------------------------------


def flatten(
    el: Element | None, skip: Iterable[str] = (), references: Mapping[str, str] | None = None
) -> Settings:
    """(path, value) pairs for every leaf and attribute under ``el``.

    Repeated elements are keyed by what identifies them (see :func:`_identity`), so that a
    list reordered, or one element inserted into it, does not shift every later element:
    one insertion is one difference. Elements nothing identifies are keyed by a digest of
    their content. ``references`` maps connector GUIDs (lower case, no braces) to names:
    ``src-ma``/``ma-id`` values become the connector's name, on both servers the same.
    """
    out: list[tuple[str, str]] = []
    if el is not None:
        _flatten_into(el, "", out, frozenset(skip), references or {})
    budget = _SETTINGS_BUDGET.get()
    if budget is not None:
        budget[0] -= len(out)
        if budget[0] < 0:
            raise _TooManySettings
    return tuple(out)


class _TooManySettings(Exception):
    """More flattened settings than the export's budget (see :func:`server_configuration`)."""


#: The settings an export being read may still hold, as a one-item list (None: unbounded).
_SETTINGS_BUDGET: ContextVar[list[int] | None] = ContextVar("_SETTINGS_BUDGET", default=None)


GUID = re.compile(r"\{?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?")

#: Attributes that identify one of several sibling elements, all of them used when present:
#: a name; the metaverse or connector object type and attribute a flow set, flow or mapping
#: is for (MIM's import-flow-set, import-flows, export-flow, class-mapping); the object class
#: of a per-class setting (the cloud connector's importing/dn/attribute); the connector a
#: flow comes from (resolved to its name).
_KEY_ATTRIBUTES = (
    "name",
    "mv-object-type",
    "cd-object-type",
    "mv-attribute",
    "cd-attribute",
    "object_class",
    "object-class",
    "src-ma",
    "ma-id",
)
#: Children that identify their parent when no attribute does (the first one found).
_KEY_CHILDREN = (
    "name",
    "primary_class",
    "mv-object-type",
    "cd-object-type",
    "mv-attribute",
    "cd-attribute",
)
#: Attributes whose value is a connector GUID.
_REFERENCES = frozenset({"src-ma", "ma-id"})
#: Elements whose order among their siblings is a rank (the first import flow or join
#: criterion that applies wins): their order is compared as one value, ``<tag> (order)``,
#: as is the order of repeated elements that nothing identifies.
_RANKED = frozenset({"import-flow", "join-criterion"})


def connector_key(guid: str) -> str:
    """A connector GUID as looked up in ``references``: lower case, no braces."""
    return guid.strip().strip("{}").casefold()


def _resolve(name: str, value: str, references: Mapping[str, str]) -> str:
    if name in _REFERENCES and GUID.fullmatch(value.strip()):
        return references.get(connector_key(value), value)
    return value


def _identity(el: Element, references: Mapping[str, str]) -> tuple[str, frozenset[str]] | None:
    """What identifies ``el`` among its siblings, as text, and the attributes that said so.

    Server-local GUIDs never identify: an ``id`` counts only when it is not a GUID.
    """
    found = [
        (name, resolved)
        for name in _KEY_ATTRIBUTES
        if el.get(name)
        for resolved in (_resolve(name, el.get(name) or "", references),)
        if not GUID.fullmatch(resolved.strip())  # a connector GUID no connector answers to
    ]
    if found:
        text = ", ".join(value for _, value in found)
        return text, frozenset(name for name, _ in found)
    for name in _KEY_CHILDREN:
        node = child(el, name)
        value = "" if node is None or len(node) else (node.text or "").strip()
        if value and not GUID.fullmatch(value):
            return value, frozenset()
    own_id = el.get("id")
    if own_id and not GUID.fullmatch(own_id):
        return own_id, frozenset({"id"})
    return None


_Segment = tuple[str, frozenset[str]]
_NONE: frozenset[str] = frozenset()


def _segments(
    tag: str, kids: list[Element], references: Mapping[str, str]
) -> tuple[list[_Segment], bool]:
    """Path segments for sibling elements sharing ``tag``, in their order, each with the
    attributes its key already shows (not repeated as leaves of their own), and whether
    they were keyed by identity.

    Identified elements are keyed by their identity (even alone, so that a list of one and a
    list of two key their common element alike); a lone unidentified element by its tag;
    several unidentified ones by their text when each has its own, else by a digest of their
    content that leaves server-local GUIDs out.
    """
    identities = [_identity(k, references) for k in kids]
    known = [i for i in identities if i is not None]
    if len(known) == len(kids) and len({text.casefold() for text, _ in known}) == len(kids):
        return [(f"{tag}[{text}]", consumed) for text, consumed in known], True
    if len(kids) == 1:
        return [(tag, _NONE)], False
    texts = [(k.text or "").strip() if not len(k) and not k.attrib else "" for k in kids]
    if all(texts) and len({t.casefold() for t in texts}) == len(texts):
        return [(f"{tag}[{t}]", _NONE) for t in texts], False
    keys: list[_Segment] = []
    seen: Counter[str] = Counter()
    for kid in kids:
        digest = _content_digest(kid, references)
        seen[digest] += 1
        suffix = f" ({seen[digest]})" if seen[digest] > 1 else ""
        keys.append((f"{tag}[#{digest}]{suffix}", _NONE))
    return keys, False


def _content_digest(el: Element, references: Mapping[str, str]) -> str:
    """Eight hex digits of an element's flattened content, GUID values left out."""
    items: list[tuple[str, str]] = []
    _flatten_into(el, "", items, frozenset(), references)
    digest = hashlib.sha1(usedforsecurity=False)
    for path, value in items:
        if not GUID.fullmatch(value.strip()):
            digest.update(f"{path}\0{value}\0".encode())
    return digest.hexdigest()[:8]


def _flatten_into(
    el: Element,
    path: str,
    out: list[tuple[str, str]],
    skip: frozenset[str],
    references: Mapping[str, str],
    shown_in_key: frozenset[str] = _NONE,
) -> None:
    for key, value in el.attrib.items():
        name = str(key).rpartition("}")[2]
        if name not in shown_in_key:
            out.append((f"{path}@{name}", _resolve(name, str(value), references)))
    every_kid = [c for c in el if isinstance(c.tag, str)]
    kids = [c for c in every_kid if local(c) not in skip]
    if every_kid and not kids:
        return  # only children modelled elsewhere
    if not kids:
        out.append((path, (el.text or "").strip()))
        return
    by_tag: dict[str, list[Element]] = {}
    for kid in kids:
        by_tag.setdefault(local(kid), []).append(kid)
    segment_of: dict[int, _Segment] = {}
    for tag, group in by_tag.items():
        segments, identified = _segments(tag, group, references)
        segment_of.update((id(k), seg) for k, seg in zip(group, segments, strict=True))
        # Named things are a set; a ranked list, or a list of values nothing names (a list
        # of preferred domain controllers), may mean its order: compare that as one value.
        ranked = tag in _RANKED or el.get("type") == "ranked"
        if len(group) > 1 and (ranked or not identified):
            order = " > ".join(seg[len(tag) + 1 : -1] for seg, _ in segments)
            out.append((f"{path}/{tag} (order)" if path else f"{tag} (order)", order))
    for kid in kids:
        segment, consumed = segment_of[id(kid)]
        kid_path = f"{path}/{segment}" if path else segment
        _flatten_into(kid, kid_path, out, _NONE, references, consumed)


# --- parameters and schema ------------------------------------------------------------------


def parameters(values: Element | None) -> tuple[Parameter, ...]:
    """``parameter-values/parameter`` (name as attribute) or definitions (name as child)."""
    if values is None:
        return ()
    result = []
    for p in children(values, "parameter"):
        name = p.get("name")
        if name is None:
            name = text(p, "name")
        encrypted = p.get("encrypted") == "1" or "encrypted" in (p.get("type") or "")
        result.append(
            Parameter(
                name=name,
                value=None if encrypted else (p.text or "").strip(),
                use=p.get("use") or text(p, "use"),
                encrypted=encrypted,
                intrinsic=p.get("intrinsic") == "1",
            )
        )
    return tuple(result)


MMS_DSML = "{http://www.microsoft.com/MMS/DSML}"


def _leaves(el: Element) -> dict[str, str]:
    """Text of each child by local name, in one pass (small DSML elements)."""
    return {c.tag.rpartition("}")[2]: (c.text or "").strip() for c in el if isinstance(c.tag, str)}


def _dsml_flags(el: Element) -> tuple[bool, bool]:
    """``ms-dsml:indexed`` and ``ms-dsml:indexable`` = "true" (or unprefixed, or under another
    prefix), looking through the attributes once for both."""
    indexed = el.get(MMS_DSML + "indexed") or el.get("indexed")
    indexable = el.get(MMS_DSML + "indexable") or el.get("indexable")
    if (indexed is None or indexable is None) and len(el.attrib) > 2:
        for key, value in el.items():
            local = str(key).rpartition("}")[2]
            if indexed is None and local == "indexed":
                indexed = str(value)
            elif indexable is None and local == "indexable":
                indexable = str(value)
    return (
        indexed is not None and indexed.lower() == "true",
        indexable is not None and indexable.lower() == "true",
    )


def schema(dsml_parent: Element | None) -> Schema:
    """Read a DSML ``directory-schema``; synthetic ids (``A0``, ``#Cf4``) become names.

    The hot path of a run: an AD connector's schema has ~3,400 attribute types and ~570
    classes with ~18,000 attribute references, so each element is visited once and the
    lookups stay in C where they can.
    """
    directory = _find_directory_schema(dsml_parent)
    if directory is None:
        return Schema((), ())
    names: dict[str, str] = {}  # "#id" -> name
    attribute_types: list[AttributeType] = []
    classes: list[tuple[Element, str]] = []
    aux: dict[str, list[str]] = {}
    for el in directory.iterchildren("{*}attribute-type"):
        leaves = _leaves(el)
        name = leaves.get("name", "")
        names["#" + (el.get("id") or name)] = name
        indexed, indexable = _dsml_flags(el)
        attribute_types.append(
            AttributeType(
                name, leaves.get("syntax", ""), el.get("single-value") == "true", indexed, indexable
            )
        )
    for el in directory.iterchildren("{*}class"):
        name = text(el, "name")  # not _leaves: a class has dozens of <attribute> children
        names["#" + (el.get("id") or name)] = name
        classes.append((el, name))
    for el in directory.iterchildren("{*}dit-content-rule"):
        aux["#" + (el.get("id") or "")] = [
            c.get("ref") or "" for c in el.iterchildren("{*}aux-class")
        ]

    def resolve(ref: str) -> str:
        return names.get(ref) or names.get("#" + ref) or ref.lstrip("#")

    object_types = []
    for el, name in classes:
        superior = el.get("superior")
        object_types.append(
            ObjectType(
                name,
                el.get("type") or "",
                resolve(superior) if superior else None,
                tuple(
                    (names.get(ref) or resolve(ref), a.get("required") == "true")
                    for a in el.iterchildren("{*}attribute")
                    for ref in (a.get("ref") or "",)
                ),
                tuple(resolve(r) for r in aux.get("#" + (el.get("id") or ""), ())),
            )
        )
    return Schema(tuple(object_types), tuple(attribute_types))


def _find_directory_schema(el: Element | None) -> Element | None:
    if el is None:
        return None
    return next(el.iter("{*}directory-schema"), None)


_COUNT_CHILDREN = {
    name: etree.XPath(f"count(*[local-name()='{name}'])") for name in ("class", "attribute-type")
}


def _count_children(el: Element, name: str) -> int:
    """How many children ``el`` has with this local name, counted in C."""
    count = _COUNT_CHILDREN[name](el)
    assert isinstance(count, float)
    return int(count)


def fingerprint(directory: Element) -> str:
    """A digest of a ``directory-schema`` subtree as lxml serialises it.

    Serialising in C takes ~8 ms for an AD forest's schema against ~55 ms to read it into the
    model. The serialisation does not depend on the file's encoding, and carries every
    namespace declaration in scope, so a prefix bound to another namespace changes it.
    """
    return hashlib.sha256(etree.tostring(directory, encoding="utf-8", with_tail=False)).hexdigest()


# --- connector schemas cut from the bytes, fingerprinted as written -------------------------

_DIRECTORY_SCHEMA_TAG = re.compile(
    rb"""<(?P<qname>(?:[A-Za-z_][\w.-]*:)?directory-schema)"""
    rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(?P<empty>/?)>"""
)
_XML_DECLARATION = re.compile(rb"<\?xml\s[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
#: Start tags of a schema's classes and attribute types (possessive: one pass, no backtracking).
_RAW_COUNTED = re.compile(rb"<(?:[A-Za-z_][\w.-]*+:)?+(class|attribute-type)[\s/>]")


def _utf8_body(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 (or ASCII) XML, with or without a BOM or a declaration."""
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if body.lstrip(b" \t\r\n")[:1] != b"<":
        return False  # UTF-16 (BOM or not), or not XML at all
    declaration = _XML_DECLARATION.match(body.lstrip(b" \t\r\n"))
    encoding = declaration and _DECLARED_ENCODING.search(declaration.group())
    return not encoding or encoding.group(1).lower() in (b"utf-8", b"utf8")


def as_utf8(data: bytes) -> bytes | None:
    """``data`` as UTF-8 XML: itself, or a UTF-16 file (with its BOM) transcoded, its
    declaration dropped; None for anything else. Line breaks stay where they were."""
    if _utf8_body(data):
        return data
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return None
    declaration = re.match(r"\s*<\?xml\s[^>]*?\?>", text)
    if declaration is not None:
        text = text[declaration.end() :]
    return text.encode("utf-8")


def raw_schema_span(data: bytes) -> tuple[int, int, int] | None:
    """Where a UTF-8 connector file holds its ``directory-schema``: (start, end of the start
    tag, end), or None when its bytes cannot be cut out safely.

    Safe means: exactly one ``directory-schema`` element with content, and no comment,
    CDATA section or DOCTYPE (``<!``) before its end that could hide or fake a tag.
    """
    if data.count(b"directory-schema") != 2:
        return None
    tag = _DIRECTORY_SCHEMA_TAG.search(data)
    if tag is None or tag.group("empty"):
        return None
    close = re.compile(rb"</" + re.escape(tag.group("qname")) + rb"\s*>").search(data, tag.end())
    if close is None or data.find(b"<!", 0, close.end()) != -1:
        return None
    return tag.start(), tag.end(), close.end()


class SchemaCut:
    """Given to :meth:`ExportFiles.load`: keeps a connector file's ``directory-schema`` as
    written (``raw``) and, with ``cut``, parses the file without its content.

    An AD forest's schema is almost all of its connector file: parsing it, then serialising
    it for a fingerprint, cost more than everything else a run does with the file. Two files
    with the same schema bytes (and the same namespaces in scope, see :func:`raw_fingerprint`)
    hold the same schema, so the bytes are fingerprinted and the rest of the file is parsed
    with an empty ``directory-schema`` in their place, the same start tag and as many line
    breaks (error messages keep their line numbers). A UTF-16 file is transcoded to UTF-8
    first and line breaks are read as a parser reads them, so neither changes the
    fingerprint. Files that cannot be cut safely (:func:`raw_schema_span`) are parsed whole
    and fingerprinted by :func:`fingerprint`.
    """

    def __init__(self, *, cut: bool) -> None:
        self.cut = cut
        self.raw: bytes | None = None

    def __call__(self, data: bytes) -> bytes:
        utf8 = as_utf8(data)
        span = None if utf8 is None else raw_schema_span(utf8)
        if utf8 is None or span is None:
            return data
        start, tag_end, end = span
        raw = utf8[start:end]
        if b"\r" in raw:  # as an XML parser reads line breaks
            raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self.raw = raw
        if not self.cut:
            return data
        tag = _DIRECTORY_SCHEMA_TAG.match(utf8, start)
        assert tag is not None
        closing = b"</" + tag.group("qname") + b">" + b"\n" * utf8.count(b"\n", tag_end, end)
        return utf8[:tag_end] + closing + utf8[end:]


def raw_fingerprint(directory: Element, raw: bytes) -> str:
    """A digest of a ``directory-schema`` as written (in UTF-8), with the namespaces in scope
    (the bytes alone do not say what their prefixes mean). Same digest, same schema; the same
    schema written otherwise (other order, ids, quotes, prefixes) differs, and is then read."""
    scope = sorted((prefix or "", uri) for prefix, uri in directory.nsmap.items())
    context = "\n".join(f"{prefix}={uri}" for prefix, uri in scope).encode()
    return "utf-8:" + hashlib.sha256(context + b"\0" + raw).hexdigest()


def _schema_digest(directory: Element, raw: bytes | None) -> str:
    return fingerprint(directory) if raw is None else raw_fingerprint(directory, raw)


def schema_fingerprint(
    dsml_parent: Element | None, export: str, file: str, raw: bytes | None = None
) -> Schema | SchemaFingerprint:
    """A connector schema's fingerprint and size, to be read later only if it differs.

    ``raw`` is the schema as written, when :class:`SchemaCut` took it out of the file: then
    it is fingerprinted and counted from those bytes.
    """
    directory = _find_directory_schema(dsml_parent)
    if directory is None:
        return Schema((), ())
    if raw is None:
        classes = _count_children(directory, "class")
        attribute_types = _count_children(directory, "attribute-type")
    else:
        names = _RAW_COUNTED.findall(raw)
        classes, attribute_types = names.count(b"class"), names.count(b"attribute-type")
    return SchemaFingerprint(_schema_digest(directory, raw), classes, attribute_types, export, file)


def read_schemas(refs: Sequence[SchemaFingerprint]) -> list[Schema]:
    """The schemas behind fingerprints, read again from their connector files, in order.

    Each export is opened once per call (finding a folder's files walks it). Every file is
    checked against its fingerprint: an export rewritten while driftcheck runs is refused
    rather than compared half old, half new.
    """
    exports: dict[str, ExportFiles] = {}
    schemas = []
    for ref in refs:
        files = exports.get(ref.export)
        if files is None:
            files = exports[ref.export] = read_export(Path(ref.export))
        kept = SchemaCut(cut=False)
        schemas.append(_read_schema_from(files.load(ref.file, prepare=kept), kept.raw, ref))
    return schemas


def read_schema(ref: SchemaFingerprint) -> Schema:
    """The schema behind one fingerprint (see :func:`read_schemas`)."""
    return read_schemas([ref])[0]


def _read_schema_from(doc: Document, raw: bytes | None, ref: SchemaFingerprint) -> Schema:
    parent = child(_ma_data(doc), "schema")
    directory = _find_directory_schema(parent)
    if directory is None or _schema_digest(directory, raw) != ref.fingerprint:
        raise InputError(
            "changed while driftcheck was reading the export; run the comparison again",
            file=doc.name,
        )
    return schema(parent)


# --- connectors -----------------------------------------------------------------------------

_CONNECTOR_FIELDS = {
    "id",
    "name",
    "category",
    "description",
    "schema",
    "private-configuration",
    "attribute-inclusion",
    "ma-partition-data",
    "ma-run-data",
}
_PRIVATE_FIELDS = {
    "parameter-values",
    "password-hash-sync-config",
    "aad-password-reset-config",
}


def _ma_data(doc: Document) -> Element:
    """The ``ma-data`` element, inside the GUI's ``saved-ma-configuration`` wrapper or not."""
    root = doc.root
    if local(root) == "saved-ma-configuration":
        inner = child(root, "ma-data")
        if inner is None:
            raise InputError("<saved-ma-configuration> holds no <ma-data>", file=doc.name)
        return inner
    return root


def connector(
    doc: Document, schema_from: tuple[str, str] | None = None, raw_schema: bytes | None = None
) -> Connector:
    """A connector from its file. With ``schema_from`` (export location, file), its schema is
    only fingerprinted, to be read by :func:`read_schemas` if needed; ``raw_schema`` is the
    schema as written when :class:`SchemaCut` took it out of ``doc``."""
    root = _ma_data(doc)
    name = text(root, "name")
    if not name:
        raise InputError("connector has no <name>", file=doc.name, line=line_of(root))
    private = child(root, "private-configuration")
    config = children(private)[0] if private is not None and children(private) else None
    anchors: list[tuple[str, str]] = []
    importing = child(config, "importing")
    for a in children(child(importing, "anchor")):
        anchors.append((a.get("object_class") or "", (a.text or "").strip()))
    phs = child(config, "password-hash-sync-config")
    return Connector(
        id=text(root, "id"),
        name=name,
        category=text(root, "category"),
        description=text(root, "description"),
        parameters=parameters(child(config, "parameter-values")),
        password_hash_sync=None
        if phs is None
        else PasswordHashSync(truthy(text(phs, "enabled")), text(phs, "target")),
        password_writeback=flatten(child(config, "aad-password-reset-config")),
        anchors=tuple(anchors),
        attribute_inclusion=_members(child(root, "attribute-inclusion"), "attribute"),
        partitions=tuple(
            _partition(p) for p in children(child(root, "ma-partition-data"), "partition")
        ),
        run_profiles=tuple(
            _run_profile(r) for r in children(child(root, "ma-run-data"), "run-configuration")
        ),
        schema=schema(child(root, "schema"))
        if schema_from is None
        else schema_fingerprint(child(root, "schema"), *schema_from, raw_schema),
        configuration=_configuration(config),
        settings=tuple(
            item
            for kid in children(root)
            if local(kid) not in _CONNECTOR_FIELDS
            for item in _prefixed(local(kid), flatten(kid))
        ),
    )


def _configuration(config: Element | None) -> Settings:
    if config is None:
        return ()
    settings = list(flatten(config, skip=_PRIVATE_FIELDS))
    importing = child(config, "importing")
    if importing is not None:
        # anchors have their own field; drop their flattened copy
        settings = [(p, v) for p, v in settings if not p.startswith("importing/anchor")]
    return tuple(settings)


def _prefixed(prefix: str, items: Settings) -> Settings:
    """Put ``prefix`` in front of flattened paths ('' is the element itself, '@x' its attribute)."""
    return tuple(
        (prefix + p if p == "" or p.startswith("@") else f"{prefix}/{p}", v) for p, v in items
    )


def _partition(el: Element) -> Partition:
    filt = child(el, "filter")
    containers = child(filt, "containers")
    return Partition(
        id=text(el, "id"),
        name=text(el, "name"),
        display_name=text(el, "display-name"),
        selected=truthy(text(el, "selected")),
        object_classes=_members(child(filt, "object-classes"), "object-class"),
        inclusions=_members(child(containers, "inclusions"), "inclusion"),
        exclusions=_members(child(containers, "exclusions"), "exclusion"),
        parameters=parameters(child(el, "parameter-values")),
        settings=tuple(
            item
            for kid in children(el)
            if local(kid) not in {"id", "name", "display-name", "selected", "parameter-values"}
            for item in _prefixed(
                local(kid),
                flatten(
                    kid, skip={"object-classes", "containers"} if local(kid) == "filter" else ()
                ),
            )
        ),
    )


def _members(el: Element | None, name: str) -> tuple[str, ...]:
    # An empty <inclusion/> is a real member (the cloud partition has one): keep "".
    return tuple((c.text or "").strip() for c in children(el, name))


def _run_profile(el: Element) -> RunProfile:
    steps = []
    for step in children(child(el, "configuration"), "step"):
        step_type = child(step, "step-type")
        steps.append(
            RunStep(
                step_type=(step_type.get("type") or "") if step_type is not None else "",
                partition_id=text(step, "partition"),
                settings=tuple(
                    item
                    for kid in children(step)
                    if local(kid) != "partition"
                    for item in _prefixed(local(kid), flatten(kid))
                    if item[0] != "step-type@type"
                ),
            )
        )
    return RunProfile(
        id=text(el, "id"),
        name=text(el, "name"),
        steps=tuple(steps),
        settings=tuple(
            item
            for kid in children(el)
            if local(kid) not in {"id", "name", "configuration"}
            for item in _prefixed(local(kid), flatten(kid))
        ),
    )


# --- sync rules -----------------------------------------------------------------------------

_RULE_FIELDS = {
    "id",
    "name",
    "description",
    "immutable-tag",
    "direction",
    "disabled",
    "connector",
    "sourceObjectType",
    "targetObjectType",
    "linkType",
    "precedence",
    "EnablePasswordSync",
    "attribute-mappings",
    "relationshipCriteria",
    "synchronizationCriteria",
}


def sync_rule(doc: Document) -> SyncRule:
    root = doc.root
    name = text(root, "name")
    if not name:
        raise InputError("sync rule has no <name>", file=doc.name, line=line_of(root))
    raw_precedence = text(root, "precedence")
    try:
        precedence = int(raw_precedence)
    except ValueError:
        raise InputError(
            f"sync rule {shorten(name)!r} has precedence {shorten(raw_precedence)!r}, not a number",
            file=doc.name,
            line=line_of(child(root, "precedence")),
        ) from None
    return SyncRule(
        id=text(root, "id"),
        name=name,
        description=text(root, "description"),
        immutable_tag=text(root, "immutable-tag"),
        direction=text(root, "direction"),
        disabled=truthy(text(root, "disabled")),
        connector_id=text(root, "connector"),
        source_object_type=text(root, "sourceObjectType"),
        target_object_type=text(root, "targetObjectType"),
        link_type=text(root, "linkType"),
        precedence=precedence,
        password_sync=truthy(text(root, "EnablePasswordSync")),
        flows=tuple(_flow(m) for m in children(child(root, "attribute-mappings"), "mapping")),
        join_groups=tuple(
            JoinGroup(
                tuple(
                    JoinCondition(
                        connector_attribute=text(c, "csAttribute"),
                        metaverse_attribute=text(c, "ilmAttribute"),
                        case_sensitive=truthy(text(c, "caseSensitive")),
                    )
                    for c in children(group, "condition")
                )
            )
            for group in children(child(root, "relationshipCriteria"), "conditions")
        ),
        scoping_groups=tuple(
            ScopingGroup(
                tuple(
                    ScopeClause(
                        attribute=text(s, "csAttribute"),
                        operator=text(s, "csOperator"),
                        value=text(s, "csValue"),
                    )
                    for s in children(group, "scope")
                )
            )
            for group in children(child(root, "synchronizationCriteria"), "conditions")
        ),
        settings=tuple(
            item
            for kid in children(root)
            if local(kid) not in _RULE_FIELDS
            for item in _prefixed(local(kid), flatten(kid))
        ),
    )


def _flow(el: Element) -> AttributeFlow:
    src = child(el, "src")
    sources: tuple[str, ...] = ()
    constant = None
    if src is not None:
        attrs = children(src, "attr")
        if attrs:
            sources = tuple((a.text or "").strip() for a in attrs)
        else:
            constant = (src.text or "").strip()
    expression_el = child(el, "expression")
    expression = None if expression_el is None else (expression_el.text or "")
    if expression is not None and constant is not None:
        # <src>literal</src> beside an expression is unusual; keep both visible.
        sources, constant = (constant,), None
    return AttributeFlow(
        destination=text(el, "dest"),
        sources=sources,
        constant=constant,
        expression=expression,
        merge_type=text(el, "valueMergeType"),
        execute_once=(el.get("execute-once") or "").lower() == "true",
    )


def _deferred_connector(files: ExportFiles, rel: str) -> Connector:
    """A connector whose schema is fingerprinted, parsed without it where it can be cut out."""
    cut = SchemaCut(cut=True)
    doc = files.load(rel, prepare=cut)
    if cut.raw is not None and _find_directory_schema(child(_ma_data(doc), "schema")) is None:
        doc, cut.raw = files.load(rel), None  # what was cut was not the connector's schema
    raw = cut.raw
    return _within_budget(files, doc, lambda d: connector(d, (files.location, rel), raw))


# --- metaverse and the whole export ---------------------------------------------------------


def metaverse(
    doc: Document, references: Mapping[str, str] | None = None
) -> tuple[str, str, tuple[Parameter, ...], Metaverse]:
    """Server name, export date, global settings and metaverse schema from MV.xml.

    ``references`` (connector GUID -> name) resolves the connectors MIM-era flows name."""
    root = doc.root
    data = child(root, "mv-data")
    if data is None:
        raise InputError("MV.xml holds no <mv-data>", file=doc.name, line=line_of(root))
    return (
        root.get("server") or "",
        root.get("export-date") or "",
        parameters(child(data, "parameter-values")),
        Metaverse(
            schema=schema(child(data, "schema")),
            settings=flatten(data, skip={"schema", "parameter-values"}, references=references),
        ),
    )


def server_configuration(files: ExportFiles, *, defer_schemas: bool = False) -> ServerConfiguration:
    """Parse every file of an export into its model, one tree in memory at a time.

    ``defer_schemas`` leaves connector schemas as :class:`SchemaFingerprint`. The settings
    of sections driftcheck does not model are bounded per export (``Limits.settings``): a
    real export has a few hundred, and each costs far more than an element of a schema.
    """
    budget = _SETTINGS_BUDGET.set([files.limits.settings])
    try:
        connectors = tuple(
            _deferred_connector(files, rel) if defer_schemas else _bounded(files, rel, connector)
            for rel in files.connectors
        )
        references = {connector_key(c.id): c.name for c in connectors}
        server, export_date, global_settings, mv = _bounded(
            files, files.mv, lambda doc: metaverse(doc, references)
        )
        rules = tuple(_bounded(files, rel, sync_rule) for rel in files.sync_rules)
    finally:
        _SETTINGS_BUDGET.reset(budget)
    return ServerConfiguration(
        location=files.location,
        server=server,
        export_date=export_date,
        global_settings=global_settings,
        metaverse=mv,
        connectors=connectors,
        sync_rules=rules,
        warnings=files.warnings,
    )


T = TypeVar("T")


def _bounded(files: ExportFiles, rel: str, build: Callable[[Document], T]) -> T:
    """``build`` applied to the file ``rel``, refusing it past the export's settings budget."""
    return _within_budget(files, files.load(rel), build)


def _within_budget(files: ExportFiles, doc: Document, build: Callable[[Document], T]) -> T:
    """``build`` applied to ``doc``, refusing it past the export's settings budget."""
    try:
        return build(doc)
    except _TooManySettings:
        raise InputError(
            too_big(
                f"the export holds more than {files.limits.settings:,} values in sections "
                "driftcheck does not model",
                "settings",
                files.limits,
            ),
            file=doc.name,
        ) from None
