"""XML parsed safely: no DTD, no entities, no network, and bounded element counts and text lengths.

A damaged file becomes a one-line reason naming the file and line.
"""

from __future__ import annotations

import zlib

from lxml import etree

from driftcheck.errors import InputError, shorten
from driftcheck.read.limits import MIB, Limits, too_big


def damage_reason(exc: BaseException) -> str:
    """What is wrong with a zip member, in words (zlib's "Error -3 while..." means nothing)."""
    if isinstance(exc, zlib.error):
        return "its compressed data is corrupt"
    if isinstance(exc, EOFError):
        return "it ends early"
    text = str(exc)
    if "CRC" in text:
        return "its checksum does not match"
    if "password" in text or "encrypted" in text:
        return "it is encrypted"
    return shorten(text, 80)


def _parser(**options: object) -> etree.XMLParser:
    # resolve_entities=False: no external or internal entity expansion (billion laughs, XXE).
    # load_dtd/no_network: never fetch anything. huge_tree=False keeps libxml2's depth and
    # text-size limits on. A DOCTYPE is refused outright in parse_xml (see below).
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **options,  # type: ignore[arg-type]
    )


class _TooMany(Exception):
    pass


class _ElementCounter:
    """A parser target that only counts elements, stopping past ``limit``: no tree is built."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0

    def start(self, tag: str, attrib: object) -> None:
        self.count += 1
        if self.count > self.limit:
            raise _TooMany

    def close(self) -> int:
        return self.count


def count_elements(data: bytes, name: str, limits: Limits) -> int:
    """How many elements ``data`` holds (at most), refusing more than the limit per file.

    Every element starts with ``<`` in every encoding an export uses, so the count of that
    byte bounds the count from above, in C; only a file past the limit by that bound is
    counted exactly, by a parse that builds no tree.
    """
    bound = data.count(b"<")
    if bound <= limits.elements:
        return bound
    counter = _ElementCounter(limits.elements)
    try:
        etree.fromstring(data, _parser(target=counter))
    except _TooMany:
        raise InputError(
            too_big(f"holds more than {limits.elements:,} elements", "elements", limits),
            file=name,
        ) from None
    except (etree.LxmlError, ValueError):
        return bound  # malformed: parse_xml says where
    return counter.count


_LONG_TEXT = etree.XPath("boolean(//text()[string-length(.) > $n] | //@*[string-length(.) > $n])")


def _check_text_lengths(data: bytes, root: etree._Element, name: str, limits: Limits) -> None:
    """Refuse a text or attribute value longer than the limit.

    A value holds no ``<`` (outside CDATA), so unless the file has CDATA or a run of bytes
    without ``<`` as long as the limit, no value can be: the XPath walk is mostly skipped.
    """
    limit = limits.text_chars
    if len(data) <= limit:
        return
    if b"<![CDATA[" not in data and max(map(len, data.split(b"<"))) <= limit:
        return
    if _LONG_TEXT(root, n=limit):
        raise InputError(
            too_big(
                f"holds a text or attribute value longer than {limit // MIB:,} MB of characters",
                "text_chars",
                limits,
            ),
            file=name,
        )


def parse_xml(
    data: bytes, name: str, limits: Limits | None = None, *, counted: bool = False
) -> etree._Element:
    """Parse one file's bytes (the BOM or declaration decides the encoding).

    ``counted``: the caller has checked the element count already (:func:`count_elements`).
    """
    limits = limits or Limits()
    if not counted:
        count_elements(data, name, limits)
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        msg = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc)
        raise InputError(f"malformed XML: {shorten(msg)}", file=name, line=line) from None
    except (ValueError, etree.LxmlError) as exc:
        raise InputError(f"unreadable XML: {shorten(str(exc))}", file=name) from None
    docinfo = tree.docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        # With entities off, entity references would silently read as empty: refuse instead.
        raise InputError(
            "has a DOCTYPE; an export never does, refusing to read it", file=name, line=1
        )
    root = tree.getroot()
    _check_text_lengths(data, root, name, limits)
    return root
