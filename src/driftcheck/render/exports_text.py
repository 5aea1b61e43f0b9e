"""The pending exports on one screen: per connector counts, the attributes with the most
changes and their top transitions, the findings, one verdict line.

Every value from a file passes :func:`driftcheck.output.terminal.printable` (control characters and
bidi overrides shown, never obeyed) and is cut to a readable length; binary values are the
base64 text of the file, never decoded.
"""

from __future__ import annotations

from driftcheck.exports.aggregate import kinds_phrase
from driftcheck.exports.result import AttributeSummary, ExportsResult
from driftcheck.model.vocab import SEVERITY_ORDER
from driftcheck.output.terminal import printable

#: Attributes listed (most changed first, all connectors) and transitions per attribute.
ATTRIBUTES_SHOWN = 6
TRANSITIONS_SHOWN = 2
FINDINGS_SHOWN = 10
VALUE_CHARS = 50


def _v(text: str, limit: int = VALUE_CHARS) -> str:
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(text: str, attribute: AttributeSummary) -> str:
    if not text:
        return "(empty)"
    shown = repr(_v(text))
    return f"base64:{shown}" if attribute.binary else shown


def verdict_line(result: ExportsResult) -> str:
    s = result.summary
    counts = ", ".join(f"{s.findings.get(lv.value, 0)} {lv.value}" for lv in SEVERITY_ORDER)
    word = "FAIL" if s.failed else "PASS"
    tail = "at or above" if s.failed else "none at or above"
    return (
        f"{word}: pending exports {counts} findings ({tail} {s.fail_on.value}); "
        f"{s.objects:,} objects would change"
    )


def render_text(result: ExportsResult) -> str:
    lines: list[str] = []
    s = result.summary
    c = s.counts
    server = f" on {_v(result.server)}" if result.server else ""
    lines.append(
        f"Pending exports{server}: {s.objects:,} objects would change "
        f"({c.adds:,} adds, {c.updates:,} updates, {c.deletes:,} deletes, "
        f"{c.delete_adds:,} delete-adds)"
    )
    lines.append(f"Configuration: {_v(result.config, 80) if result.config else 'none (--config)'}")
    lines.append("")
    width = max([len(_v(x.name, 40)) for x in result.connectors] + [9])
    lines.append(
        f"{'connector':<{width}}  {'type':<8}  {'adds':>7}  {'updates':>7}  {'deletes':>7}  "
        f"{'del-add':>7}  named by"
    )
    named: dict[str, set[str]] = {}
    for info in result.files:
        named.setdefault(info.connector, set()).add(info.named_by)
    for x in result.connectors:
        k = x.counts
        lines.append(
            f"{_v(x.name, 40):<{width}}  {x.kind:<8}  {k.adds:>7,}  {k.updates:>7,}  "
            f"{k.deletes:>7,}  {k.delete_adds:>7,}  {', '.join(sorted(named.get(x.name, ())))}"
        )
    ranked = sorted(
        ((x.name, a) for x in result.connectors for a in x.attributes),
        key=lambda pair: -pair[1].objects,
    )
    if ranked:
        lines.append("")
        lines.append("Attributes with the most changes (objects that keep existing):")
        for connector, attribute in ranked[:ATTRIBUTES_SHOWN]:
            values = ""
            if attribute.multivalued:
                values = f"; values +{attribute.values_added:,} -{attribute.values_removed:,}"
            lines.append(
                f"  {_v(attribute.name, 40)} on {_v(connector, 40)}: {attribute.objects:,} "
                f"objects ({kinds_phrase(attribute.kinds)}{values})"
            )
            shown = attribute.patterns or attribute.transitions
            label = "pattern " if attribute.patterns else ""
            for t in shown[:TRANSITIONS_SHOWN]:
                lines.append(
                    f"      {label}{_value(t.old, attribute)} -> {_value(t.new, attribute)}  "
                    f"{t.objects:,}"
                )
        if len(ranked) > ATTRIBUTES_SHOWN:
            lines.append(f"  … {len(ranked) - ATTRIBUTES_SHOWN} more attributes (--json, --html)")
    lines.append("")
    if result.findings:
        lines.append("Findings:")
        for f in result.findings[:FINDINGS_SHOWN]:
            lines.append(f"  {f.severity.value.upper():<8} {f.rule}: {printable(f.message)}")
        if len(result.findings) > FINDINGS_SHOWN:
            lines.append(f"  … {len(result.findings) - FINDINGS_SHOWN} more (--json, --html)")
    else:
        lines.append("Findings: none")
    for warning in result.warnings:
        lines.append(f"note: {printable(warning)}")
    lines.append(verdict_line(result))
    return "\n".join(lines) + "\n"
