"""Typed lookups in lxml trees for the tests.

lxml's ``find``, ``get`` and ``text`` may give None, and ``xpath`` may give numbers or
strings as well as elements. Each helper here asserts what the test relies on (naming the
path), so a missing element fails as a test failure rather than an AttributeError on None,
and the test gets a value of the type it uses.
"""

from __future__ import annotations

from lxml import etree


def element(
    node: etree._Element, path: str, namespaces: dict[str, str] | None = None
) -> etree._Element:
    """``node.find(path)``, which must find an element."""
    found = node.find(path, namespaces)
    assert found is not None, path
    return found


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    """``node.xpath(path)`` for an expression that selects elements."""
    found = node.xpath(path)
    assert isinstance(found, list), path
    selected: list[etree._Element] = []
    for item in found:
        assert isinstance(item, etree._Element), (path, item)
        selected.append(item)
    return selected


def attribute(node: etree._Element, name: str) -> str:
    """``node.get(name)``, which must be present."""
    value = node.get(name)
    assert value is not None, name
    return value


def text(node: etree._Element) -> str:
    """``node.text``, which must be present."""
    assert node.text is not None, node.tag
    return node.text


def child_text(node: etree._Element, path: str) -> str:
    """``node.findtext(path)``: the text of the element at ``path``, which must exist."""
    found = node.findtext(path)
    assert found is not None, path
    return found


def all_text(node: etree._Element) -> str:
    """Every text inside ``node``, joined (``itertext``)."""
    parts: list[str] = []
    for part in node.itertext():
        assert isinstance(part, str), part
        parts.append(part)
    return "".join(parts)
