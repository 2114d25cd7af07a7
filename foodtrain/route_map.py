"""A map of the day's rounds as SVG, drawn on the server: works with no internet (no tiles).

Latitude/longitude are projected equirectangularly with the longitude scaled by
cos(mean latitude), so distances look right at Scottish latitudes. Each round
has its own colour AND dash pattern (readable without colour vision); stops are
numbered circles, shops squares, the base a star; a scale bar and a legend.
Only SVG presentation attributes are used (no style attributes: the CSP forbids them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Okabe–Ito palette (distinguishable with common colour-vision deficiencies), each with its own dash.
ROUND_STYLES = (
    ("#0072B2", ""),
    ("#D55E00", "12 6"),
    ("#009E73", "2 5"),
    ("#CC79A7", "12 4 2 4"),
    ("#E69F00", "4 4"),
    ("#56B4E9", "14 4 2 4 2 4"),
    ("#000000", "20 4 4 4"),
)
WIDTH = 760
MAP_HEIGHT = 520
LEGEND_ROW = 26
MARGIN = 36
EARTH_M_PER_DEG_LAT = 111_195.0


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    kind: str  # start, pickup, delivery, end
    label: str


@dataclass(frozen=True)
class MapRound:
    name: str
    points: tuple[MapPoint, ...]


@dataclass(frozen=True)
class _Projection:
    min_x: float
    max_y: float
    scale: float
    offset_x: float
    offset_y: float
    cos_lat: float

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        x = lon * self.cos_lat
        return (self.offset_x + (x - self.min_x) * self.scale, self.offset_y + (self.max_y - lat) * self.scale)


def _projection(points: list[MapPoint]) -> _Projection:
    lats = [p.lat for p in points]
    mean_lat = sum(lats) / len(lats)
    cos_lat = math.cos(math.radians(mean_lat))
    xs = [p.lon * cos_lat for p in points]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(lats), max(lats)
    span_x, span_y = max(max_x - min_x, 1e-4), max(max_y - min_y, 1e-4)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (MAP_HEIGHT - 2 * MARGIN) / span_y)
    offset_x = (WIDTH - span_x * scale) / 2
    offset_y = (MAP_HEIGHT - span_y * scale) / 2
    return _Projection(min_x, max_y, scale, offset_x, offset_y, cos_lat)


def _nice_length_m(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10^k metres not above ``max_m``."""
    exponent = 10 ** math.floor(math.log10(max(max_m, 1.0)))
    for factor in (5, 2, 1):
        if factor * exponent <= max_m:
            return factor * exponent
    return exponent


def _star(cx: float, cy: float, outer: float = 11.0, inner: float = 4.5) -> str:
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = math.pi / 2 + k * math.pi / 5
        points.append(f"{cx + radius * math.cos(angle):.1f},{cy - radius * math.sin(angle):.1f}")
    return " ".join(points)


def render_round_map(rounds: list[MapRound], title: str = "Map of the rounds") -> str:
    """The SVG markup (text escaped) for the rounds; an empty map with a note when there are none."""
    height = MAP_HEIGHT + LEGEND_ROW * (len(rounds) + 2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-labelledby="route-map-title" class="route-map" font-family="Arial, sans-serif">',
           f'<title id="route-map-title">{escape(title)}</title>',
           f'<rect x="0" y="0" width="{WIDTH}" height="{MAP_HEIGHT}" fill="#ffffff" stroke="#767676"/>']
    points = [p for r in rounds for p in r.points]
    if not points:
        out.append(f'<text x="{WIDTH / 2}" y="{MAP_HEIGHT / 2}" text-anchor="middle" font-size="20" '
                   'fill="#111111">No rounds to show.</text></svg>')
        return "".join(out)
    projection = _projection(points)
    shops: dict[tuple[float, float], None] = {}
    bases: dict[tuple[float, float], None] = {}
    for index, round_ in enumerate(rounds):
        colour, dash = ROUND_STYLES[index % len(ROUND_STYLES)]
        coords = [projection.xy(p.lat, p.lon) for p in round_.points]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="route-map__round"><title>{escape(round_.name)}</title>')
        out.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}" fill="none" '
                   f'stroke="{colour}" stroke-width="3.5" stroke-linejoin="round"{dash_attr}/>')
        number = 0
        for point, (x, y) in zip(round_.points, coords):
            if point.kind == "pickup":
                shops[(round(x, 1), round(y, 1))] = None
            elif point.kind in ("start", "end"):
                bases[(round(x, 1), round(y, 1))] = None
            else:
                number += 1
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="#ffffff" stroke="{colour}" '
                           f'stroke-width="3"/>')
                out.append(f'<text x="{x:.1f}" y="{y + 4.5:.1f}" text-anchor="middle" font-size="12" '
                           f'font-weight="bold" fill="#111111">{number}</text>')
        out.append("</g>")
    for x, y in shops:
        out.append(f'<rect x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" height="16" fill="#111111" '
                   'stroke="#ffffff" stroke-width="1.5"><title>Shop</title></rect>')
    for x, y in bases:
        out.append(f'<polygon points="{_star(x, y)}" fill="#FFBF47" stroke="#111111" stroke-width="1.5">'
                   '<title>Base</title></polygon>')
    # Scale bar: at most a quarter of the map's width.
    metres_per_px = EARTH_M_PER_DEG_LAT / projection.scale
    bar_m = _nice_length_m(metres_per_px * WIDTH / 4)
    bar_px = bar_m / metres_per_px
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    y0 = MAP_HEIGHT - 16
    out.append(f'<g class="route-map__scale"><line x1="16" y1="{y0}" x2="{16 + bar_px:.1f}" y2="{y0}" '
               f'stroke="#111111" stroke-width="3"/>'
               f'<line x1="16" y1="{y0 - 6}" x2="16" y2="{y0 + 2}" stroke="#111111" stroke-width="2"/>'
               f'<line x1="{16 + bar_px:.1f}" y1="{y0 - 6}" x2="{16 + bar_px:.1f}" y2="{y0 + 2}" '
               f'stroke="#111111" stroke-width="2"/>'
               f'<text x="{16 + bar_px + 8:.1f}" y="{y0 + 5}" font-size="14" fill="#111111">{label}</text></g>')
    # Legend below the map.
    out.append('<g class="route-map__legend">')
    y = MAP_HEIGHT + LEGEND_ROW
    for index, round_ in enumerate(rounds):
        colour, dash = ROUND_STYLES[index % len(ROUND_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="16" y1="{y - 5}" x2="76" y2="{y - 5}" stroke="{colour}" stroke-width="4"{dash_attr}/>'
                   f'<text x="86" y="{y}" font-size="15" fill="#111111">{escape(round_.name)}</text>')
        y += LEGEND_ROW
    out.append(f'<circle cx="26" cy="{y - 5}" r="9" fill="#ffffff" stroke="#111111" stroke-width="2"/>'
               f'<text x="42" y="{y}" font-size="15" fill="#111111">numbered delivery</text>'
               f'<rect x="220" y="{y - 13}" width="16" height="16" fill="#111111"/>'
               f'<text x="244" y="{y}" font-size="15" fill="#111111">shop</text>'
               f'<polygon points="{_star(330, y - 5)}" fill="#FFBF47" stroke="#111111" stroke-width="1.5"/>'
               f'<text x="348" y="{y}" font-size="15" fill="#111111">base</text>')
    out.append("</g></svg>")
    return "".join(out)


__all__ = ["MapPoint", "MapRound", "ROUND_STYLES", "render_round_map"]
