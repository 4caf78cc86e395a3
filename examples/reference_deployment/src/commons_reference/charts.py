"""Charts drawn on the server as SVG: they need no script and work offline.

Every text goes through :class:`markupsafe.Markup` formatting, which escapes it.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from markupsafe import Markup

__all__ = ["Bar", "PyramidRow", "bar_chart", "pyramid_chart"]

ROW = 18
GAP = 3
LABEL_WIDTH = 70
CHART_WIDTH = 640


@attrs.frozen
class PyramidRow:
    """One age band of a population pyramid."""

    band: str
    left: int
    right: int


@attrs.frozen
class Bar:
    """One bar of a horizontal bar chart."""

    label: str
    value: int


def _scale(largest: int, room: float) -> float:
    return room / largest if largest > 0 else 0.0


def pyramid_chart(
    rows: Sequence[PyramidRow], *, title: str, left_label: str, right_label: str
) -> Markup:
    """A population pyramid: oldest band on top, ``left`` (men) and ``right`` (women) bars."""
    half = (CHART_WIDTH - LABEL_WIDTH) / 2
    scale = _scale(max((max(r.left, r.right) for r in rows), default=0), half - 40)
    top = 28
    height = top + len(rows) * (ROW + GAP) + 8
    parts = [
        Markup(
            '<svg class="chart pyramid" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"'
            ' xmlns="http://www.w3.org/2000/svg"><title>{t}</title>'
            '<text x="{lx}" y="16" text-anchor="end" class="legend male">{ll}</text>'
            '<text x="{rx}" y="16" class="legend female">{rl}</text>'
        ).format(
            w=CHART_WIDTH,
            h=height,
            t=title,
            lx=half - 10,
            rx=half + LABEL_WIDTH + 10,
            ll=left_label,
            rl=right_label,
        )
    ]
    for i, row in enumerate(reversed(rows)):
        y = top + i * (ROW + GAP)
        left_w = row.left * scale
        right_w = row.right * scale
        parts.append(
            Markup(
                '<g class="band"><rect class="male" x="{lx:.1f}" y="{y}" width="{lw:.1f}"'
                ' height="{h}"><title>{band} {ll}: {left}</title></rect>'
                '<text x="{ltx:.1f}" y="{ty}" text-anchor="end" class="value">{left}</text>'
                '<text x="{cx:.1f}" y="{ty}" text-anchor="middle" class="band-label">{band}</text>'
                '<rect class="female" x="{rx:.1f}" y="{y}" width="{rw:.1f}" height="{h}">'
                "<title>{band} {rl}: {right}</title></rect>"
                '<text x="{rtx:.1f}" y="{ty}" class="value">{right}</text></g>'
            ).format(
                lx=half - left_w,
                y=y,
                lw=left_w,
                h=ROW,
                band=row.band,
                ll=left_label,
                rl=right_label,
                left=row.left,
                right=row.right,
                ltx=half - left_w - 4,
                ty=y + ROW - 4,
                cx=half + LABEL_WIDTH / 2,
                rx=half + LABEL_WIDTH,
                rw=right_w,
                rtx=half + LABEL_WIDTH + right_w + 4,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def bar_chart(bars: Sequence[Bar], *, title: str) -> Markup:
    """Horizontal bars, largest first, each with its count and share of the total."""
    total = sum(b.value for b in bars)
    label_width = 110
    scale = _scale(max((b.value for b in bars), default=0), CHART_WIDTH - label_width - 110)
    height = 8 + len(bars) * (ROW + GAP)
    parts = [
        Markup(
            '<svg class="chart bars" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"'
            ' xmlns="http://www.w3.org/2000/svg"><title>{t}</title>'
        ).format(w=CHART_WIDTH, h=height, t=title)
    ]
    for i, bar in enumerate(sorted(bars, key=lambda b: (-b.value, b.label))):
        y = 4 + i * (ROW + GAP)
        width = bar.value * scale
        share = 100 * bar.value / total if total else 0.0
        parts.append(
            Markup(
                '<g class="bar"><text x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
                '<rect x="{x}" y="{y}" width="{bw:.1f}" height="{h}">'
                "<title>{label}: {value}</title></rect>"
                '<text x="{vx:.1f}" y="{ty}" class="value">{value} ({share:.1f}%)</text></g>'
            ).format(
                lx=label_width - 6,
                ty=y + ROW - 4,
                label=bar.label,
                x=label_width,
                y=y,
                bw=width,
                h=ROW,
                value=bar.value,
                vx=label_width + width + 4,
                share=share,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
