"""The road-matrix client against a small fake OSRM server started by the test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from foodtrain.road_travel import RoadTravel
from routing import Location, Problem, solve
from tests.routing.routing_factories import make_order, make_shop, make_van

PLACES = [Location("base", 55.07, -3.60), Location("shop", 55.075, -3.61), Location("c1", 55.09, -3.58)]


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table like OSRM: 100 s and 1 km per step of index; behaviour switched by ``mode``."""

    mode = "good"
    calls = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        FakeOsrm.calls += 1
        if FakeOsrm.mode == "slow":
            time.sleep(1.5)
        coords = self.path.split("/table/v1/driving/")[1].split("?")[0].split(";")
        n = len(coords)
        idx = np.arange(n)
        steps = np.abs(idx[:, None] - idx[None, :])
        body: object = {"code": "Ok", "durations": (steps * 100.0).tolist(), "distances": (steps * 1000.0).tolist()}
        if FakeOsrm.mode == "malformed":
            body = {"code": "Ok", "durations": [[0]]}
        raw = json.dumps(body).encode() if FakeOsrm.mode != "garbage" else b"<html>oops"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    FakeOsrm.mode, FakeOsrm.calls = "good", 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_good_answer_becomes_the_travel_matrix_and_is_cached_per_day(server: str) -> None:
    """Seconds become minutes, metres stay metres; the same day and places do not ask twice."""
    road = RoadTravel(server)
    matrix, message = road.matrix_for(date(2026, 12, 7), PLACES)
    assert message is None
    assert matrix.location_ids == ("base", "shop", "c1")
    assert matrix.duration_min[0, 2] == pytest.approx(200 / 60) and matrix.distance_m[0, 2] == 2000
    road.matrix_for(date(2026, 12, 7), PLACES)
    assert FakeOsrm.calls == 1
    road.matrix_for(date(2026, 12, 8), PLACES)
    assert FakeOsrm.calls == 2


@pytest.mark.parametrize("mode", ["slow", "malformed", "garbage"])
def test_a_failing_server_falls_back_to_great_circle_with_a_message(server: str, mode: str) -> None:
    """Timeout, a table of the wrong shape, or not JSON: great-circle matrix and a message saying so."""
    FakeOsrm.mode = mode
    road = RoadTravel(server, timeout_s=0.5)
    matrix, message = road.matrix_for(date(2026, 12, 7), PLACES)
    assert message is not None and "straight-line" in message
    expected = road.fallback.matrix(PLACES)
    np.testing.assert_allclose(matrix.duration_min, expected.duration_min)


def test_no_server_means_great_circle_without_a_message() -> None:
    """A branch without a road server plans offline, as before."""
    matrix, message = RoadTravel(None).matrix_for(date(2026, 12, 7), PLACES)
    assert message is None and matrix.duration_min.shape == (3, 3)


def test_the_road_matrix_drives_the_plan(server: str) -> None:
    """The matrix from the server is what routing.solve plans with (drive = its durations)."""
    van, shop = make_van(start=PLACES[0]), make_shop(id="s1", location=PLACES[1])
    order = make_order("o1", lat=PLACES[2].lat, lon=PLACES[2].lon)
    order = type(order)(order.id, PLACES[2], order.size_crates, "s1", (), order.service_min)
    matrix, _ = RoadTravel(server).matrix_for(date(2026, 12, 7), PLACES)
    result = solve(Problem(vans=(van,), orders=(order,), shops=(shop,), matrix=matrix))
    # base -> shop -> c1 -> base: 100 + 100 + 200 seconds
    assert result.total_drive_min == pytest.approx(400 / 60)
