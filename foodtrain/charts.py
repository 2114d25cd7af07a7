"""Bar charts drawn on the server as SVG: data in, an SVG string out (no JavaScript, no CDN).

The SVG is meant to be inlined in a page that also shows the same figures in a
table. It carries a <title> and <desc> for screen readers, a <title> per bar for
a hover tooltip, axis labels, and presentation attributes only (no style
attributes or elements, so the page's CSP holds). Every piece of text is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Colours with at least 4.5:1 contrast on white, told apart also by the legend order.
PALETTE = ("#0b4f8a", "#b34700", "#1b6e2a", "#6a1b9a", "#8a1c1c", "#005f6b", "#5c4a00", "#333333")

FONT_SIZE_PX = 16
PLOT_HEIGHT_PX = 300
MARGIN_LEFT_PX = 90
MARGIN_RIGHT_PX = 20
MARGIN_TOP_PX = 20
MIN_PLOT_WIDTH_PX = 720
# Wider charts keep their size and scroll sideways; narrower ones may stretch to the page width.
STRETCH_UP_TO_PX = 1000
BAR_WIDTH_PX = 14
GROUP_GAP_PX = 10
ROTATE_LABELS_ABOVE = 8
MAX_X_LABELS = 60
TICK_COUNT = 5
LEGEND_MAX_CHARS = 24

_CHART_ID = re.compile(r"[a-z][a-z0-9-]{0,60}")
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Series:
    """One coloured set of bars, one value per category."""

    name: str
    values: tuple[float, ...]


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _text(value: object) -> str:
    """Text safe inside SVG/XML elements and attribute values."""
    return escape(_XML_UNSAFE.sub("", str(value)), quote=True)


def nice_ticks(maximum: float, count: int = TICK_COUNT) -> list[float]:
    """Round axis ticks from 0 up to at least `maximum` (steps of 1, 2 or 5 times a power of ten, never below 1)."""
    if maximum <= 0 or not math.isfinite(maximum):
        return [0.0, 1.0]
    raw_step = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(multiple * magnitude for multiple in (1, 2, 5, 10) if multiple * magnitude >= raw_step)
    step = max(step, 1.0)
    top = math.ceil(maximum / step) * step
    return [index * step for index in range(int(round(top / step)) + 1)]


def _default_value_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    value_text: Callable[[float], str] = _default_value_text,
) -> str:
    """A grouped bar chart: one group per category, one bar per series, y axis from 0 with round ticks."""
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError("chart_id must be lower-case letters, digits and hyphens, starting with a letter")
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"series {one.name!r} has {len(one.values)} values for {len(categories)} categories")
    values = [float(value) for one in series for value in one.values if value is not None]
    if any(value < 0 or not math.isfinite(value) for value in values):
        raise ValueError("bar values must be finite and not negative")
    ticks = nice_ticks(max(values, default=0.0))
    top = ticks[-1]

    bars_per_group = max(len(series), 1)
    group_width: float = bars_per_group * BAR_WIDTH_PX + GROUP_GAP_PX
    plot_width = max(MIN_PLOT_WIDTH_PX, group_width * len(categories))
    group_width = plot_width / max(len(categories), 1)
    bar_width = min(BAR_WIDTH_PX * 3, (group_width - GROUP_GAP_PX) / bars_per_group)
    rotate = len(categories) > ROTATE_LABELS_ABOVE
    label_every = max(1, math.ceil(len(categories) / MAX_X_LABELS))
    legend_height = 28 * math.ceil(len(series) / 3) if series else 0
    plot_top = MARGIN_TOP_PX + legend_height
    x_labels_height = 110 if rotate else 40
    width = int(MARGIN_LEFT_PX + plot_width + MARGIN_RIGHT_PX)
    height = int(plot_top + PLOT_HEIGHT_PX + x_labels_height + 30)
    plot_bottom = plot_top + PLOT_HEIGHT_PX

    def y_of(value: float) -> float:
        return plot_bottom - (value / top) * PLOT_HEIGHT_PX

    css_class = "chart__svg" if width <= STRETCH_UP_TO_PX else "chart__svg chart__svg--wide"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, Arial, sans-serif" font-size="{FONT_SIZE_PX}" fill="#111111">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(description)}</desc>',
    ]
    # Legend, three series a row.
    for index, one in enumerate(series):
        row, column = divmod(index, 3)
        legend_x = MARGIN_LEFT_PX + column * 250
        legend_y = MARGIN_TOP_PX + row * 28
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{legend_x}" y="{legend_y}" width="16" height="16" fill="{colour}"/>')
        parts.append(
            f'<text x="{legend_x + 22}" y="{legend_y + 14}">{_text(_shortened(one.name, LEGEND_MAX_CHARS))}</text>'
        )
    # Y axis: grid lines, tick labels and the axis title.
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{MARGIN_LEFT_PX}" x2="{MARGIN_LEFT_PX + plot_width:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#c8c8c8" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT_PX - 8}" y="{y + 5:.1f}" text-anchor="end">{_text(value_text(tick))}</text>'
        )
    middle_y = plot_top + PLOT_HEIGHT_PX / 2
    parts.append(
        f'<text x="18" y="{middle_y:.1f}" text-anchor="middle" font-weight="bold" '
        f'transform="rotate(-90 18 {middle_y:.1f})">{_text(y_label)}</text>'
    )
    # Bars, each with its value as a tooltip.
    for category_index, category in enumerate(categories):
        group_x = MARGIN_LEFT_PX + category_index * group_width + (group_width - bar_width * bars_per_group) / 2
        for series_index, one in enumerate(series):
            value = float(one.values[category_index] or 0)
            y = y_of(value)
            colour = PALETTE[series_index % len(PALETTE)]
            parts.append(
                f'<rect x="{group_x + series_index * bar_width:.1f}" y="{y:.1f}" width="{max(bar_width - 1, 1):.1f}" '
                f'height="{plot_bottom - y:.1f}" fill="{colour}"><title>{_text(category)}, {_text(one.name)}: '
                f"{_text(value_text(value))}</title></rect>"
            )
        if category_index % label_every == 0:
            label_x = MARGIN_LEFT_PX + (category_index + 0.5) * group_width
            label_y = plot_bottom + 20
            if rotate:
                parts.append(
                    f'<text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="end" '
                    f'transform="rotate(-45 {label_x:.1f} {label_y:.1f})">{_text(category)}</text>'
                )
            else:
                parts.append(f'<text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="middle">{_text(category)}</text>')
    # Axes drawn last, over the bars' feet.
    parts.append(
        f'<line x1="{MARGIN_LEFT_PX}" x2="{MARGIN_LEFT_PX}" y1="{plot_top}" y2="{plot_bottom}" '
        f'stroke="#111111" stroke-width="2"/>'
    )
    parts.append(
        f'<line x1="{MARGIN_LEFT_PX}" x2="{MARGIN_LEFT_PX + plot_width:.1f}" y1="{plot_bottom}" '
        f'y2="{plot_bottom}" stroke="#111111" stroke-width="2"/>'
    )
    parts.append(
        f'<text x="{MARGIN_LEFT_PX + plot_width / 2:.1f}" y="{height - 8}" text-anchor="middle" '
        f'font-weight="bold">{_text(x_label)}</text>'
    )
    if not categories:
        parts.append(
            f'<text x="{MARGIN_LEFT_PX + plot_width / 2:.1f}" y="{middle_y:.1f}" text-anchor="middle">'
            f"No data for this period</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
