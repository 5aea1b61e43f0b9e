"""Text bound for a terminal, with every control character shown instead of obeyed.

Names and values from an export (a zip member name, a rule name, a policy rule id) can carry
ESC sequences that clear the screen, OSC 8 hyperlinks, C1 controls or bidirectional overrides
that reorder what is shown. Printed raw, one crafted name could forge a verdict.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the Unicode bidi embeddings, overrides and isolates
#: (which reorder the text around them), plus the line and paragraph separators.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, multiline: bool = False) -> str:
    """``text`` with control characters written as ``\\x1b``-style escapes.

    ``multiline`` keeps line feeds (a whole summary); otherwise they are escaped too, so
    that one value stays on one line.
    """
    pattern = _CONTROLS_BUT_NEWLINE if multiline else _CONTROLS
    return pattern.sub(_escape, text)


#: What json.dumps(ensure_ascii=False) leaves raw that a terminal would obey or reorder.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_for_terminal(text: str) -> str:
    """JSON text with DEL, C1 controls and bidi overrides written as ``\\u`` escapes.

    The same JSON data (those characters can only occur inside strings), safe to print.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
