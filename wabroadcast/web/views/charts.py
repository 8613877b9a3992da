"""A tiny server-side SVG line chart: no chart library, no CDN, readable without JavaScript.

The panel must work offline, so the stats page draws its own chart. The SVG scales with its
container (viewBox), colours come from CSS classes (`series-<key>`) shared with the legend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

WIDTH = 720
HEIGHT = 260
PAD_LEFT = 44
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28


def nice_ceiling(value: int) -> int:
    """The smallest 1/2/5 × 10ⁿ at or above `value`, so gridlines land on round numbers."""
    if value <= 4:
        return 4
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for tenths in (10, 20, 25, 50, 100):  # 1, 2, 2.5, 5, 10 × 10ⁿ
        if magnitude >= 10 or tenths != 25:
            candidate = tenths * magnitude // 10
            if candidate >= value:
                return candidate
    return 10 * magnitude


def line_chart(
    rows: Sequence[Mapping[str, Any]],
    series: Sequence[str],
    *,
    labels: Mapping[str, str],
    title: str,
    number: Any = str,
    peak: int | None = None,
    desc: str | None = None,
) -> Markup:
    """`rows` are per-day dicts with a `day` and one integer per series key. `peak` fixes
    the top of the axis (100 for percentages); `desc` is read by screen readers."""
    if peak is None:
        peak = nice_ceiling(max((int(row[key]) for row in rows for key in series), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    count = max(1, len(rows) - 1)

    def x(i: int) -> float:
        return PAD_LEFT + plot_w * i / count

    def y(value: int) -> float:
        return PAD_TOP + plot_h * (1 - value / peak)

    parts = [
        f'<svg class="line-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    if desc:
        parts.append(f"<desc>{escape(desc)}</desc>")
    # 20 → 5,10,15,20; 250 → 50,...,250; 50 → 10,...,50
    steps = 4 if str(peak)[0] in "24" and not str(peak).startswith("25") else 5
    for step in range(steps + 1):
        value = peak * step // steps
        gy = y(value)
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
            f'y1="{gy:.1f}" y2="{gy:.1f}"/>'
            f'<text class="axis" x="{PAD_LEFT - 6}" y="{gy + 4:.1f}" '
            f'text-anchor="end">{escape(number(value))}</text>'
        )
    every = max(1, len(rows) // 7)
    for i, row in enumerate(rows):
        last = i == len(rows) - 1
        if last or (i % every == 0 and len(rows) - 1 - i >= every):
            anchor = "end" if last else ("start" if i == 0 else "middle")
            parts.append(
                f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - 8}" '
                f'text-anchor="{anchor}">{escape(str(row["day"])[5:])}</text>'
            )
    for key in series:
        points = " ".join(f"{x(i):.1f},{y(int(row[key])):.1f}" for i, row in enumerate(rows))
        parts.append(
            f'<polyline class="series series-{escape(key)}" fill="none" points="{points}">'
            f"<title>{escape(labels.get(key, key))}</title></polyline>"
        )
        for i, row in enumerate(rows):
            if int(row[key]):
                parts.append(
                    f'<circle class="dot series-{escape(key)}" cx="{x(i):.1f}" '
                    f'cy="{y(int(row[key])):.1f}" r="2.5"><title>{escape(str(row["day"]))} · '
                    f"{escape(labels.get(key, key))}: {escape(number(int(row[key])))}"
                    "</title></circle>"
                )
    parts.append("</svg>")
    return Markup("".join(parts))
