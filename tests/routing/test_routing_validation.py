"""Bad input is refused with a ProblemError (a ValueError) naming the field."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing import Location, Params, ProblemError, TimeWindow, TravelMatrix, solve
from routing.serialization import problem_from_dict
from routing_factories import make_order, make_problem, make_van


def error_for(problem: object, params: Params | None = None) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        solve(problem, params or Params(time_limit_s=1, workers=1))  # type: ignore[arg-type]  # malformed problems on purpose: validation must refuse them
    assert isinstance(info.value, ValueError)
    return info.value


def test_unknown_shop_names_the_order_field() -> None:
    """An order pointing at a shop that does not exist names orders[id].shop_id."""
    err = error_for(make_problem(orders=(make_order("a", shop_id="nope"),)))
    assert err.field == "orders[a].shop_id"
    assert "nope" in str(err)


def test_negative_size() -> None:
    """A negative crate count is refused on size_crates."""
    assert error_for(make_problem(orders=(make_order("a", size_crates=-1),))).field == "orders[a].size_crates"


def test_window_ending_before_it_starts() -> None:
    """A window 12:00–11:00 is refused and the window is named."""
    err = error_for(make_problem(orders=(make_order("a", windows=(TimeWindow(720, 660),)),)))
    assert err.field == "orders[a].windows[0]"


def test_nan_coordinates() -> None:
    """NaN latitude is refused on the location's lat."""
    order = replace(make_order("a"), location=Location("x", float("nan"), 0.0))
    assert error_for(make_problem(orders=(order,))).field == "orders[a].location.lat"


def test_matrix_of_the_wrong_shape() -> None:
    """A 2x3 duration matrix is refused on matrix.duration_min."""
    ids = ("base", "shop", "c-a")
    bad = TravelMatrix(ids, np.zeros((2, 3)), np.zeros((3, 3)))
    err = error_for(make_problem(orders=(make_order("a"),), matrix=bad))
    assert err.field == "matrix.duration_min"
    assert "3x3" in str(err)


def test_matrix_with_nan() -> None:
    """NaN inside the distance matrix is refused."""
    dist = np.ones((3, 3))
    dist[0, 1] = np.nan
    bad = TravelMatrix(("base", "shop", "c-a"), np.ones((3, 3)), dist)
    assert error_for(make_problem(orders=(make_order("a"),), matrix=bad)).field == "matrix.distance_m"


def test_matrix_missing_a_location() -> None:
    """A matrix that does not cover a customer names matrix.location_ids."""
    m = TravelMatrix(("base", "shop"), np.ones((2, 2)), np.ones((2, 2)))
    assert error_for(make_problem(orders=(make_order("a"),), matrix=m)).field == "matrix.location_ids"


def test_duplicate_order_ids() -> None:
    """Two orders with the same id are refused on orders."""
    assert error_for(make_problem(orders=(make_order("a"), make_order("a")))).field == "orders"


def test_shift_ending_before_start() -> None:
    """A van shift 17:00–08:00 is refused on the van's shift_end_min."""
    van = make_van(shift_start_min=17 * 60, shift_end_min=8 * 60)
    assert error_for(make_problem(vans=(van,))).field == "vans[van1].shift_end_min"


def test_no_vans() -> None:
    """A day without vans is refused on vans."""
    assert error_for(make_problem(vans=())).field == "vans"


def test_bad_params() -> None:
    """A zero time limit is refused on params.time_limit_s."""
    assert error_for(make_problem(), Params(time_limit_s=0)).field == "params.time_limit_s"


def test_json_missing_field_and_bad_clock() -> None:
    """JSON without an order's location, or with a clock '25:99', names the JSON field."""
    base = {"id": "b", "lat": 55.0, "lon": -3.0}
    data = {"vans": [{"id": "v", "capacity_crates": 10, "start": base}], "orders": [{"id": "o"}]}
    with pytest.raises(ProblemError) as info:
        problem_from_dict(data)
    assert info.value.field == "orders[0].location"
    data["orders"] = []
    data["vans"][0]["shift_start"] = "25:99"
    with pytest.raises(ProblemError) as info:
        problem_from_dict(data)
    assert info.value.field == "vans[0].shift_start"


def test_clock_minutes_must_be_whole() -> None:
    """A shift start of 510.0 minutes reads as 08:30; 510.5 is refused on the field, not rounded silently."""
    data = {
        "vans": [
            {"id": "v", "capacity_crates": 10, "start": {"id": "b", "lat": 55.0, "lon": -3.6}, "shift_start": 510.0}
        ],
        "shops": [],
        "orders": [],
    }
    assert problem_from_dict(data).vans[0].shift_start_min == 510
    data["vans"][0]["shift_start"] = 510.5  # type: ignore[index]  # a JSON-like dict changed on purpose to a bad value
    with pytest.raises(ProblemError) as info:
        problem_from_dict(data)
    assert info.value.field == "vans[0].shift_start"
    assert "whole minutes" in str(info.value)
