"""Cut one large csexport file into ranges of whole ``cs-object`` elements, each readable alone.

A csexport file is a flat list of ``cs-object`` elements under one root, so a range of the
file that starts at an object's start tag and ends before another's is, with a root start tag
put in front of it and an end tag after it, a document of its own. Worker processes read the
ranges side by side (:mod:`driftcheck.exports.parallel`); each range is parsed by the same
streaming reader, with the same safe settings and limits, as a whole file.

Why this is safe: ``<`` never stands for itself in the text or the attribute values of
well-formed XML, so ``<cs-object`` followed by a space or ``>`` is a start tag, except inside
a comment, a CDATA section or a processing instruction. A csexport file holds none of those,
and the reader of a range refuses any (:class:`Unsplittable`): the file is then read from its
start in one piece, which decides what it holds. A range that is not a document (a file cut
short, an object left open) fails too and the whole file is read the same way, so every error
is the one the serial reader reports, with the file's own line numbers.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass

#: The object start tag (ASCII: the same bytes in UTF-8 and in any ASCII-compatible encoding).
_OBJECT_START = b"<cs-object"
#: What may follow the tag name in a start tag.
_AFTER_NAME = frozenset(b" \t\r\n>/")
#: Bytes read at a time when looking for the next object after a cut.
_SCAN = 64 * 1024
#: How far past a cut the next object's start tag is looked for before giving the cut up.
_SCAN_LIMIT = 16 * 1024 * 1024

_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class Unsplittable(Exception):
    """The range holds markup a csexport file never has (a comment, CDATA, a processing
    instruction, a DOCTYPE): the file must be read whole."""


@dataclass(frozen=True)
class Encoding:
    """How the file's text is encoded, as far as cutting it needs to know."""

    #: the codec of the file's bytes after any byte-order mark
    codec: str
    #: the byte-order mark the file starts with (b"" for none)
    bom: bytes

    @property
    def unit(self) -> int:
        """Bytes per code unit: a cut is only ever made on a multiple of it."""
        return 2 if self.codec.startswith("utf-16") else 1

    def encode(self, text: str) -> bytes:
        return text.encode(self.codec)


def encoding_of(head: bytes) -> Encoding | None:
    """The encoding of a file starting with ``head``, when the file can be cut: UTF-8 (with or
    without a byte-order mark, declared or not) or UTF-16 with a byte-order mark. None for
    anything else (such a file is read whole)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return Encoding("utf-8", b"\xef\xbb\xbf")
    if head.startswith(b"\xff\xfe"):
        return Encoding("utf-16-le", b"\xff\xfe")
    if head.startswith(b"\xfe\xff"):
        return Encoding("utf-16-be", b"\xfe\xff")
    if head[:1] == b"\x00" or head[1:2] == b"\x00":
        return None  # UTF-16 without a byte-order mark, or UTF-32: not cut
    declared = _DECLARED.match(head)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8", b"us-ascii"):
        return Encoding("utf-8", b"")
    return None


def object_starts(fd: int, size: int, parts: int, encoding: Encoding) -> list[int]:
    """The file offsets to cut a file of ``size`` bytes at into about ``parts`` ranges: each
    the start of a ``cs-object`` start tag at or after an even share of the file. Fewer when
    objects are too far apart (one object of several MB). Offset 0 is not included."""
    starts: list[int] = []
    for k in range(1, parts):
        at = _next_object(fd, size * k // parts, size, encoding)
        if at is None:
            break
        if at > (starts[-1] if starts else 0):
            starts.append(at)
    return starts


def _next_object(fd: int, offset: int, size: int, encoding: Encoding) -> int | None:
    """The offset of the first object start tag at or after ``offset``, on a code-unit
    boundary, within :data:`_SCAN_LIMIT` bytes."""
    unit = encoding.unit
    marker = encoding.encode(_OBJECT_START.decode("ascii"))
    after = {encoding.encode(chr(b)) for b in _AFTER_NAME}
    offset -= offset % unit
    end = min(size, offset + _SCAN_LIMIT)
    overlap = len(marker) + unit
    position = offset
    while position < end:
        block = os.pread(fd, _SCAN + overlap, position)
        if not block:
            return None
        found = block.find(marker)
        while found >= 0:
            tail = block[found + len(marker) : found + len(marker) + unit]
            if (position + found) % unit == 0 and tail in after:
                return position + found
            found = block.find(marker, found + 1)
        position += _SCAN
    return None


class RangeStream(io.RawIOBase):
    """A readable stream of ``prefix``, the bytes ``[start, end)`` of the file open as ``fd``
    and ``suffix``; it raises :class:`Unsplittable` at any comment, CDATA section, processing
    instruction or DOCTYPE in the file's bytes (the XML declaration at offset 0 excepted)."""

    def __init__(
        self, fd: int, start: int, end: int, prefix: bytes, suffix: bytes, encoding: Encoding
    ) -> None:
        super().__init__()
        self._fd, self._position, self._end = fd, start, end
        self._prefix, self._suffix = prefix, suffix
        self._unit = encoding.unit
        self._markup = _markup_pattern(encoding)
        self._declaration = encoding.bom + encoding.encode("<?xml")
        self._carry = b""  # the last bytes read, so a marker across two reads is found

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._next(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _next(self, size: int) -> bytes:
        if self._prefix:
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            return data
        if self._position < self._end:
            want = min(size, self._end - self._position)
            data = os.pread(self._fd, want, self._position)
            if not data:  # the file shrank while being read: the whole read decides
                raise Unsplittable("the file changed while it was read")
            self._check(data)
            self._position += len(data)
            return data
        data, self._suffix = self._suffix[:size], self._suffix[size:]
        return data

    def _check(self, data: bytes) -> None:
        start = 0
        if self._position == 0 and data.startswith(self._declaration):
            start = len(self._declaration)
        self._refuse_markup(data, self._position, start)
        if self._carry:  # a marker across the previous read and this one
            edge = self._carry + data[: 2 * self._unit]
            self._refuse_markup(edge, self._position - len(self._carry), 0)
        self._carry = data[-2 * self._unit :]

    def _refuse_markup(self, data: bytes, offset: int, start: int) -> None:
        """Raise :class:`Unsplittable` at ``<!`` or ``<?`` in ``data`` (at file ``offset``)."""
        for found in self._markup.finditer(data, start):
            if (offset + found.start()) % self._unit == 0:
                raise Unsplittable("comment, CDATA, processing instruction or DOCTYPE")


def _markup_pattern(encoding: Encoding) -> re.Pattern[bytes]:
    """``<!`` or ``<?`` in the file's encoding (a regular expression finds them faster than
    two searches for bytes in a text full of ``<``)."""
    lt, bang, question = (re.escape(encoding.encode(c)) for c in "<!?")
    return re.compile(lt + b"(?:" + bang + b"|" + question + b")")


def wrapper(encoding: Encoding, root: str) -> tuple[bytes, bytes]:
    """The root start tag (with a declaration naming the encoding) to put before a range that
    does not start the file, and the end tag to put after one that does not end it."""
    codec = "UTF-16" if encoding.unit == 2 else "UTF-8"
    prefix = encoding.bom + encoding.encode(f'<?xml version="1.0" encoding="{codec}"?><{root}>')
    return prefix, encoding.encode(f"</{root}>")
