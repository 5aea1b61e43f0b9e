"""A trend chart of blocking / warning / info counts per run, as inline SVG.

Self-contained (no script, no network, no external font or style), so it can sit in the
history page, the nightly index page or a mail. Accessible: ``role="img"`` with a
``<title>`` and a ``<desc>`` that states the figures, a legend and axis labels as text, and
colour is never the only cue (each series has its own dash pattern).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from driftcheck.model.vocab import Severity

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 96, 28, 36
#: (series, colour, dash pattern)
SERIES = (
    (Severity.BLOCKING, "#cf222e", ""),
    (Severity.WARNING, "#9a6700", "6 3"),
    (Severity.INFO, "#57606a", "2 3"),
)


@dataclass(frozen=True)
class TrendPoint:
    """One run: its label (a date) and its counts."""

    label: str
    blocking: int = 0
    warning: int = 0
    info: int = 0

    def value(self, series: str) -> int:
        return int(getattr(self, series))


def _nice_max(value: int) -> int:
    """The smallest 1/2/5 x 10^n at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(1, step * factor)
        step *= 10


def _describe(points: Sequence[TrendPoint]) -> str:
    first, last = points[0], points[-1]
    span = first.label if len(points) == 1 else f"{first.label} to {last.label}"
    latest = ", ".join(f"{last.value(s)} {s}" for s, _, _ in SERIES)
    peak = max(points, key=lambda p: (p.blocking, p.warning, p.info))
    return (
        f"{len(points)} run{'' if len(points) == 1 else 's'}, {span}. Latest: {latest}. "
        f"Most blocking: {peak.blocking} on {peak.label}."
    )


def trend_svg(
    points: Sequence[TrendPoint], *, title: str = "Drift per run", ident: str = "trend"
) -> Markup:
    """An SVG line chart of the counts per run, oldest first; every text escaped.

    ``ident`` prefixes the ids of the title and description: give each chart on one page
    its own.
    """
    safe = escape(ident)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{safe}-t {safe}-d">'
        f'<title id="{safe}-t">{escape(title)}</title>'
    )
    if not points:
        return Markup(
            f'{head}<desc id="{safe}-d">No run recorded yet.</desc>'
            f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle" '
            f'font-family="sans-serif" font-size="13">No run recorded yet</text></svg>'
        )
    top = _nice_max(max(max(p.value(s) for s, _, _ in SERIES) for p in points))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(v: int) -> float:
        return TOP + plot_h - plot_h * v / top

    parts = [head, f'<desc id="{safe}-d">{escape(_describe(points))}</desc>']
    parts += _axes(points, top, y, plot_w)
    for n, (series, colour, dash) in enumerate(SERIES):
        coords = " ".join(f"{x(i):.1f},{y(p.value(series)):.1f}" for i, p in enumerate(points))
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
            f"{dashes}><title>{series}</title></polyline>"
        )
        if len(points) == 1:
            parts.append(
                f'<circle cx="{x(0):.1f}" cy="{y(points[0].value(series)):.1f}" r="3" '
                f'fill="{colour}"/>'
            )
        legend_y = TOP + 14 + 18 * n
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 10}" x2="{WIDTH - RIGHT + 30}" y1="{legend_y - 4}" '
            f'y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"{dashes}/>'
            f'<text x="{WIDTH - RIGHT + 34}" y="{legend_y}">{series} '
            f"{points[-1].value(series)}</text>"
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))


def _axes(
    points: Sequence[TrendPoint], top: int, y: Callable[[int], float], plot_w: int
) -> list[str]:
    """The chart's grid lines with their counts, and the first and last run's labels."""
    parts = ['<g font-family="sans-serif" font-size="11" fill="#1f2328">']
    for tick in (0, top // 2, top) if top >= 2 else (0, top):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d1d9e0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    bottom = TOP + HEIGHT - TOP - BOTTOM + 16
    parts.append(f'<text x="{LEFT}" y="{bottom}">{escape(points[0].label)}</text>')
    if len(points) > 1:
        parts.append(
            f'<text x="{LEFT + plot_w}" y="{bottom}" text-anchor="end">'
            f"{escape(points[-1].label)}</text>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle" '
        f'fill="#59636e">runs, oldest to newest</text>'
    )
    return parts
