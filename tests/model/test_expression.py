"""The expression lexer, on the awkward cases a genuine export holds (notes/export-format.md)."""

from __future__ import annotations

import pytest
from lxml import etree

from driftcheck.model.expression import Token, TokenKind, normalize_expression, token_texts, tokens
from driftcheck.read.safexml import parse_xml

S, H, N, W, OP = (
    TokenKind.STRING,
    TokenKind.HEX,
    TokenKind.NAME,
    TokenKind.SPACE,
    TokenKind.OPERATOR,
)


def kinds_and_texts(expression: str) -> list[tuple[TokenKind, str]]:
    return [(t.kind, t.text) for t in tokens(expression)]


def test_string_literal_with_a_brace_is_one_token() -> None:
    assert kinds_and_texts('Left([cn],14)="SystemMailbox{"') == [
        (N, "Left"), (OP, "("), (OP, "["), (N, "cn"), (OP, "]"), (OP, ","), (N, "14"), (OP, ")"),
        (OP, "="), (S, '"SystemMailbox{"'),
    ]  # fmt: skip


def test_string_literal_with_backslashes_is_one_token() -> None:
    # the export's text is "\\0ACNF:" (two backslashes): an escaped backslash, then 0ACNF:
    assert kinds_and_texts('InStr([dn],"\\\\0ACNF:")>0')[6:] == [
        (S, '"\\\\0ACNF:"'), (OP, ")"), (OP, ">"), (N, "0"),
    ]  # fmt: skip


def test_escaped_quote_does_not_end_a_literal() -> None:
    assert token_texts('"a\\" & b" & c') == ['"a\\" & b"', " ", "&", " ", "c"]


def test_unterminated_literal_runs_to_the_end() -> None:
    assert tokens('x & "open {') == [
        Token(N, "x"), Token(W, " "), Token(OP, "&"), Token(W, " "), Token(S, '"open {'),
    ]  # fmt: skip
    assert token_texts('"ends in \\') == ['"ends in \\']


def test_vb_hex_literal_is_one_token() -> None:
    assert kinds_and_texts("BitAnd([userAccountControl],&H21C07000)") == [
        (N, "BitAnd"), (OP, "("), (OP, "["), (N, "userAccountControl"), (OP, "]"), (OP, ","),
        (H, "&H21C07000"), (OP, ")"),
    ]  # fmt: skip
    assert kinds_and_texts("&h2") == [(H, "&h2")]


@pytest.mark.parametrize("text", ["[a]&Hello", "[a]&Hx1", "&H"])
def test_ampersand_before_a_name_is_concatenation_not_hex(text: str) -> None:
    assert (H, text[text.index("&") :]) not in kinds_and_texts(text)
    assert (OP, "&") in kinds_and_texts(text)


def test_xml_escapes_arrive_decoded() -> None:
    xml = b'<expression>IIF(BitAnd([uac],&amp;H2)&gt;0,"a&amp;b" &amp; [c],NULL)</expression>'
    text = parse_xml(xml, "rule.xml").text
    assert isinstance(text, str)
    found = kinds_and_texts(text)
    assert (H, "&H2") in found
    assert (OP, ">") in found
    assert (S, '"a&b"') in found
    assert (OP, "&") in found
    assert etree.fromstring(xml).text == text  # decoded once, by the XML parser


def test_placeholders_and_whitespace() -> None:
    assert kinds_and_texts("%Domain.Netbios% \t\n Mod 2") == [
        (N, "%Domain"), (OP, "."), (N, "Netbios%"), (W, " \t\n "),
        (N, "Mod"), (W, " "), (N, "2"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        'IIF(IsPresent([mail]),"SystemMailbox{" & [cn], &H21C07000)',
        '"\\\\0ACNF:" & "\\"" & "',
        "",
        "Trim(\r\n\t[department]\u00a0)",
    ],
)
def test_tokens_join_back_to_the_expression(text: str) -> None:
    assert "".join(token_texts(text)) == text
    assert [t.text for t in tokens(text)] == token_texts(text)


def test_normalising_keeps_literals_and_hex_literals_whole() -> None:
    assert normalize_expression('IIF( [a] = "x  {y}" ,&H10 , "\\\\0ACNF: " )') == (
        'IIF([a]="x  {y}",&H10,"\\\\0ACNF: ")'
    )
    assert normalize_expression("x Mod &H10") == "x Mod&H10"
    assert normalize_expression("&H10 Mod 2") == "&H10 Mod 2"
