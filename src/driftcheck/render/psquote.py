"""PowerShell quoting: every value from an export becomes a literal, never code.

Single-quoted strings with every quote-like character doubled, and characters a terminal or an
editor could show misleadingly written as `[char]` codes; comments cannot end early.
"""

from __future__ import annotations

import unicodedata

#: Characters PowerShell reads as a single quote: ' and the typographic ‘ ’ ‚ ‛.
SINGLE_QUOTES = frozenset("'\u2018\u2019\u201a\u201b")


#: Unicode categories written as ``[char]`` codes: controls (line breaks, tabs, escape),
#: invisible format characters, and the line and paragraph separators.
_CODED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _coded(ch: str) -> bool:
    return ord(ch) <= 0xFFFF and unicodedata.category(ch) in _CODED_CATEGORIES


def ps_string(value: str) -> str:
    """A PowerShell expression whose value is exactly ``value``.

    A single-quoted literal, in which PowerShell expands nothing (no ``$``, no backtick
    escapes) and which only a single quote ends: every character PowerShell takes for one
    (``'`` and the typographic ``‘ ’ ‚ ‛``) is doubled. Control characters are not written
    raw, where the script's CRLF line ends would change them, but as ``[char]0x000A`` codes
    joined to the literals: ``('line 1' + [char]0x000A + 'line 2')``.
    """
    parts: list[str] = []
    literal: list[str] = []
    for ch in value:
        if _coded(ch):
            parts.append("'" + "".join(literal) + "'")
            literal = []
            parts.append(f"[char]0x{ord(ch):04X}")
        else:
            literal.append(ch + ch if ch in SINGLE_QUOTES else ch)
    if literal or not parts:
        parts.append("'" + "".join(literal) + "'")
    parts = [p for i, p in enumerate(parts) if p != "''" or i == 0]
    return parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"


def shown(value: str) -> str:
    """``value`` as text for a comment or a message: control characters as ``\\xNN`` marks."""
    return "".join(
        ch if not _coded(ch) else f"\\x{ord(ch):02X}" if ord(ch) < 0x100 else f"\\u{ord(ch):04X}"
        for ch in value
    )


def ps_comment(text: str) -> str:
    """A ``#`` comment line: a value with a line break would end it and start code."""
    return f"# {shown(text)}".rstrip()


def ps_bool(value: bool) -> str:
    return "$true" if value else "$false"
