"""The offline SVG map of the rounds."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

from foodtrain.basemap import (
    BASEMAP_ATTRIBUTION,
    Basemap,
    Outline,
    Town,
    basemap_within,
    load_basemap,
    simplify_polyline,
)
from foodtrain.route_map import (
    MIN_SPAN_DEG_LAT,
    ROUND_STYLES,
    STOP_SPACING_PX,
    MapPoint,
    MapRound,
    fit_projection,
    parse_tile_urls,
    render_round_map,
    tile_images,
    tile_url_origin,
)

SVG = "{http://www.w3.org/2000/svg}"


def _round(name: str, lat: float, lon: float, deliveries: int) -> MapRound:
    points = [MapPoint(55.07, -3.61, "start", ""), MapPoint(55.08, -3.60, "pickup", "")]
    points += [MapPoint(lat + 0.01 * k, lon - 0.01 * k, "delivery", str(k)) for k in range(deliveries)]
    points.append(MapPoint(55.07, -3.61, "end", ""))
    return MapRound(name, tuple(points))


def test_map_draws_each_round_with_numbered_stops_shops_base_scale_and_legend() -> None:
    """One polyline per round, a numbered circle per delivery, a square per shop, a star for the base, legend text."""
    rounds = [_round("Van 1", 55.0, -3.5, 4), _round("Van 2", 54.95, -3.7, 3)]
    root = ElementTree.fromstring(render_round_map(rounds))
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f".//{SVG}polyline")) == 2
    numbered = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.isdigit()]
    assert sorted(numbered) == sorted(["1", "2", "3", "4", "1", "2", "3"])
    legend_text = [t.text for t in root.iter(f"{SVG}text")]
    assert "Van 1" in legend_text and "Van 2" in legend_text and any(t and t.endswith("km") for t in legend_text)
    assert root.findall(f".//{SVG}rect[@width='16']")  # shop square
    assert root.findall(f".//{SVG}polygon")  # base star
    assert root.find(f"{SVG}desc").text.startswith("2 rounds, 7 deliveries")  # the text alternative


def test_rounds_differ_by_colour_and_dash_and_no_style_attributes() -> None:
    """Each round has its own colour and dash pattern (colour-blind users), and only presentation attributes."""
    rounds = [_round(f"Van {k}", 55.0 - 0.02 * k, -3.5, 2) for k in range(len(ROUND_STYLES))]
    svg = render_round_map(rounds)
    root = ElementTree.fromstring(svg)
    lines = root.findall(f".//{SVG}polyline")
    styles = {(line.get("stroke"), line.get("stroke-dasharray")) for line in lines}
    assert len(styles) == len(rounds)
    assert len({dash for _, dash in styles}) == len(rounds)
    assert "style=" not in svg and "<script" not in svg


def test_projection_keeps_points_inside_the_map_and_east_is_right() -> None:
    """Projected points fall inside the drawing, with east to the right and north up."""
    root = ElementTree.fromstring(render_round_map([_round("Van 1", 55.0, -3.5, 3)]))
    view_box = [float(v) for v in root.get("viewBox").split()]
    circles = _stop_centres(root)
    assert len(circles) == 3
    assert all(0 <= x <= view_box[2] and 0 <= y <= view_box[3] for x, y in circles)
    # deliveries go north-west (lat up, lon down): x decreases, y decreases
    assert circles[0][0] > circles[-1][0] and circles[0][1] > circles[-1][1]


def test_names_are_escaped_and_empty_map_is_valid() -> None:
    """Van names cannot inject markup; a day without rounds still gives a valid SVG with a note."""
    svg = render_round_map([_round("<script>alert(1)</script>", 55.0, -3.5, 1)])
    assert "<script>" not in svg
    ElementTree.fromstring(svg)
    empty = render_round_map([])
    assert "No rounds to show." in empty
    ElementTree.fromstring(empty)


def _distance_px(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def test_fit_projection_fits_the_points_in_the_box_north_up_east_right_one_scale() -> None:
    """Every point lands inside the box less its margin, the points' centre is the box's centre, north is up,
    east is right, a kilometre is as many pixels north-south as east-west, and lat_lon undoes xy."""
    lat_lons = [(55.07, -3.61), (55.37, -3.92), (54.84, -4.05), (54.99, -3.26)]
    projection = fit_projection(lat_lons, 760, 520, 36)
    xys = [projection.xy(lat, lon) for lat, lon in lat_lons]
    assert all(36 - 1e-6 <= x <= 760 - 36 + 1e-6 and 36 - 1e-6 <= y <= 520 - 36 + 1e-6 for x, y in xys)
    xs, ys = [x for x, _ in xys], [y for _, y in xys]
    assert math.isclose((min(xs) + max(xs)) / 2, 380) and math.isclose((min(ys) + max(ys)) / 2, 260)
    assert math.isclose(min(xs), 36) or math.isclose(min(ys), 36)  # the tighter direction fills the box
    sanquhar, kirkcudbright, annan = xys[1], xys[2], xys[3]
    assert sanquhar[1] < kirkcudbright[1] and annan[0] > kirkcudbright[0]
    north, east = projection.xy(55.1, -3.6), projection.xy(55.0, -3.6 + 0.1 / math.cos(math.radians(55.0)))
    origin = projection.xy(55.0, -3.6)
    assert math.isclose(_distance_px(origin, north), _distance_px(origin, east), rel_tol=0.01)
    lat, lon = projection.lat_lon(*projection.xy(55.2, -3.7))
    assert math.isclose(lat, 55.2) and math.isclose(lon, -3.7)
    south, west, north_lat, east_lon = projection.bounds()
    assert south < 54.84 and north_lat > 55.37 and west < -4.05 and east_lon > -3.26


def test_fit_projection_of_one_place_shows_the_area_around_it() -> None:
    """A single point (or a few on one street) is centred and the map still spans the minimum distance."""
    projection = fit_projection([(55.07, -3.61)], 760, 520, 36)
    assert projection.xy(55.07, -3.61) == pytest.approx((380, 260))
    south, _, north, _ = projection.bounds()
    assert north - south >= MIN_SPAN_DEG_LAT
    with pytest.raises(ValueError, match="lat_lons"):
        fit_projection([], 760, 520, 36)


def _square(lat: float, lon: float, half_deg: float) -> Outline:
    lats = np.array([lat - half_deg, lat - half_deg, lat + half_deg, lat + half_deg])
    lons = np.array([lon - half_deg, lon + half_deg, lon + half_deg, lon - half_deg])
    return Outline(lats, lons, (lat - half_deg, lon - half_deg, lat + half_deg, lon + half_deg))


def test_map_draws_land_lochs_and_towns_under_the_rounds_and_credits_the_data() -> None:
    """The basemap's land and lochs are paths drawn before the rounds, towns in view are named, and the
    data's licences are printed on the map."""
    basemap = Basemap(
        land=(_square(55.0, -3.6, 1.0), _square(40.0, 10.0, 1.0)),
        lakes=(_square(55.1, -3.7, 0.02),),
        towns=(Town("Dumfries", 55.07, -3.61), Town("Far Away", 40.0, 10.0)),
    )
    svg = render_round_map([_round("Van 1", 55.0, -3.5, 4)], basemap=basemap)
    root = ElementTree.fromstring(svg)
    paths = {p.get("class"): p.get("d") for p in root.iter(f"{SVG}path")}
    assert paths["route-map__land"].count("M") == 1  # the far-away square is left out
    assert paths["route-map__lochs"].count("M") == 1
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Dumfries" in texts and "Far Away" not in texts
    assert svg.index("route-map__land") < svg.index("route-map__round")
    assert BASEMAP_ATTRIBUTION in texts
    area = root.find(f"{SVG}svg")
    assert area is not None and area.get("class") == "route-map__area" and area.get("viewBox") == "0 0 760 520"


def test_stops_on_top_of_each_other_and_of_the_base_are_spread_with_leader_lines() -> None:
    """Two deliveries at the base's own place are drawn apart from each other and from the base, each with
    a line back to where it really is; the numbers stay those of the round."""
    base = MapPoint(55.07, -3.61, "start", "")
    points = (
        base,
        MapPoint(55.07, -3.61, "delivery", ""),
        MapPoint(55.07, -3.61, "delivery", ""),
        MapPoint(55.3, -3.9, "delivery", ""),
        MapPoint(55.07, -3.61, "end", ""),
    )
    root = ElementTree.fromstring(render_round_map([MapRound("Van 1", points)], basemap=Basemap((), (), ())))
    stops = _stop_centres(root)
    assert len(stops) == 3
    base = next(g for g in root.iter(f"{SVG}g") if "route-map__base" in (g.get("class") or "").split())
    base_xy = _translation(base)
    assert _polygon_centre(base.find(f"{SVG}polygon").get("points")) == pytest.approx((0, 0), abs=0.1)
    assert all(_distance_px(a, b) >= STOP_SPACING_PX - 0.1 for i, a in enumerate(stops) for b in stops[i + 1 :])
    assert all(_distance_px(stop, base_xy) >= STOP_SPACING_PX - 0.1 for stop in stops)
    leader_starts = [
        _translation(g) for g in root.iter(f"{SVG}g") if g.find(f"{SVG}line[@class='route-map__leader']") is not None
    ]
    assert len(leader_starts) == 2
    assert all(_distance_px(start, base_xy) < 0.2 for start in leader_starts)  # each line starts at the true place
    titles = [t.text for c in root.iter(f"{SVG}circle") for t in c.iter(f"{SVG}title")]
    assert titles == ["Van 1, stop 1", "Van 1, stop 2", "Van 1, stop 3"]


def _translation(group: ElementTree.Element) -> tuple[float, float]:
    x, y = group.get("transform").removeprefix("translate(").removesuffix(")").split()
    assert (group.get("data-x"), group.get("data-y")) == (x, y)  # what the page's script scales around
    return float(x), float(y)


def _stop_centres(root: ElementTree.Element) -> list[tuple[float, float]]:
    """Where each numbered stop circle is drawn on the map: its marker's place plus the circle's offset."""
    centres = []
    for group in root.iter(f"{SVG}g"):
        if "route-map__stop" in (group.get("class") or "").split():
            x, y = _translation(group)
            circle = next(c for c in group.iter(f"{SVG}circle") if c.get("r") == "10")
            centres.append((x + float(circle.get("cx")), y + float(circle.get("cy"))))
    return centres


def _polygon_centre(points: str) -> tuple[float, float]:
    pairs = [tuple(map(float, p.split(","))) for p in points.split()]
    return sum(p[0] for p in pairs) / len(pairs), sum(p[1] for p in pairs) / len(pairs)


def _inside(outline: Outline, lat: float, lon: float) -> bool:
    """Ray casting: is the point inside the closed outline?"""
    inside = False
    lats, lons = outline.lats, outline.lons
    for k in range(len(lats)):
        a_lat, a_lon, b_lat, b_lon = lats[k - 1], lons[k - 1], lats[k], lons[k]
        if (a_lat > lat) != (b_lat > lat) and lon < a_lon + (lat - a_lat) * (b_lon - a_lon) / (b_lat - a_lat):
            inside = not inside
    return inside


def test_shipped_basemap_has_the_coast_lochs_and_towns_of_dumfries_and_galloway() -> None:
    """Dumfries is on land, the Solway Firth is sea, Loch Doon is a loch, and the towns are named."""
    near = basemap_within((54.6, -5.2, 55.5, -2.8), load_basemap())
    assert any(_inside(o, 55.07, -3.61) for o in near.land)  # Dumfries
    assert not any(_inside(o, 54.85, -3.55) for o in near.land)  # the Solway Firth
    assert any(_inside(o, 55.225, -4.385) for o in near.lakes)  # Loch Doon
    names = {t.name for t in near.towns}
    assert {"Dumfries", "Stranraer", "Castle Douglas", "Annan", "Lockerbie"} <= names


def test_tile_server_addresses_are_checked_per_branch() -> None:
    """FOODTRAIN_MAP_TILE_URLS maps branch codes to https tile addresses with {z}/{x}/{y}; anything else is
    refused with a message saying what is wrong."""
    assert parse_tile_urls(
        "dg=https://tiles.example.org/{z}/{x}/{y}.png?key=a=b; ;WL=http://localhost:8080/{z}/{x}/{y}"
    ) == {"DG": "https://tiles.example.org/{z}/{x}/{y}.png?key=a=b", "WL": "http://localhost:8080/{z}/{x}/{y}"}
    assert parse_tile_urls("") == {}
    for text, message in [
        ("DG=http://tiles.example.org/{z}/{x}/{y}.png", "https://"),
        ("DG=https://tiles.example.org/{z}/{x}.png", "needs {y}"),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "BRANCHCODE="),
        ('DG=https://tiles.example.org/"/{z}/{x}/{y}.png', "not a valid web address"),
        ("DG=javascript:alert(1)//{z}/{x}/{y}", "https://"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            parse_tile_urls(text)
    assert tile_url_origin("https://tiles.example.org:8443/{z}/{x}/{y}.png") == "https://tiles.example.org:8443"


def test_tiles_cover_the_map_and_sit_where_their_corners_project() -> None:
    """The tiles drawn cover the whole box, each placed at its Web Mercator corners, addresses filled in."""
    projection = fit_projection([(55.07, -3.61), (54.90, -5.03), (55.34, -3.44)], 760, 520, 36)
    images = [
        ElementTree.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{i}</svg>')[0]
        for i in tile_images(projection, "https://tiles.example.org/{z}/{x}/{y}.png")
    ]
    assert 1 <= len(images) <= 64
    boxes = [(float(i.get("x")), float(i.get("y")), float(i.get("width")), float(i.get("height"))) for i in images]
    assert min(x for x, _, _, _ in boxes) <= 0 and max(x + w for x, _, w, _ in boxes) >= 760
    assert min(y for _, y, _, _ in boxes) <= 0 and max(y + h for _, y, _, h in boxes) >= 520
    first = images[0].get("href")
    z, x, y = map(int, re.fullmatch(r"https://tiles\.example\.org/(\d+)/(\d+)/(\d+)\.png", first).groups())
    n = 2**z
    west = x / n * 360 - 180
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    assert projection.xy(north, west) == pytest.approx((boxes[0][0], boxes[0][1]), abs=0.1)


def test_map_over_a_branch_tile_server_draws_tiles_not_the_offline_basemap() -> None:
    """With a tile address the map shows the tiles under the rounds and credits that server, not GSHHG."""
    svg = render_round_map([_round("Van 1", 55.0, -3.5, 3)], tile_url="https://tiles.example.org/{z}/{x}/{y}.png")
    root = ElementTree.fromstring(svg)
    assert root.findall(f".//{SVG}image") and not [
        p for p in root.iter(f"{SVG}path") if p.get("class") == "route-map__land"
    ]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert BASEMAP_ATTRIBUTION not in texts and any(t and "tiles.example.org" in t for t in texts)
    assert svg.index("route-map__tiles") < svg.index("route-map__round")


def test_simplify_polyline_keeps_corners_and_drops_what_lies_within_the_tolerance() -> None:
    """A wobbly straight run collapses to its ends; a right-angle corner stays; no dropped point is further
    than the tolerance from the simplified line."""
    wobbly = np.array([(x, 0.2 * (-1) ** x) for x in range(50)], dtype=float)
    assert simplify_polyline(wobbly, 0.5).tolist() == [[0.0, 0.2], [49.0, -0.2]]
    corner = np.array([(x, 0.0) for x in range(10)] + [(9.0, y) for y in range(1, 10)], dtype=float)
    assert [9.0, 0.0] in simplify_polyline(corner, 0.5).tolist()
    rng = np.random.default_rng(7)
    walk = np.cumsum(rng.normal(size=(300, 2)), axis=0)
    kept = simplify_polyline(walk, 2.0)
    assert 2 < len(kept) < len(walk)

    def to_segment(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        t = np.clip(np.dot(point - a, b - a) / max(np.dot(b - a, b - a), 1e-12), 0.0, 1.0)
        return float(np.hypot(*(point - (a + t * (b - a)))))

    for point in walk:  # every original point is near the simplified line
        assert min(to_segment(point, a, b) for a, b in zip(kept[:-1], kept[1:])) <= 2.0 + 1e-9
