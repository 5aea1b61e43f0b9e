"""Reading parsed export XML: element helpers, and flattening any element into settings.

Generic flattening keeps everything an export holds: each leaf becomes a setting keyed by its
path, repeated elements are keyed by their identity (a name, a key attribute or a digest of
their content), and server-local GUIDs that reference a connector are resolved to its name.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from contextvars import ContextVar

from lxml import etree

from driftcheck.model.server import (
    Settings,
)

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
    budget = SETTINGS_BUDGET.get()
    if budget is not None:
        budget[0] -= len(out)
        if budget[0] < 0:
            raise TooManySettings
    return tuple(out)


def unread(
    el: Element | None,
    prefix: str,
    children_read: Iterable[str] = (),
    attributes_read: Iterable[str] = (),
    *,
    text_read: bool = False,
) -> Settings:
    """What a reader that takes ``el`` field by field leaves of it: its attributes, its text
    (unless ``text_read``) and its children other than those it reads, flattened under
    ``prefix`` (``prefix@a``, ``prefix``, ``prefix/child/...``; with an empty ``prefix``:
    ``@a``, ``""``, ``child/...``).

    They go into the owning object's settings, so that an element or attribute a later
    product version adds there is compared like any other setting instead of being dropped.
    """
    if el is None:
        return ()
    skip_children, skip_attributes = frozenset(children_read), frozenset(attributes_read)
    out: list[tuple[str, str]] = [
        (f"{prefix}@{str(k).rpartition('}')[2]}", str(v))
        for k, v in el.items()
        if str(k).rpartition("}")[2] not in skip_attributes
    ]
    own_text = "" if text_read else (el.text or "").strip()
    if own_text:
        out.append((prefix, own_text))
    for kid in children(el):
        name = local(kid)
        if name in skip_children:
            continue
        below = f"{prefix}/{name}" if prefix else name
        out.extend(
            (below + p if p == "" or p.startswith("@") else f"{below}/{p}", v)
            for p, v in flatten(kid)
        )
    return tuple(out)


class TooManySettings(Exception):
    """More flattened settings than the export's budget (see :func:`server_configuration`)."""


#: The settings an export being read may still hold, as a one-item list (None: unbounded).
SETTINGS_BUDGET: ContextVar[list[int] | None] = ContextVar("SETTINGS_BUDGET", default=None)


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
