"""A map of the day's rounds as SVG, drawn on the server: works with no internet (no tiles, no CDN).

Under the rounds: sea, land and lochs (GSHHG) and towns (GeoNames) from the basemap shipped with
foodtrain (:mod:`foodtrain.basemap`), with their licences attributed on the map. Latitude/longitude are
projected equirectangularly with the longitude scaled by cos(mean latitude), so distances look right at
Scottish latitudes (:func:`fit_projection`). Each round has its own colour AND dash pattern (readable
without colour vision); stops are numbered circles (the numbers of the sheet), shops squares, the base a
star; stops that would hide each other or the base are spread apart with a leader line to their true
place. The map part is a nested ``<svg class="route-map__area">`` whose viewBox the page's script
changes to zoom and pan. Only SVG presentation attributes are used (the CSP forbids style attributes).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import numpy as np

from foodtrain.basemap import BASEMAP_ATTRIBUTION, Basemap, basemap_within, simplify_polyline

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
ATTRIBUTION_ROW = 22
MARGIN = 36
EARTH_M_PER_DEG_LAT = 111_195.0
MIN_SPAN_DEG_LAT = 0.06  # about 6.7 km: a map of a few streets still shows the town around them
STOP_RADIUS_PX = 10.0
STOP_SPACING_PX = 21.0  # closer markers are spread apart
MAX_TOWN_LABELS = 30
SHORE_TOLERANCE_HALF_PX = 1  # shore points within half a pixel of the simplified line are dropped
SEA, LAND, LAND_EDGE, LOCH, LOCH_EDGE, TOWN = "#dbeaf5", "#f4f2ea", "#8f9a86", "#b9d7ee", "#5d8fba", "#3a3a3a"


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
class MapProjection:
    """Latitude/longitude to pixels of a ``width_px`` × ``height_px`` box (y down), and back."""

    width_px: float
    height_px: float
    px_per_deg_lat: float
    cos_lat: float
    west_x: float  # lon·cos φ at x = 0
    north_lat: float  # latitude at y = 0

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return ((lon * self.cos_lat - self.west_x) * self.px_per_deg_lat, (self.north_lat - lat) * self.px_per_deg_lat)

    def lat_lon(self, x_px: float, y_px: float) -> tuple[float, float]:
        lat = self.north_lat - y_px / self.px_per_deg_lat
        lon = (self.west_x + x_px / self.px_per_deg_lat) / self.cos_lat
        return lat, lon

    def bounds(self, pad_px: float = 0.0) -> tuple[float, float, float, float]:
        """(south, west, north, east) of the box grown by ``pad_px`` on every side."""
        south, west = self.lat_lon(-pad_px, self.height_px + pad_px)
        north, east = self.lat_lon(self.width_px + pad_px, -pad_px)
        return south, west, north, east

    @property
    def metres_per_px(self) -> float:
        return EARTH_M_PER_DEG_LAT / self.px_per_deg_lat


def fit_projection(
    lat_lons: Sequence[tuple[float, float]],
    width_px: float,
    height_px: float,
    margin_px: float,
    min_span_deg_lat: float = MIN_SPAN_DEG_LAT,
) -> MapProjection:
    """The projection that fits every (lat, lon) inside the box less ``margin_px``, centred, north up,
    with one scale for both axes (longitude × cos of the mean latitude) and at least ``min_span_deg_lat``
    of latitude (or its equal in longitude) shown."""
    if not lat_lons:
        raise ValueError("lat_lons: at least one point is needed to fit a map")
    lats = [lat for lat, _ in lat_lons]
    cos_lat = math.cos(math.radians((min(lats) + max(lats)) / 2))
    xs = [lon * cos_lat for _, lon in lat_lons]
    span_x, span_y = max(xs) - min(xs), max(lats) - min(lats)
    inner_w, inner_h = width_px - 2 * margin_px, height_px - 2 * margin_px
    # grow the smaller span so the box is filled in both directions once the minimum span is met
    span_y = max(span_y, min_span_deg_lat, span_x * inner_h / inner_w)
    span_x = max(span_x, span_y * inner_w / inner_h)
    scale = min(inner_w / span_x, inner_h / span_y)
    centre_x, centre_lat = (max(xs) + min(xs)) / 2, (max(lats) + min(lats)) / 2
    return MapProjection(
        width_px, height_px, scale, cos_lat, centre_x - (width_px / 2) / scale, centre_lat + (height_px / 2) / scale
    )


def _outline_path(outlines, projection: MapProjection, pad_px: float) -> str:
    """One SVG path for the outlines in half pixels (draw it with ``transform="scale(0.5)"``), held to the box
    grown by ``pad_px`` (points beyond it are moved onto its edge, which only bends the shore out of sight),
    repeated points dropped. Integers keep the text short and quick to write."""
    parts = []
    for outline in outlines:
        x = (outline.lons * projection.cos_lat - projection.west_x) * projection.px_per_deg_lat
        y = (projection.north_lat - outline.lats) * projection.px_per_deg_lat
        x = np.rint(np.clip(x, -pad_px, projection.width_px + pad_px) * 2).astype(np.int64)
        y = np.rint(np.clip(y, -pad_px, projection.height_px + pad_px) * 2).astype(np.int64)
        keep = np.ones(len(x), dtype=bool)
        keep[1:] = (np.diff(x) != 0) | (np.diff(y) != 0)
        points = simplify_polyline(np.column_stack([x[keep], y[keep]]).astype(float), SHORE_TOLERANCE_HALF_PX)
        if len(points) >= 3 and np.ptp(points[:, 0]) > 0 and np.ptp(points[:, 1]) > 0:
            parts.append("M" + " ".join(map(str, points.astype(np.int64).ravel().tolist())) + "Z")
    return "".join(parts)


@functools.lru_cache(maxsize=32)
def _shipped_shores(projection: MapProjection, pad_px: float) -> tuple[str, str]:
    """The shipped basemap's land and loch paths for this view; a plan's page is drawn again and again with
    the same projection, so the simplified shores are kept (about 50 KB each)."""
    shown = basemap_within(projection.bounds(pad_px))
    return _outline_path(shown.land, projection, pad_px), _outline_path(shown.lakes, projection, pad_px)


def _spread(anchor: tuple[float, float], placed: list[tuple[float, float]]) -> tuple[float, float]:
    """Where to draw a marker whose true place is ``anchor`` so it hides no marker already ``placed``:
    the anchor itself if free, else the first free place on rings around it."""

    def free(x: float, y: float) -> bool:
        return all(math.hypot(x - px, y - py) >= STOP_SPACING_PX for px, py in placed)

    if free(*anchor):
        return anchor
    for ring in range(1, 6):
        radius = ring * STOP_SPACING_PX * 1.15
        steps = 6 * ring
        for k in range(steps):
            angle = -math.pi / 2 + 2 * math.pi * k / steps
            candidate = (anchor[0] + radius * math.cos(angle), anchor[1] + radius * math.sin(angle))
            if free(*candidate):
                return candidate
    return anchor


def _town_labels(towns, projection: MapProjection, obstacles: list[tuple[float, float]]) -> list[str]:
    """Dots and names of the towns in view, the ones with most places around them first, no label
    overlapping another or a stop."""
    inside = [(t, *projection.xy(t.lat, t.lon)) for t in towns]
    inside = [
        (t, x, y) for t, x, y in inside if 8 <= x <= projection.width_px - 8 and 8 <= y <= projection.height_px - 30
    ]

    def neighbours(x: float, y: float) -> int:
        return sum(1 for _, ox, oy in inside if math.hypot(ox - x, oy - y) < 40)

    ranked = sorted(inside, key=lambda item: (-neighbours(item[1], item[2]), item[0].name))
    boxes: list[tuple[float, float, float, float]] = [(x - 11, y - 11, x + 11, y + 11) for x, y in obstacles]
    out: list[str] = []
    for town, x, y in ranked:
        if len(out) >= MAX_TOWN_LABELS:
            break
        text_w = 7.2 * len(town.name)
        candidates = [(x + gap, y - 14, x + gap + 4 + text_w, y + 2) for gap in (4, 16)]
        candidates += [(x - gap - 4 - text_w, y - 14, x - gap, y + 2) for gap in (4, 16)]
        candidates += [(x - text_w / 2, y - gap - 16, x + text_w / 2, y - gap) for gap in (6, 16)]
        candidates += [(x - text_w / 2, y + gap, x + text_w / 2, y + gap + 16) for gap in (4, 16)]
        box = next(
            (
                b
                for b in candidates
                if 0 <= b[0]
                and b[2] <= projection.width_px
                and 0 <= b[1]
                and not any(not (b[2] < o[0] or b[0] > o[2] or b[3] < o[1] or b[1] > o[3]) for o in boxes)
            ),
            None,
        )
        if box is None:
            continue
        boxes.append(box)
        out.append(
            _marker(
                x,
                y,
                f'<circle cx="0" cy="0" r="2.5" fill="{TOWN}"/>'
                f'<text x="{(box[0] + box[2]) / 2 - x:.1f}" y="{box[3] - 5 - y:.1f}" text-anchor="middle" '
                f'font-size="13" fill="{TOWN}" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
                f'stroke-linejoin="round">{escape(town.name)}</text>',
                "route-map__town",
            )
        )
    return out


def _marker(x: float, y: float, inner: str, kind: str) -> str:
    """A marker drawn around (0, 0) and placed at (x, y): the page's script scales it by 1/zoom, so markers
    and labels keep their size on screen while the map is zoomed."""
    return (
        f'<g class="route-map__marker {kind}" transform="translate({x:.1f} {y:.1f})" data-x="{x:.1f}" '
        f'data-y="{y:.1f}">{inner}</g>'
    )


TILE_SIZE_PX = 256
MAX_TILES = 64
# A tile address is printable ASCII (non-ASCII is percent-encoded) without quotes, angle brackets or backslash.
_TILE_URL_UNSAFE = re.compile(r"[^\x21-\x7e]|[\"'<>\\]")
# Its server: a host name or [IPv6] and a port, nothing else (no user or password: the origin goes into the
# Content-Security-Policy header and the audit log, where a ";" would add a directive and a password would be kept).
_TILE_URL_SERVER = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def check_tile_url(template: str) -> str:
    """A branch's own tile server: an https URL (http only on this machine) with {z}, {x} and {y}; else ValueError."""
    parts = urlsplit(template)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError(f"{template!r}: the tile server address must start with https://")
    if not parts.hostname or _TILE_URL_UNSAFE.search(template) or not _TILE_URL_SERVER.fullmatch(parts.netloc):
        raise ValueError(f"{template!r}: not a valid web address (a server name and port only, no password)")
    try:
        parts.port  # noqa: B018 -- urlsplit checks the port (1-65535) only when asked for it
    except ValueError as error:
        raise ValueError(f"{template!r}: not a valid web address (the port)") from error
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in template]
    if missing:
        raise ValueError(
            f"{template!r}: the tile address needs {', '.join(missing)} (e.g. https://host/{{z}}/{{x}}/{{y}}.png)"
        )
    return template


def parse_tile_urls(text: str) -> dict[str, str]:
    """FOODTRAIN_MAP_TILE_URLS, ``"DG=https://tiles.example.org/{z}/{x}/{y}.png; WL=..."``: branch code → tile URL."""
    found: dict[str, str] = {}
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        code, separator, template = part.partition("=")
        if not separator or not code.strip():
            raise ValueError(f"FOODTRAIN_MAP_TILE_URLS: {part!r} is not BRANCHCODE=https://…/{{z}}/{{x}}/{{y}}.png")
        found[code.strip().upper()] = check_tile_url(template.strip())
    return found


def tile_url_origin(template: str) -> str:
    """``https://host[:port]``: what the page's Content-Security-Policy must allow images from."""
    parts = urlsplit(template)
    return f"{parts.scheme}://{parts.netloc}"


def _tile_number(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator (slippy map) tile coordinates, fractional."""
    n = 2**zoom
    lat = max(-85.0511, min(85.0511, lat))
    return (lon + 180.0) / 360.0 * n, (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n


def _tile_corner(x: float, y: float, zoom: int) -> tuple[float, float]:
    """(lat, lon) of the north-west corner of tile (x, y)."""
    n = 2**zoom
    return math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y / n)))), x / n * 360.0 - 180.0


def tile_images(projection: MapProjection, template: str, pad_px: float = 0.0) -> list[str]:
    """``<image>`` elements for the tiles of a tile server that cover the box grown by ``pad_px``, at the zoom
    where a tile is about TILE_SIZE_PX wide, each placed by projecting its corners (at most MAX_TILES)."""
    south, west, north, east = projection.bounds(pad_px)
    px_per_deg_lon = projection.px_per_deg_lat * projection.cos_lat
    zoom = max(0, min(19, round(math.log2(px_per_deg_lon * 360.0 / TILE_SIZE_PX))))
    while True:
        x0, y0 = _tile_number(north, west, zoom)
        x1, y1 = _tile_number(south, east, zoom)
        tiles = [
            (x, y) for x in range(math.floor(x0), math.floor(x1) + 1) for y in range(math.floor(y0), math.floor(y1) + 1)
        ]
        if len(tiles) <= MAX_TILES or zoom == 0:
            break
        zoom -= 1
    out = []
    for x, y in tiles:
        left, top = projection.xy(*_tile_corner(x, y, zoom))
        right, bottom = projection.xy(*_tile_corner(x + 1, y + 1, zoom))
        href = template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))
        out.append(
            f'<image href="{escape(href, {chr(34): "&quot;"})}" x="{left:.1f}" y="{top:.1f}" '
            f'width="{right - left:.1f}" height="{bottom - top:.1f}" preserveAspectRatio="none"/>'
        )
    return out


def _tile_attribution(template: str) -> str:
    return f"Background map: the branch's tile server {urlsplit(template).netloc} (see its licence)."


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


def render_round_map(
    rounds: list[MapRound],
    title: str = "Map of the rounds",
    basemap: Basemap | None = None,
    tile_url: str | None = None,
) -> str:
    """The SVG markup (text escaped) for the rounds over coast, lochs and towns (``basemap``: the shipped
    one when None), or over the tiles of the branch's own tile server (``tile_url``, see check_tile_url);
    an empty map with a note when there are no rounds."""
    height = MAP_HEIGHT + LEGEND_ROW * (len(rounds) + 2) + ATTRIBUTION_ROW
    deliveries = sum(1 for r in rounds for p in r.points if p.kind == "delivery")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="route-map-title" aria-describedby="route-map-desc" class="route-map" '
        f'font-family="Arial, sans-serif">',
        f'<title id="route-map-title">{escape(title)}</title>',
        f'<desc id="route-map-desc">{len(rounds)} round{"s" if len(rounds) != 1 else ""}, {deliveries} '
        f"deliveries, numbered in the order of each round; the tables on this page list every stop.</desc>",
    ]
    points = [p for r in rounds for p in r.points]
    if not points:
        out.append(
            f'<rect x="0" y="0" width="{WIDTH}" height="{MAP_HEIGHT}" fill="#ffffff" stroke="#767676"/>'
            f'<text x="{WIDTH / 2}" y="{MAP_HEIGHT / 2}" text-anchor="middle" font-size="20" '
            'fill="#111111">No rounds to show.</text></svg>'
        )
        return "".join(out)
    projection = fit_projection([(p.lat, p.lon) for p in points], WIDTH, MAP_HEIGHT, MARGIN)
    pad_px = WIDTH / 4  # land beyond the first view, for panning
    shown = basemap_within(projection.bounds(pad_px), basemap) if tile_url is None else Basemap((), (), ())
    out.append(
        f'<svg class="route-map__area" x="0" y="0" width="{WIDTH}" height="{MAP_HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {MAP_HEIGHT}">'
    )
    out.append(
        f'<rect x="{-pad_px}" y="{-pad_px}" width="{WIDTH + 2 * pad_px}" height="{MAP_HEIGHT + 2 * pad_px}" '
        f'fill="{SEA}"/>'
    )
    if tile_url is not None:
        out.append('<g class="route-map__tiles">')
        out.extend(tile_images(projection, tile_url, WIDTH / 4))
        out.append("</g>")
    land, lochs = (
        _shipped_shores(projection, pad_px)
        if basemap is None and tile_url is None
        else (_outline_path(shown.land, projection, pad_px), _outline_path(shown.lakes, projection, pad_px))
    )
    if land:
        out.append(
            f'<path class="route-map__land" transform="scale(0.5)" d="{land}" fill="{LAND}" stroke="{LAND_EDGE}" stroke-width="1" '
            'vector-effect="non-scaling-stroke"/>'
        )
    if lochs:
        out.append(
            f'<path class="route-map__lochs" transform="scale(0.5)" d="{lochs}" fill="{LOCH}" stroke="{LOCH_EDGE}" stroke-width="0.8" '
            'vector-effect="non-scaling-stroke"/>'
        )

    # Where each marker goes: bases and shops first, then each delivery where it hides nothing.
    bases: dict[tuple[float, float], None] = {}
    shops: dict[tuple[float, float], None] = {}
    for round_ in rounds:
        for point in round_.points:
            xy = projection.xy(point.lat, point.lon)
            key = (round(xy[0], 1), round(xy[1], 1))
            if point.kind == "pickup":
                shops[key] = None
            elif point.kind in ("start", "end"):
                bases[key] = None
    placed: list[tuple[float, float]] = list(bases) + list(shops)
    drawn: list[list[tuple[tuple[float, float], tuple[float, float]]]] = []  # per round: (true, drawn) per delivery
    for round_ in rounds:
        mine = []
        for point in round_.points:
            if point.kind == "delivery":
                true_xy = projection.xy(point.lat, point.lon)
                marker_xy = _spread(true_xy, placed)
                placed.append(marker_xy)
                mine.append((true_xy, marker_xy))
        drawn.append(mine)
    out.extend(_town_labels(shown.towns, projection, placed))

    for index, round_ in enumerate(rounds):
        colour, dash = ROUND_STYLES[index % len(ROUND_STYLES)]
        coords = [projection.xy(p.lat, p.lon) for p in round_.points]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="route-map__round"><title>{escape(round_.name)}</title>')
        out.append(
            f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}" fill="none" '
            f'stroke="{colour}" stroke-width="3.5" stroke-linejoin="round" vector-effect="non-scaling-stroke"'
            f"{dash_attr}/>"
        )
        out.append("</g>")
    for x, y in shops:
        out.append(
            _marker(
                x,
                y,
                '<rect x="-8" y="-8" width="16" height="16" fill="#111111" stroke="#ffffff" '
                'stroke-width="1.5"><title>Shop</title></rect>',
                "route-map__shop",
            )
        )
    for x, y in bases:
        out.append(
            _marker(
                x,
                y,
                f'<polygon points="{_star(0, 0)}" fill="#FFBF47" stroke="#111111" '
                'stroke-width="1.5"><title>Base</title></polygon>',
                "route-map__base",
            )
        )
    for index, (round_, mine) in enumerate(zip(rounds, drawn)):
        colour, _ = ROUND_STYLES[index % len(ROUND_STYLES)]
        out.append('<g class="route-map__stops">')
        for number, ((tx, ty), (x, y)) in enumerate(mine, start=1):
            dx, dy = x - tx, y - ty  # the spread, in screen pixels whatever the zoom
            leader = (
                (
                    f'<line class="route-map__leader" x1="0" y1="0" x2="{dx:.1f}" y2="{dy:.1f}" stroke="{colour}" '
                    f'stroke-width="1.5"/><circle cx="0" cy="0" r="2.5" fill="{colour}"/>'
                )
                if (dx, dy) != (0, 0)
                else ""
            )
            out.append(
                _marker(
                    tx,
                    ty,
                    f'{leader}<circle cx="{dx:.1f}" cy="{dy:.1f}" r="{STOP_RADIUS_PX:g}" '
                    f'fill="#ffffff" stroke="{colour}" stroke-width="3"><title>{escape(round_.name)}, '
                    f'stop {number}</title></circle><text x="{dx:.1f}" y="{dy + 4.5:.1f}" '
                    f'text-anchor="middle" font-size="12" font-weight="bold" fill="#111111">'
                    f"{number}</text>",
                    "route-map__stop",
                )
            )
        out.append("</g>")
    out.append("</svg>")
    out.append(f'<rect x="0" y="0" width="{WIDTH}" height="{MAP_HEIGHT}" fill="none" stroke="#767676"/>')
    # Scale bar over the map, at most a quarter of its width (the page's script redraws it on zoom).
    metres_per_px = projection.metres_per_px
    bar_m = _nice_length_m(metres_per_px * WIDTH / 4)
    bar_px = bar_m / metres_per_px
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    y0 = MAP_HEIGHT - 16
    out.append(
        f'<g class="route-map__scale" data-metres-per-px="{metres_per_px:.3f}" data-max-px="{WIDTH / 4:g}">'
        f'<line class="route-map__scale-bar" x1="16" y1="{y0}" x2="{16 + bar_px:.1f}" y2="{y0}" '
        f'stroke="#111111" stroke-width="3"/>'
        f'<line x1="16" y1="{y0 - 6}" x2="16" y2="{y0 + 2}" stroke="#111111" stroke-width="2"/>'
        f'<line class="route-map__scale-end" x1="{16 + bar_px:.1f}" y1="{y0 - 6}" x2="{16 + bar_px:.1f}" '
        f'y2="{y0 + 2}" stroke="#111111" stroke-width="2"/>'
        f'<text class="route-map__scale-label" x="{16 + bar_px + 8:.1f}" y="{y0 + 5}" font-size="14" '
        f'fill="#111111" stroke="#ffffff" stroke-width="3" paint-order="stroke">{label}</text></g>'
    )
    # Legend and the data's licences below the map.
    out.append('<g class="route-map__legend">')
    y = MAP_HEIGHT + LEGEND_ROW
    for index, round_ in enumerate(rounds):
        colour, dash = ROUND_STYLES[index % len(ROUND_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="16" y1="{y - 5}" x2="76" y2="{y - 5}" stroke="{colour}" stroke-width="4"{dash_attr}/>'
            f'<text x="86" y="{y}" font-size="15" fill="#111111">{escape(round_.name)}</text>'
        )
        y += LEGEND_ROW
    out.append(
        f'<circle cx="26" cy="{y - 5}" r="9" fill="#ffffff" stroke="#111111" stroke-width="2"/>'
        f'<text x="42" y="{y}" font-size="15" fill="#111111">numbered delivery</text>'
        f'<rect x="220" y="{y - 13}" width="16" height="16" fill="#111111"/>'
        f'<text x="244" y="{y}" font-size="15" fill="#111111">shop</text>'
        f'<polygon points="{_star(330, y - 5)}" fill="#FFBF47" stroke="#111111" stroke-width="1.5"/>'
        f'<text x="348" y="{y}" font-size="15" fill="#111111">base</text>'
    )
    out.append(
        f'<text class="route-map__attribution" x="16" y="{y + LEGEND_ROW}" font-size="12" fill="#3a3a3a">'
        f"{escape(BASEMAP_ATTRIBUTION if tile_url is None else _tile_attribution(tile_url))}</text>"
    )
    out.append("</g></svg>")
    return "".join(out)


__all__ = [
    "MapPoint",
    "MapProjection",
    "MapRound",
    "ROUND_STYLES",
    "check_tile_url",
    "fit_projection",
    "parse_tile_urls",
    "render_round_map",
    "tile_images",
    "tile_url_origin",
]
