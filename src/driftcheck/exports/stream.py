"""Stream a csexport XML file (``csexport "NAME" FILE /f:x``) one ``cs-object`` at a time.

A real file is hundreds of MB to several GB, so no tree of the whole file is ever built: the
bytes are fed to an lxml pull parser in chunks, each ``cs-object`` is handed to the caller when
it ends and cleared as soon as the caller is done with it. The parser has the configuration
reader's safe settings (:func:`driftcheck.read.files._parser`: no DTD, no entity expansion, no
network, libxml2's depth and text limits on) and the limits of docs/limits.md apply per object: the
elements of one ``cs-object`` (``DRIFTCHECK_MAX_ELEMENTS``) and the length of one value
(``DRIFTCHECK_MAX_TEXT_MB``). Every refusal is an :class:`InputError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from lxml import etree

from driftcheck.errors import InputError, shorten
from driftcheck.read.limits import LIMITS_DOC, Limits, too_big

ROOT_TAG = "cs-objects"
OBJECT_TAG = "cs-object"
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"

#: Bytes read and fed to the parser at a time.
CHUNK = 256 * 1024
#: How far into a file its root element must have started.
HEAD_LIMIT = 1024 * 1024

Element = etree._Element


def _pull_parser(**options: object) -> etree.XMLPullParser:
    # The configuration reader's settings (read._parser), for a parser fed in chunks.
    return etree.XMLPullParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **options,  # type: ignore[arg-type]
    )


_POSITION = re.compile(r",? line \d+, column \d+.*$")


def _syntax_error(exc: etree.XMLSyntaxError, label: str) -> InputError:
    line = exc.lineno if getattr(exc, "lineno", None) else None
    msg = str(exc.msg if getattr(exc, "msg", None) else exc)
    return _malformed(msg, line, label)


def _malformed(msg: str, line: int | None, label: str) -> InputError:
    msg = _POSITION.sub("", msg.strip())
    if "no element found" in msg:
        msg = "the file ends before its last element is closed (cut short?)"
    if "Text node too long" in msg or "huge text node" in msg:
        return InputError(
            "holds a value longer than libxml2 reads without its huge-tree option (10 MB); "
            f"refusing it (see {LIMITS_DOC})",
            file=label,
            line=line or None,
        )
    return InputError(f"malformed XML: {shorten(msg, 160)}", file=label, line=line or None)


def _fatal(parser: etree.XMLPullParser, label: str) -> InputError | None:
    """The first fatal error the parser logged: a fed parser stops there without raising."""
    fatals = parser.feed_error_log.filter_from_fatals()
    if not len(fatals):
        return None
    first = fatals[0]
    return _malformed(first.message, first.line, label)


def _check_head(head: bytes, label: str, complete: bool) -> None:
    """Refuse a file whose root is not ``<cs-objects>`` or that has a DOCTYPE, from its head.

    A separate parser reads the first bytes until the root element starts, so a wrong file
    (a configuration export's connector, an HTML page) is refused before it is read through.
    """
    parser = _pull_parser(events=("start",))
    events: list[Element] = []
    try:
        parser.feed(head)
        events = _elements(parser)
        if not events and complete:
            parser.close()
    except etree.XMLSyntaxError as exc:
        events = _elements(parser)
        if not events:
            raise _syntax_error(exc, label) from None
    if not events:
        if complete:
            raise InputError("holds no XML element; expected a csexport file", file=label)
        raise InputError(
            f"no root element in the first {HEAD_LIMIT // 1024:,} kB; expected a csexport file "
            f"(<{ROOT_TAG}>)",
            file=label,
        )
    root = events[0]
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise InputError(
            "has a DOCTYPE; a csexport file never does, refusing to read it", file=label, line=1
        )
    if root.tag != ROOT_TAG:
        tag = root.tag if isinstance(root.tag, str) else "?"
        raise InputError(
            f"root element is <{shorten(tag)}>, expected <{ROOT_TAG}> (a file written by "
            'csexport "CONNECTOR" FILE /f:x)',
            file=label,
            line=root.sourceline if isinstance(root.sourceline, int) else None,
        )


def _elements(parser: etree.XMLPullParser) -> list[Element]:
    return [el for _, el in _events(parser)]


def _events(parser: etree.XMLPullParser) -> Iterator[tuple[str, Element]]:
    """The parser's start/end events (the only kinds asked for)."""
    for event, el in parser.read_events():
        if isinstance(el, etree._Element):
            yield event, el


def _read_head(stream: IO[bytes]) -> tuple[bytes, bool]:
    """The file's first bytes, up to where the root element has surely started (or its end)."""
    head = b""
    while len(head) < HEAD_LIMIT:
        chunk = stream.read(CHUNK)
        if not chunk:
            return head, True
        head += chunk
        if _root_started(head):
            return head, False
    return head, False


def _root_started(head: bytes) -> bool:
    """A cheap guess that the root's start tag is in ``head``: a ``<`` followed by a letter
    after the declaration (UTF-8 or UTF-16). The head parser checks properly."""
    text = head.replace(b"\x00", b"")
    start = 0
    while True:
        at = text.find(b"<", start)
        if at < 0 or at + 1 >= len(text):
            return False
        nxt = text[at + 1 : at + 2]
        if nxt.isalpha():
            end = text.find(b">", at)
            return end > 0
        start = at + 1


def cs_objects(stream: IO[bytes], label: str, limits: Limits) -> Iterator[Element]:
    """Yield each ``cs-object`` element of the csexport file read from ``stream``.

    The element is valid until the caller asks for the next one; then it is cleared and
    dropped, with anything else the parser built before it. ``label`` names the file in
    errors. Raises :class:`InputError` for anything that is not a well-formed csexport file
    within the limits.
    """
    head, complete = _read_head(stream)
    if not head.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise InputError("is empty; expected a csexport file", file=label)
    _check_head(head, label, complete)
    parser = _pull_parser(events=("start", "end"), tag=(OBJECT_TAG, f"{{{XINCLUDE_NS}}}*"))
    # Counted in C on the raw bytes: the elements of the object being built, bounded before
    # the object is complete (libxml2 would otherwise build all of them first).
    opening = _tag_mark(head)
    since_object = 0
    line = 1
    chunk = head
    try:
        while chunk:
            parser.feed(chunk)
            since_object += chunk.count(opening)
            for event, el in parser.read_events():
                if not isinstance(el, etree._Element):
                    continue
                if el.tag != OBJECT_TAG:
                    raise InputError(
                        "holds an XInclude element; refusing to read it",
                        file=label,
                        line=el.sourceline if isinstance(el.sourceline, int) else None,
                    )
                if event == "start":
                    line = el.sourceline if isinstance(el.sourceline, int) else line
                    continue
                if since_object > limits.elements and _size(el) > limits.elements:
                    raise _too_many(label, line, limits)
                since_object = 0
                yield el
                _drop(el)
            error = _fatal(parser, label)
            if error is not None:
                raise error
            if since_object > 2 * limits.elements:
                raise _too_many(label, line, limits)
            chunk = stream.read(CHUNK)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise (_fatal(parser, label) or _syntax_error(exc, label)) from None
    except (ValueError, etree.LxmlError) as exc:
        raise InputError(f"unreadable XML: {shorten(str(exc))}", file=label) from None


def _size(el: Element) -> int:
    return sum(1 for _ in el.iter())


def _too_many(label: str, line: int, limits: Limits) -> InputError:
    return InputError(
        too_big(
            f"the cs-object that starts here holds more than {limits.elements:,} elements",
            "elements",
            limits,
        ),
        file=label,
        line=line,
    )


def _tag_mark(head: bytes) -> bytes:
    """The bytes of ``<`` in the file's encoding. An element has one or two tags, so the count
    of ``<`` since the last object ended is at most twice the elements of the object being
    built and at least as many: past twice the limit, the object is surely too big."""
    if head.startswith(b"\xff\xfe") or head[1:2] == b"\x00":
        return b"<\x00"
    if head.startswith(b"\xfe\xff") or head[:1] == b"\x00":
        return b"\x00<"
    return b"<"


def _drop(el: Element) -> None:
    """Free a processed object and everything before it under the root."""
    el.clear()
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]
        del parent[0]  # el itself, first by now
