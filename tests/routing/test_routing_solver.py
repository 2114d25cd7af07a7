"""solve(): invariants on tiny hand-built problems, explanations of unserved orders."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import Location, Order, Params, Status, Van, solve
from routing_factories import (
    BASE,
    SHOP,
    check_invariants,
    line_matrix,
    make_order,
    make_problem,
    make_shop,
    make_van,
    window,
)

FAST = Params(time_limit_s=1.0, workers=1)


def test_empty_day_is_optimal() -> None:
    """A day without orders is trivially optimal with no routes."""
    result = solve(make_problem(), FAST)
    assert result.status == Status.OPTIMAL
    assert result.routes == () and result.unserved == ()


def test_two_orders_are_served_by_one_van() -> None:
    """Two small orders fit in one van: feasible, one van, every invariant holds."""
    problem = make_problem(orders=(make_order("a"), make_order("b", lat=55.09)))
    result = solve(problem, FAST)
    check_invariants(problem, result)
    assert result.status == Status.FEASIBLE
    assert result.vans_used == 1
    assert result.total_distance_m > 0


def test_fewest_vans_are_used() -> None:
    """With three vans and little work the plan uses one van, not three."""
    vans = tuple(make_van(f"van{k}") for k in range(3))
    orders = tuple(make_order(f"o{k}", lat=55.075 + k * 0.003) for k in range(6))
    problem = make_problem(vans=vans, orders=orders)
    result = solve(problem, FAST)
    check_invariants(problem, result)
    assert result.vans_used == 1


def test_van_reloads_at_the_shop_when_capacity_demands() -> None:
    """Orders totalling twice the van's capacity are served by one van visiting the shop twice."""
    orders = tuple(make_order(f"o{k}", lat=55.08 + 0.001 * k, size_crates=5) for k in range(4))
    problem = make_problem(vans=(make_van(capacity_crates=10),), orders=orders)
    result = solve(problem, FAST)
    check_invariants(problem, result)
    assert result.status == Status.FEASIBLE
    kinds = [s.kind for s in result.routes[0].stops]
    # pickup run, deliveries, back to the shop, deliveries again
    assert kinds.count("pickup") == 4
    assert kinds.index("delivery") < len(kinds) - 1 - kinds[::-1].index("pickup")


def test_stops_report_waiting_for_a_window() -> None:
    """A customer who wants a 14:00 delivery gets exactly that; times and the window agree."""
    problem = make_problem(orders=(make_order("a", windows=(window("14:00", "15:00"),)),))
    result = solve(problem, FAST)
    check_invariants(problem, result)
    delivery = next(s for s in result.routes[0].stops if s.kind == "delivery")
    assert 14 * 60 <= delivery.arrival_min + delivery.wait_min <= 15 * 60
    assert delivery.departure_min == pytest.approx(delivery.arrival_min + delivery.wait_min + 5.0)


def test_order_bigger_than_every_van_is_explained() -> None:
    """An order of 30 crates with 20-crate vans is unserved with a capacity reason; the rest are served."""
    problem = make_problem(orders=(make_order("big", size_crates=30), make_order("ok")))
    result = solve(problem, FAST)
    check_invariants(problem, result)
    assert result.status == Status.INFEASIBLE
    (unserved,) = result.unserved
    assert unserved.order_id == "big"
    assert "30 crates exceeds every van's capacity" in unserved.reason
    assert "20 crates" in unserved.reason
    assert unserved.proven


def test_unreachable_window_names_shop_ready_time_and_drive() -> None:
    """Window 10:00–10:30, shop ready 10:00, 41 min drive: reason quotes the window, ready time and drive."""
    matrix = line_matrix({"base": 0.0, "shop": 0.0, "far": 41.0}, speed_kmh=60.0)
    order = replace(make_order("late"), location=Location("far", 55.5, -3.6), windows=(window("10:00", "10:30"),))
    problem = make_problem(shops=(make_shop(ready_min=10 * 60),), orders=(order,), matrix=matrix)
    result = solve(problem, FAST)
    assert result.status == Status.INFEASIBLE and result.routes == ()
    reason = result.unserved[0].reason
    assert "10:00–10:30" in reason
    assert "the shop is ready at 10:00" in reason
    assert "41 min" in reason


def test_shift_end_reason() -> None:
    """A customer 5 h away cannot be served in a day shift: the reason names the return time."""
    matrix = line_matrix({"base": 0.0, "shop": 0.0, "far": 300.0}, speed_kmh=60.0)
    order = replace(make_order("far"), location=Location("far", 56.0, -3.6))
    problem = make_problem(orders=(order,), matrix=matrix)
    result = solve(problem, FAST)
    assert result.unserved[0].order_id == "far"
    assert "back by the end of the shift" in result.unserved[0].reason


def test_crowded_day_explains_what_does_not_fit() -> None:
    """Six one-hour visits in a two-hour shift: some are served, the others are explained as not fitting."""
    van = make_van(shift_start_min=8 * 60, shift_end_min=10 * 60)
    orders = tuple(make_order(f"o{k}", lat=55.071, service_min=55.0) for k in range(6))
    problem = make_problem(vans=(van,), orders=orders)
    result = solve(problem, FAST)
    check_invariants(problem, result)
    assert 1 <= len(result.routes[0].order_ids) <= 2
    assert len(result.unserved) >= 4
    # the data does not rule any single visit out, so the reason must not claim it does
    assert all("alongside the other orders" in u.reason and not u.proven for u in result.unserved)


def test_plain_visit_without_shop() -> None:
    """An order without a shop is a single visit, no pickup stop."""
    visit = Order("list", Location("c-list", 55.08, -3.61), 0, None)
    problem = make_problem(orders=(visit,))
    result = solve(problem, FAST)
    check_invariants(problem, result)
    assert [s.kind for s in result.routes[0].stops] == ["start", "visit", "end"]


def test_van_may_end_elsewhere() -> None:
    """A van with a different end location finishes there."""
    home = Location("home", 55.1, -3.5)
    problem = make_problem(vans=(make_van(end=home),), orders=(make_order("a"),))
    result = solve(problem, FAST)
    assert result.routes[0].stops[-1].location_id == "home"


def test_explicit_matrix_drives_the_cost() -> None:
    """With an explicit matrix the reported distance is the matrix's, not great-circle."""
    matrix = line_matrix({"base": 0.0, "shop": 2.0, "c-a": 5.0})
    problem = make_problem(orders=(make_order("a"),), matrix=matrix, objective="distance")
    result = solve(problem, FAST)
    assert result.total_distance_m == pytest.approx(10_000.0)  # 0 -> 2 -> 5 -> 0 km


def test_parallel_workers_give_a_valid_plan() -> None:
    """Two worker processes return one consistent, complete plan."""
    orders = tuple(make_order(f"o{k}", lat=55.07 + 0.01 * k, lon=-3.6 + 0.01 * (k % 3)) for k in range(8))
    problem = make_problem(vans=(make_van("v1"), make_van("v2")), orders=orders)
    result = solve(problem, Params(time_limit_s=1.0, workers=2, seed=1))
    check_invariants(problem, result)
    assert result.status == Status.FEASIBLE


def test_van_without_coordinates_elsewhere_keeps_base() -> None:
    """A van without an explicit end returns to its start."""
    van = Van("v", 10, BASE)
    assert van.end_location == BASE
    assert SHOP.id == "shop"


def test_a_status_prints_as_its_value_like_the_rota_status() -> None:
    """``str()`` and f-strings give "optimal" (the JSON value), not "Status.OPTIMAL"; the rota library's
    status reads the same."""
    import rota

    assert str(Status.OPTIMAL) == "optimal" and f"{Status.NO_SOLUTION_IN_TIME}" == "no_solution_in_time"
    assert Status.FEASIBLE == "feasible"
    assert {str(s) for s in Status} == {str(s) for s in rota.Status}
