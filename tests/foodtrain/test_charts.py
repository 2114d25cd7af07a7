"""SVG bar charts: well-formed, accessible, escaped, and drawn to scale."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foodtrain.charts import Series, bar_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def _chart(**overrides) -> str:
    fields = dict(
        chart_id="chart-test",
        title="Deliveries per month",
        description="Orders delivered per month.",
        categories=["Jan 2026", "Feb 2026", "Mar 2026"],
        series=[Series("Delivered", (10, 20, 0)), Series("Not delivered", (1, 0, 2))],
        x_label="Month",
        y_label="Orders",
    )
    return bar_chart(**(fields | overrides))


def test_chart_is_accessible_svg_with_title_desc_and_axis_labels() -> None:
    """The SVG parses, has role=img labelled by its <title> and <desc>, axis titles and a legend."""
    root = ET.fromstring(_chart())
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-test-title chart-test-desc"
    assert root.find(f"{SVG}title").text == "Deliveries per month"
    assert root.find(f"{SVG}desc").text == "Orders delivered per month."
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert {"Month", "Orders", "Delivered", "Not delivered", "Jan 2026", "0", "20"} <= set(texts)
    assert "style" not in _chart()  # CSP: no style attributes or elements


def test_bars_are_drawn_to_scale_with_value_tooltips() -> None:
    """A bar twice the value is twice as tall; each bar's tooltip names category, series and value."""
    root = ET.fromstring(_chart())
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert len(bars) == 6
    heights = {rect.find(f"{SVG}title").text: float(rect.get("height")) for rect in bars}
    assert heights["Feb 2026, Delivered: 20"] == pytest.approx(2 * heights["Jan 2026, Delivered: 10"])
    assert heights["Mar 2026, Delivered: 0"] == 0


def test_all_text_is_escaped() -> None:
    """Names with markup or control characters cannot break out of the SVG."""
    evil = '<script>alert("x")</script>&\x00'
    svg = _chart(
        title=evil,
        description=evil,
        categories=[evil, "b", "c"],
        x_label=evil,
        y_label=evil,
        series=[Series(evil, (1, 2, 3))],
    )
    assert "<script>" not in svg and "\x00" not in svg
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script>&'


def test_bad_input_is_refused() -> None:
    """A bad chart id, a series of the wrong length, or a negative value is a programming error."""
    with pytest.raises(ValueError):
        _chart(chart_id='x" onload="alert(1)')
    with pytest.raises(ValueError):
        _chart(series=[Series("Delivered", (1, 2))])
    with pytest.raises(ValueError):
        _chart(series=[Series("Delivered", (1, -2, 3))])


def test_empty_and_all_zero_charts_still_draw() -> None:
    """No categories or only zeros give a valid chart with a 0–1 axis, not a division by zero."""
    ET.fromstring(_chart(categories=[], series=[Series("Delivered", ())]))
    ET.fromstring(_chart(series=[Series("Delivered", (0, 0, 0))]))
    assert nice_ticks(0) == [0.0, 1.0]


def test_long_ranges_thin_their_labels() -> None:
    """Five years of weeks (261 bars) keep at most about 60 category labels, rotated."""
    categories = [f"w{index}" for index in range(261)]
    root = ET.fromstring(_chart(categories=categories, series=[Series("Delivered", tuple(range(261)))]))
    labels = [text for text in root.iter(f"{SVG}text") if re.fullmatch(r"w\d+", text.text or "")]
    assert 40 <= len(labels) <= 61
    assert all("rotate" in (label.get("transform") or "") for label in labels)


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=0.001, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_ticks_cover_the_maximum_with_round_steps(maximum: float) -> None:
    """Ticks start at 0, reach at least the maximum, are evenly spaced and at most about ten."""
    ticks = nice_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum and 2 <= len(ticks) <= 11
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
