"""Cells: a value, a list, or the difference between two texts as ``(tag, text)`` segments.

``tag`` is ``""`` (plain), ``"del"`` (removed: struck through, red), ``"ins"`` (added:
underlined, green; neither relies on colour alone), ``"to"`` (the arrow between an old and a
new value: "changed to") or ``"em"`` (a placeholder such as "(absent)"). Differences between
two texts are shown token by token (:func:`token_diff`), between two lists member by member
(:func:`list_diff`), both in bounded time (:func:`bounded_opcodes`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from driftcheck.compare.walk import Json
from driftcheck.model.expression import token_texts

Segment = tuple[str, str]
Cell = list[Segment]

#: Between an old and a new value: "changed to". (Nothing else in a cell uses an arrow.)
ARROW = " → "

#: A list of more items than this, all short, is written on one line separated by commas.
INLINE_LIST = 6
SHORT_ITEM = 48


def tokenize(text: str) -> list[str]:
    """Tokens of an expression, as :mod:`driftcheck.model.expression` lexes them: string literals
    and hex literals whole, runs of whitespace, words and numbers, single punctuation."""
    return token_texts(text)


def _key(token: str) -> str:
    return " " if token.isspace() else token


def _coalesce(segments: Iterable[Segment]) -> Cell:
    out: Cell = []
    for tag, text in segments:
        if not text:
            continue
        if out and out[-1][0] == tag:
            out[-1] = (tag, out[-1][1] + text)
        else:
            out.append((tag, text))
    return out


Opcode = tuple[str, int, int, int, int]

#: Above this many token pairs (tokens on one side times the other) difflib's matcher, which
#: is quadratic, is not run on the whole: the common start and end are matched directly and
#: only what lies between is diffed, or shown as one replacement when that is still too big.
#: A 47 KB expression differing in one place costs milliseconds instead of minutes.
MAX_PAIRS = 250_000


def _affixes(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """Lengths of the common start and the common end of two sequences (not overlapping)."""
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[len(a) - 1 - end] == b[len(b) - 1 - end]:
        end += 1
    return start, end


def bounded_opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib's opcodes for ``a`` → ``b``, in time bounded by :data:`MAX_PAIRS`.

    Small inputs get difflib's answer unchanged. Larger ones are trimmed of their common start
    and end first; a middle still too large is one ``replace``.
    """
    if len(a) * len(b) <= MAX_PAIRS:
        return list(difflib.SequenceMatcher(None, a, b, False).get_opcodes())
    start, end = _affixes(a, b)
    a_mid, b_mid = a[start : len(a) - end], b[start : len(b) - end]
    ops: list[Opcode] = []
    if start:
        ops.append(("equal", 0, start, 0, start))
    if len(a_mid) * len(b_mid) <= MAX_PAIRS:
        middle = difflib.SequenceMatcher(None, a_mid, b_mid, False).get_opcodes()
        ops += [
            (op, i1 + start, i2 + start, j1 + start, j2 + start) for op, i1, i2, j1, j2 in middle
        ]
    elif a_mid and b_mid:
        ops.append(("replace", start, start + len(a_mid), start, start + len(b_mid)))
    elif a_mid or b_mid:
        ops.append(
            ("delete" if a_mid else "insert", start, start + len(a_mid), start, start + len(b_mid))
        )
    if end:
        ops.append(("equal", len(a) - end, len(a), len(b) - end, len(b)))
    return ops


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib's opcodes, with a whitespace-only match between two changes folded into one
    change: ``Contractor Filter`` → ``Job Title`` reads as one replacement, not two."""
    ops = bounded_opcodes([_key(t) for t in a], [_key(t) for t in b])
    merged: list[Opcode] = []
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        gap = op == "equal" and 0 < n < len(ops) - 1 and _blank(a[i1:i2])
        if merged and merged[-1][0] != "equal" and (op != "equal" or gap):
            _, p1, _, q1, _ = merged[-1]
            merged[-1] = ("replace", p1, i2, q1, j2)
        else:
            merged.append((op, i1, i2, j1, j2))
    return merged


def _blank(tokens: Sequence[str]) -> bool:
    return all(t.isspace() for t in tokens)


_WORD_START = re.compile(r"[\w%]")
_WORD_END = re.compile(r"[\w%]$")


def words(tokens: Sequence[str]) -> list[str]:
    """Tokens with runs of words joined by dots or hyphens made one: a version (``2.4.18.0``),
    a GUID or a dotted name changes as a whole, shown old → new, never as fragments."""
    out: list[str] = []
    n = 0
    while n < len(tokens):
        token = tokens[n]
        if (
            out
            and token in (".", "-")
            and n + 1 < len(tokens)
            and not out[-1].startswith('"')
            and _WORD_END.search(out[-1])
            and _WORD_START.match(tokens[n + 1])
        ):
            out[-1] += token + tokens[n + 1]
            n += 2
            continue
        out.append(token)
        n += 1
    return out


def token_diff(primary: str, staging: str) -> tuple[Cell, Cell, Cell]:
    """(primary cell, staging cell, inline cell) for two texts, compared token by token.

    The primary cell marks what staging lost (``del``), the staging cell what it gained
    (``ins``); the inline cell has both in reading order. Whitespace-only edits are not marked.
    """
    a, b = words(tokenize(primary)), words(tokenize(staging))
    left: list[Segment] = []
    right: list[Segment] = []
    inline: list[Segment] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal" or (_blank(a[i1:i2]) and _blank(b[j1:j2])):
            left.append(("", old))
            right.append(("", new))
            inline.append(("", new))
            continue
        left.append(("del", old))
        right.append(("ins", new))
        inline += (
            [("del", old), ("to", ARROW), ("ins", new)]
            if old and new
            else [
                ("del", old),
                ("ins", new),
            ]
        )
    return _coalesce(left), _coalesce(right), _coalesce(inline)


def _separator(items: Sequence[str]) -> str:
    short = len(items) > INLINE_LIST and all(len(i) <= SHORT_ITEM for i in items)
    return ", " if short else "\n"


def list_cell(items: Sequence[str], tag: str = "") -> Cell:
    if not items:
        return [("em", "(empty)")]
    sep = _separator(items)
    cell: Cell = []
    for n, item in enumerate(items):
        if n:
            cell.append(("", sep))
        cell.append((tag, item))
    return _coalesce(cell)


#: Two list items at the same place are shown as one edited item (changed tokens marked) when
#: at least this share of their tokens is unchanged: a scoping group with one condition changed.
SIMILAR = 0.6


def similar(old: str, new: str) -> bool:
    """Whether ``new`` reads as an edit of ``old`` rather than another item."""
    a, b = words(tokenize(old)), words(tokenize(new))
    if len(a) * len(b) > MAX_PAIRS:
        return False
    return difflib.SequenceMatcher(None, a, b, False).ratio() >= SIMILAR


def list_diff(primary: Sequence[str], staging: Sequence[str]) -> tuple[Cell, Cell, Cell]:
    """Two lists item by item: items only on primary ``del``, only on staging ``ins``.

    Where one item took the place of a similar one (:func:`similar`), it is one edited item:
    its changed tokens are marked, on each side, rather than the whole item.
    """
    sep = _separator([*primary, *staging])
    left: list[Segment] = []
    right: list[Segment] = []
    inline: list[Segment] = []

    def put(cell: list[Segment], segments: Cell) -> None:
        if cell:
            cell.append(("", sep))
        cell.extend(segments)

    for op, i1, i2, j1, j2 in bounded_opcodes(primary, staging):
        olds, news = primary[i1:i2], staging[j1:j2]
        if op == "replace" and len(olds) == len(news) and all(map(similar, olds, news)):
            for old, new in zip(olds, news, strict=True):
                mine, theirs, both = token_diff(old, new)
                put(left, mine)
                put(right, theirs)
                put(inline, both)
            continue
        for item in olds:
            put(left, [("" if op == "equal" else "del", item)])
            if op != "equal":
                put(inline, [("del", item)])
        for item in news:
            put(right, [("" if op == "equal" else "ins", item)])
            put(inline, [("" if op == "equal" else "ins", item)])
    return (
        _coalesce(left) or [("em", "(empty)")],
        _coalesce(right) or [("em", "(empty)")],
        _coalesce(inline),
    )


def text_of(value: Json) -> str:
    """A value as one text: lists one item a line, small dicts ``key: value; ...``."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {text_of(v)}" for k, v in value.items())
    return str(value)


def value_cell(value: Json, tag: str = "") -> Cell:
    """One side of a row: a text, a list, or a placeholder when there is nothing."""
    if value is None:
        return [("em", "(not set)")]
    if isinstance(value, list):
        return list_cell([text_of(v) for v in value], tag)
    if value == "":
        return [("em", "(empty)")]
    return [(tag, text_of(value))]


def diff_cells(primary: Json, staging: Json) -> tuple[Cell, Cell, Cell]:
    """(primary, staging, inline) cells for two values that differ."""
    if isinstance(primary, list) and isinstance(staging, list):
        return list_diff([text_of(v) for v in primary], [text_of(v) for v in staging])
    if primary is None or primary == "" or staging is None or staging == "":
        left, right = value_cell(primary, "del"), value_cell(staging, "ins")
        return left, right, [*left, ("to", ARROW), *right]
    return token_diff(text_of(primary), text_of(staging))
