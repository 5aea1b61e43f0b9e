"""A tiny csexport XML builder for the tests (the documented structure, nothing more)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

Values = str | Sequence[str]


def _values(values: Values) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def attrs_xml(
    attrs: Mapping[str, Values], *, refs: Sequence[str] = (), binary: Sequence[str] = ()
) -> str:
    out = []
    for name, values in attrs.items():
        vals = _values(values)
        multi = "true" if not isinstance(values, str) else "false"
        if name in refs:
            inner = "".join(
                f"<dn-value><dn>{escape(v)}</dn><anchor encoding='base64'>QUJD</anchor></dn-value>"
                for v in vals
            )
            out.append(f"<dn-attr name={quoteattr(name)} multivalued='{multi}'>{inner}</dn-attr>")
        else:
            kind = "binary" if name in binary else "string"
            inner = "".join(f"<value>{escape(v)}</value>" for v in vals)
            out.append(
                f"<attr name={quoteattr(name)} type='{kind}' multivalued='{multi}'>{inner}</attr>"
            )
    return "".join(out)


@dataclass
class DeltaAttr:
    """An attribute of an update delta: ``operation`` and (value operation, value) pairs."""

    name: str
    operation: str
    values: Sequence[tuple[str, str]] = ()
    multivalued: bool = False
    reference: bool = False

    def xml(self) -> str:
        def one(op: str, v: str) -> str:
            opattr = f" operation='{op}'" if op else ""
            if self.reference:
                return f"<dn-value{opattr}><dn>{escape(v)}</dn></dn-value>"
            return f"<value{opattr}>{escape(v)}</value>"

        inner = "".join(one(op, v) for op, v in self.values)
        tag = "dn-attr" if self.reference else "attr"
        multi = "true" if self.multivalued else "false"
        return f"<{tag} name={quoteattr(self.name)} type='string' multivalued='{multi}' operation='{self.operation}'>{inner}</{tag}>"


@dataclass
class CsObject:
    dn: str
    operation: str = "update"
    object_type: str = "user"
    id: str = "{00000000-0000-0000-0000-000000000001}"
    old: Mapping[str, Values] | None = None
    new: Mapping[str, Values] | None = None
    delta: Sequence[DeltaAttr] | Mapping[str, Values] = ()
    refs: Sequence[str] = ()
    binary: Sequence[str] = ()
    escrowed: bool = False
    unconfirmed: bool = False
    old_style_names: bool = False
    extra: str = ""

    def xml(self) -> str:
        synced, unapplied = (
            ("hologram", "export-hologram")
            if self.old_style_names
            else ("synchronized-hologram", "unapplied-export-hologram")
        )
        parts = [
            f"<cs-object cs-dn={quoteattr(self.dn)} id={quoteattr(self.id)} object-type={quoteattr(self.object_type)} transient='false'>"
        ]
        if isinstance(self.delta, Mapping):
            delta_inner = attrs_xml(self.delta, refs=self.refs, binary=self.binary)
        else:
            delta_inner = "".join(a.xml() for a in self.delta)
        parts.append(
            f"<unapplied-export><delta operation={quoteattr(self.operation)} dn={quoteattr(self.dn)}>"
            f"<primary-objectclass>{escape(self.object_type)}</primary-objectclass>{delta_inner}</delta></unapplied-export>"
        )
        if self.escrowed:
            parts.append(
                f"<escrowed-export><delta operation='update' dn={quoteattr(self.dn)}/></escrowed-export>"
            )
        if self.unconfirmed:
            parts.append(
                f"<unconfirmed-export><delta operation='update' dn={quoteattr(self.dn)}/></unconfirmed-export>"
            )
        if self.old is not None:
            parts.append(
                f"<{synced}><entry dn={quoteattr(self.dn)}><anchor encoding='base64'>QUJD</anchor>{attrs_xml(self.old, refs=self.refs, binary=self.binary)}</entry></{synced}>"
            )
        if self.new is not None:
            parts.append(
                f"<{unapplied}><entry dn={quoteattr(self.dn)}>{attrs_xml(self.new, refs=self.refs, binary=self.binary)}</entry></{unapplied}>"
            )
        parts.append(self.extra)
        parts.append("</cs-object>")
        return "".join(parts)


@dataclass
class CsExport:
    objects: list[CsObject] = field(default_factory=list)

    def text(self) -> str:
        body = "\n".join(o.xml() for o in self.objects)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<cs-objects>\n{body}\n</cs-objects>\n'

    def bytes(self, encoding: str = "utf-8") -> bytes:
        text = self.text()
        if encoding == "utf-16":
            return text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        return text.encode("utf-8")


def user(n: int, department: str = "sales", new_department: str = "Sales") -> CsObject:
    dn = f"CN=User {n},OU=Staff,DC=contoso,DC=com"
    base = {"displayName": f"User {n}", "userPrincipalName": f"user{n}@contoso.com"}
    return CsObject(
        dn=dn,
        id=f"{{00000000-0000-0000-0000-{n:012d}}}",
        old={**base, "department": department},
        new={**base, "department": new_department},
        delta=[DeltaAttr("department", "replace", [("", new_department)])],
    )
