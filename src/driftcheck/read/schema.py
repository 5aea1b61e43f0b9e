"""Connector schemas and parameters: the DSML schema read into the model, and fingerprinted.

A connector's schema is large and rarely differs, so it is first fingerprinted from the bytes as
written (:func:`schema_fingerprint`) and read in full only when the other server's differs.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
from collections.abc import Callable

from lxml import etree

from driftcheck.model.server import (
    AttributeType,
    ObjectType,
    Parameter,
    Schema,
    SchemaFingerprint,
)
from driftcheck.read.xmltree import Element, children, text, unread


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
                declaration=tuple(
                    (str(key), str(value)) for key, value in p.items() if key != "name"
                ),
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


@functools.lru_cache(maxsize=1024)
def _local(name: str) -> str:
    """A tag or attribute name without its namespace (cached: a schema repeats a few names
    tens of thousands of times)."""
    return name.rpartition("}")[2]


#: What the reader models of each DSML element; anything else it says is kept as a property.
_ATTRIBUTE_TYPE_READ = frozenset({"id", "single-value", "indexed", "indexable"})
_ATTRIBUTE_TYPE_CHILDREN = frozenset({"name", "syntax"})
_CLASS_READ = frozenset({"id", "type", "superior"})
_CLASS_CHILDREN = frozenset({"name", "attribute"})
_DIRECTORY_CHILDREN = frozenset({"attribute-type", "class", "dit-content-rule"})
#: The values a DSML flag read as a boolean has; any other is kept as a property, as written.
_BOOLEAN = frozenset({"true", "false"})


def _attribute_properties(el: Element, leaves: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """An attribute type's attributes and children that the model has no field for."""
    found = [
        (f"@{_local(k)}", str(v))
        for k, v in el.items()
        if _local(k) not in _ATTRIBUTE_TYPE_READ
        or (_local(k) != "id" and str(v).lower() not in _BOOLEAN)
    ]
    if len(leaves) > 2 or len(el) > 2:
        found += [(k, v) for k, v in leaves.items() if k not in _ATTRIBUTE_TYPE_CHILDREN]
    return tuple(found)


def _is_odd_member(a: Element, required: str | None) -> bool:
    """A class or content-rule member that says more than a ``ref`` and a true/false
    ``required``."""
    return (
        len(a.attrib) != 2
        or required not in _BOOLEAN
        or len(a) > 0
        or (a.text is not None and not a.text.isspace())
    )


def _odd_member(a: Element, key: str, resolve: Callable[[str], str]) -> list[tuple[str, str]]:
    """What an odd member says besides its ``ref`` (and its ``required``, when true/false:
    that is the field), under ``key``."""
    skip = ("ref", "required") if a.get("required") in _BOOLEAN else ("ref",)
    return _under(key, _flat(a, resolve, skip=skip))


def _members(
    el: Element, resolve: Callable[[str], str]
) -> tuple[tuple[tuple[str, bool], ...], list[tuple[str, str]]]:
    """A class's members (name, required) and, in the same pass, what any of them says
    besides (``attribute[NAME]@isAnchor``)."""
    members: list[tuple[str, bool]] = []
    odd: list[tuple[str, str]] = []
    for a in el.iterchildren("{*}attribute"):
        member = resolve(a.get("ref") or "")
        required = a.get("required")
        members.append((member, required == "true"))
        if _is_odd_member(a, required):
            odd += _odd_member(a, f"attribute[{member}]", resolve)
    return tuple(members), odd


def _class_extras(
    el: Element, members: int, resolve: Callable[[str], str]
) -> list[tuple[str, str]]:
    """A class's own attributes and children other than its name and members."""
    found = [(f"@{_local(k)}", str(v)) for k, v in el.items() if _local(k) not in _CLASS_READ]
    if len(el) > members + 1:  # more than <name> and the members: look for what
        for kid in el:
            if isinstance(kid.tag, str) and _local(kid.tag) not in _CLASS_CHILDREN:
                found += _under(_local(kid.tag), _flat(kid, resolve))
    return found


def _content_rule(
    rule: Element | None, resolve: Callable[[str], str]
) -> tuple[tuple[str, ...], tuple[str, ...], list[tuple[str, str]]]:
    """A class's dit-content-rule: its auxiliary classes (a field), the attributes it lists
    (``NAME`` or ``NAME (required)``), and anything else it says (odd, kept with the class's
    properties). Members are found in C, as an AD schema's rules hold ~30,000 of them."""
    if rule is None:
        return (), (), []
    aux: list[str] = []
    odd = [(f"dit-content-rule@{_local(k)}", str(v)) for k, v in rule.items() if _local(k) != "id"]
    for kid in rule.iterchildren("{*}aux-class"):
        ref = kid.get("ref") or ""
        aux.append(resolve(ref))
        if len(kid.attrib) != 1 or len(kid) or (kid.text and not kid.text.isspace()):
            key = f"dit-content-rule/aux-class[{resolve(ref)}]"
            odd += _under(key, _flat(kid, resolve, skip=("ref",)))
    listed: list[str] = []
    for kid in rule.iterchildren("{*}attribute"):
        ref = kid.get("ref") or ""
        required = kid.get("required")
        name = resolve(ref)
        listed.append(f"{name} (required)" if required == "true" else name)
        if _is_odd_member(kid, required):
            odd += _odd_member(kid, f"dit-content-rule/attribute[{name}]", resolve)
    if len(rule) > len(aux) + len(listed):  # something else: keep it too
        for kid in rule:
            if isinstance(kid.tag, str) and _local(kid.tag) not in ("aux-class", "attribute"):
                odd += _under(f"dit-content-rule/{_local(kid.tag)}", _flat(kid, resolve))
    return tuple(aux), tuple(listed), odd


def _under(prefix: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with ``prefix`` in front of their paths ('' is the element, '@a' its attribute);
    an element with nothing in it is kept as (``prefix``, '')."""
    if not pairs:
        return [(prefix, "")]
    return [(prefix + p if not p or p.startswith("@") else f"{prefix}/{p}", v) for p, v in pairs]


def _flat(
    el: Element, resolve: Callable[[str], str], skip: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """A small DSML element as (path, value): attributes as ``@a``, each child by its local
    name and, when it refers to a schema element, the name it refers to (``attribute[mail]``)."""
    found = [(f"@{_local(k)}", str(v)) for k, v in el.items() if _local(k) not in skip]
    text_value = (el.text or "").strip()
    if text_value:
        found.append(("", text_value))
    for kid in el:
        if not isinstance(kid.tag, str):
            continue
        tag = _local(kid.tag)
        ref = kid.get("ref")
        key = f"{tag}[{resolve(ref)}]" if ref else tag
        found += _under(key, _flat(kid, resolve, skip=("ref",) if ref else ()))
    return found


def schema(dsml_parent: Element | None) -> Schema:
    """Read a DSML ``directory-schema``; synthetic ids (``A0``, ``#Cf4``) become names.

    The hot path of a run: an AD connector's schema has ~3,400 attribute types and ~570
    classes with ~18,000 attribute references, so each element is visited once and the
    lookups stay in C where they can. What the model has no field for is kept as properties
    (a range, a flag, an element a later version adds), so that it is compared too.
    """
    directory = find_directory_schema(dsml_parent)
    if directory is None:
        return Schema((), ())
    names: dict[str, str] = {}  # "#id" -> name
    attribute_types: list[AttributeType] = []
    classes: list[tuple[Element, str]] = []
    rules: dict[str, Element] = {}
    for el in directory.iterchildren("{*}attribute-type"):
        leaves = _leaves(el)
        name = leaves.get("name", "")
        names["#" + (el.get("id") or name)] = name
        indexed, indexable = _dsml_flags(el)
        attribute_types.append(
            AttributeType(
                name,
                leaves.get("syntax", ""),
                el.get("single-value") == "true",
                indexed,
                indexable,
                _attribute_properties(el, leaves),
            )
        )
    for el in directory.iterchildren("{*}class"):
        name = text(el, "name")  # not _leaves: a class has dozens of <attribute> children
        names["#" + (el.get("id") or name)] = name
        classes.append((el, name))
    for el in directory.iterchildren("{*}dit-content-rule"):
        rules["#" + (el.get("id") or "")] = el

    def resolve(ref: str) -> str:
        return names.get(ref) or names.get("#" + ref) or ref.lstrip("#")

    object_types = []
    for el, name in classes:
        superior = el.get("superior")
        members, odd_members = _members(el, resolve)
        aux, content_rule, odd_aux = _content_rule(rules.get("#" + (el.get("id") or "")), resolve)
        object_types.append(
            ObjectType(
                name,
                el.get("type") or "",
                resolve(superior) if superior else None,
                members,
                aux,
                (*_class_extras(el, len(members), resolve), *odd_members, *odd_aux),
                content_rule,
            )
        )
    return Schema(
        tuple(object_types), tuple(attribute_types), unread(directory, "", _DIRECTORY_CHILDREN)
    )


def find_directory_schema(el: Element | None) -> Element | None:
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


def schema_digest(directory: Element, raw: bytes | None) -> str:
    return fingerprint(directory) if raw is None else raw_fingerprint(directory, raw)


def schema_fingerprint(
    dsml_parent: Element | None, export: str, file: str, raw: bytes | None = None
) -> Schema | SchemaFingerprint:
    """A connector schema's fingerprint and size, to be read later only if it differs.

    ``raw`` is the schema as written, when :class:`SchemaCut` took it out of the file: then
    it is fingerprinted and counted from those bytes.
    """
    directory = find_directory_schema(dsml_parent)
    if directory is None:
        return Schema((), ())
    if raw is None:
        classes = _count_children(directory, "class")
        attribute_types = _count_children(directory, "attribute-type")
    else:
        names = _RAW_COUNTED.findall(raw)
        classes, attribute_types = names.count(b"class"), names.count(b"attribute-type")
    return SchemaFingerprint(schema_digest(directory, raw), classes, attribute_types, export, file)
