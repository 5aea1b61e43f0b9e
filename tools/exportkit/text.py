"""Text helpers shared by the writer and the scenarios: escaping, GUIDs, ids, shuffles.

Everything random takes a ``random.Random`` so that a scenario seeded with fixed strings writes
byte-identical files on every run.
"""

from __future__ import annotations

import random
import re
import uuid
from typing import TypeVar

T = TypeVar("T")

ZERO_GUID = "{00000000-0000-0000-0000-000000000000}"
DSML_NS = "http://www.dsml.org/DSML"
MMS_NS = "http://www.microsoft.com/MMS/DSML"

WARNING_COMMENT = (
    "<!--WARNING>\n"
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    "!!\n"
    "!! The contents of this file should not be edited.\n"
    "!! Any such modifications to this file may result in errors during import.\n"
    "!!\n"
    "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    "</WARNING-->"
)

SYN_BIN = "1.3.6.1.4.1.1466.115.121.1.5"
SYN_BOOL = "1.3.6.1.4.1.1466.115.121.1.7"
SYN_DN = "1.3.6.1.4.1.1466.115.121.1.12"
SYN_STR = "1.3.6.1.4.1.1466.115.121.1.15"
SYN_GT = "1.3.6.1.4.1.1466.115.121.1.24"
SYN_INT = "1.3.6.1.4.1.1466.115.121.1.27"
SYN_OID = "1.3.6.1.4.1.1466.115.121.1.38"
SYN_OCT = "1.3.6.1.4.1.1466.115.121.1.40"
SYN_LINT = "1.2.840.113556.1.4.906"


def esc(text: str) -> str:
    """Escape element text the way the sync engine does (quotes stay literal)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def new_guid(rng: random.Random) -> str:
    """A random (version 4) GUID, lower case, no braces."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def lo(guid: str) -> str:
    return "{" + guid.lower() + "}"


def up(guid: str) -> str:
    return "{" + guid.upper() + "}"


def hex12(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(12))


def b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def shuffled(items: list[T], rng: random.Random) -> list[T]:
    """A permutation that is guaranteed to differ from the input order (len >= 2)."""
    out = list(items)
    for _ in range(50):
        rng.shuffle(out)
        if out != list(items):
            return out
    raise AssertionError("could not shuffle")


def ci_sorted(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: (n.lower(), n))


# VB-style string literal ("" escapes a quote) inside a sync-rule expression.
LITERAL_RE = re.compile(r'("(?:[^"]|"")*")')


def split_literals(expr: str) -> list[str]:
    """Even indexes: code outside literals; odd indexes: string literals (with quotes)."""
    return LITERAL_RE.split(expr)


def expr_attrs(expr: str) -> list[str]:
    """Attributes referenced as [name] outside string literals, in order, without dn."""
    seen: list[str] = []
    for i, part in enumerate(split_literals(expr)):
        if i % 2:
            continue
        for name in re.findall(r"\[([A-Za-z][\w-]*)\]", part):
            if name != "dn" and name not in seen:
                seen.append(name)
    return seen


def reflow_expression(expr: str) -> str:
    """Re-space an expression as an admin re-typing it in the editor would.

    Only whitespace *outside* string literals changes: one space after each comma, none just
    inside parentheses, one space around ``||`` and ``&&``. Literals (with their braces,
    backslashes and inner spaces) are kept byte for byte.
    """
    parts = split_literals(expr)
    for i in range(0, len(parts), 2):
        p = parts[i]
        p = re.sub(r"\s*,\s*", ", ", p)
        p = re.sub(r"\(\s+", "(", p)
        p = re.sub(r"\s+\)", ")", p)
        p = re.sub(r"\s*(\|\||&&)\s*", r" \1 ", p)
        parts[i] = p
    out = "".join(parts)
    # Self-check: same literals, same code once whitespace outside literals is removed.
    a, b = split_literals(expr), split_literals(out)
    assert a[1::2] == b[1::2], "literal changed"
    assert [re.sub(r"\s", "", x) for x in a[0::2]] == [re.sub(r"\s", "", x) for x in b[0::2]]
    assert out != expr, "reflow made no change"
    return out


# --------------------------------------------------------------------------------------------


def to_bytes(text: str, *, crlf: bool = False, utf16: bool = False) -> bytes:
    """The file's bytes: ASCII/LF as exported, or as a Windows tool re-saves it."""
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if utf16:
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode("ascii")
