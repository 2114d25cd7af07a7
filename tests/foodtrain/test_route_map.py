"""The offline SVG map of the rounds."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from foodtrain.route_map import ROUND_STYLES, MapPoint, MapRound, render_round_map

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
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")
               if c.get("r") == "10"]
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
