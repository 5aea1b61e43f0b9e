"""The one lexer of sync-rule expressions, shared by normalising and the HTML token diff.

An expression such as ``IIF(IsPresent([mail]),"SystemMailbox{" & [cn], &H21C07000)`` is read
as a flat sequence of tokens; nothing here parses it further. What matters to both users is
where a token starts and ends:

* a **string literal** is double-quoted, with backslash escapes (``"\\\\0ACNF:"``), and is one
  token whatever it holds: braces, brackets, ``&``, quotes escaped by a backslash, spaces. An
  unterminated literal runs to the end of the text;
* a **VB hex literal** (``&H21C07000``) is one token, not ``&`` followed by a name;
* a **name** is a run of letters, digits, ``_`` and ``%`` (function names, numbers, the
  ``%Placeholders%`` some out-of-box rules hold);
* **whitespace** is one token per run;
* anything else is an **operator**, one character a token (``&``, ``[``, ``(``, ``,``, ``=``).

XML escapes (``&amp;``, ``&gt;``) are already decoded by the XML parser before a text
reaches this module. Joining the tokens' texts gives back the expression exactly.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple


class TokenKind(StrEnum):
    STRING = "string"
    HEX = "hex"
    NAME = "name"
    SPACE = "space"
    OPERATOR = "operator"


class Token(NamedTuple):
    kind: TokenKind
    text: str


_TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"\\]|\\.)*(?:"|\\?\Z))  # quoted, backslash escapes; unterminated: to the end
    | (?P<hex>&[Hh][0-9A-Fa-f]+(?![\w%]))     # VB hex literal
    | (?P<name>[\w%]+)
    | (?P<space>\s+)
    | (?P<operator>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def tokens(expression: str) -> list[Token]:
    """Every token of ``expression``, in order; their texts joined give it back unchanged."""
    return [
        Token(TokenKind(m.lastgroup or "operator"), m.group()) for m in _TOKEN.finditer(expression)
    ]


def token_texts(expression: str) -> list[str]:
    """The tokens' texts only (what a text diff needs), without building :class:`Token`\\ s."""
    return [m.group() for m in _TOKEN.finditer(expression)]


def _wordish(ch: str) -> bool:
    """Characters of names and numbers: a space between two of them separates tokens."""
    return ch.isalnum() or ch in "_%"


def normalize_expression(expression: str) -> str:
    """Drop whitespace outside string literals, keeping one space between two word tokens.

    ``IIF( [a] ,"x  y")`` and ``IIF([a],"x  y")`` become the same; the literal keeps its two
    spaces; ``x Mod 2`` keeps one space because removing it would join two tokens.
    """
    out: list[str] = []
    pending_space = False
    for match in _TOKEN.finditer(expression):
        text = match.group()
        if match.lastgroup == "space":
            pending_space = True
            continue
        if pending_space and out and _wordish(out[-1][-1]) and _wordish(text[0]):
            out.append(" ")
        pending_space = False
        out.append(text)
    return "".join(out)
