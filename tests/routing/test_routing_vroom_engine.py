"""VROOM in the portfolio (routing.vroom_engine): the same model as every engine, its local search from our plans
as a polish, its levels in child processes that end at the limit or on a stop request."""

from __future__ import annotations

import os
import time
from dataclasses import replace

import pytest

from routing.construct import insertion_routes
from routing.engine import VAN_FIXED_COST_LONGEST_ARCS, NodeModel, _loads, EngineSolution
from routing.generator import generate_varied_day
from routing.modelcheck import plan_violations
from routing.planner import compile_day
from routing import vroom_engine
from routing.vroom_engine import (
    START_HEURISTICS,
    START_STRIDE,
    _in_child,
    _input,
    _routes,
    heuristic_order,
    vroom_fewer_vans,
    vroom_levels,
    vroom_polish,
    vroom_restarts,
    vroom_start,
    vroom_supports,
)
from tests.routing.routing_factories import line_matrix, make_order, make_problem, one_shop_three_orders, window

pytest.importorskip("vroom")


def _vroom_answer(model: NodeModel, routes: tuple[tuple[int, ...], ...], depth: int) -> tuple[tuple, int, int]:
    from vroom import _vroom
    from vroom.solution.solution import Solution

    start = [_vroom.HeuristicParameters(_vroom.HEURISTIC.INIT_ROUTES, _vroom.INIT.NONE, 0.0)]
    solution = Solution(
        _input(model, routes)._solve(exploration_level=depth, nb_threads=1, timeout=None, h_param=start)
    )
    found, left_out = _routes(solution, model.num_vehicles)
    return found, left_out, int(solution.summary.cost)


@pytest.mark.parametrize("shop_calls", [1, 2])
def test_vroom_charges_a_shops_loading_once_per_visit_like_the_model(shop_calls: int) -> None:
    """One van, one shop, three orders: VROOM's cost of the plan it keeps is the model's cost plus one van's fixed
    cost, whether it calls at the shop once or twice (a mapping that charged the loading per pickup, or on
    shop-to-same-shop arcs, would differ)."""
    problem, steps = one_shop_three_orders(shop_calls)
    day = compile_day(problem)
    model = day.model()
    start = (tuple(day.order_nodes[o][0 if kind == "pickup" else 1] for kind, o in steps),)
    found, left_out, vroom_cost = _vroom_answer(model, start, 0)
    assert left_out == 0 and not plan_violations(model, found)
    fixed = int(model.cost.max() + 1) * VAN_FIXED_COST_LONGEST_ARCS
    assert vroom_cost == model.routes_cost(found) + fixed
    # the one-call plan is the cheaper: VROOM keeps it, or finds it from the two-call plan
    assert model.routes_cost(found) <= model.routes_cost(start)
    assert model.routes_cost(found) == 38 * 60


@pytest.mark.parametrize("seed", [3201, 3202, 3203])
def test_vroom_polish_keeps_every_rule_and_never_makes_a_plan_worse(seed: int) -> None:
    """From a regret insertion plan of a generated branch day: every visit once, pairs on one van in order,
    capacity, windows and shifts (the model's checker), OR-Tools accepts the plan, and it is cheaper."""
    model = compile_day(generate_varied_day(seed, 90)).model()
    start = insertion_routes(model, 60.0, seed)
    assert start is not None and not model.unserved(start)
    polished = vroom_polish(model, start, 60.0)
    assert polished is not None
    assert not plan_violations(model, polished)
    assert not model.unserved(polished)
    assert _loads(model, EngineSolution(polished, (), model.routes_cost(polished)))
    assert model.routes_key(polished) < model.routes_key(start)
    # a plan VROOM cannot improve comes back as None (the caller keeps its own)
    again = vroom_polish(model, polished, 60.0)
    assert again is None or model.routes_key(again) < model.routes_key(polished)


def test_a_visit_with_several_windows_keeps_them_all() -> None:
    """A plain visit open 07:00-07:30 (before the shift) or 14:00-15:00 is served in the second window, never
    between: VROOM given only the first window would leave it out, given their hull would serve it at once."""
    matrix = line_matrix({"base": 0, "shop": 5, "c-a": 10, "c-b": 20})
    twice = make_order("a", shop_id=None, windows=(window("07:00", "07:30"), window("14:00", "15:00")))
    early = make_order("b", shop_id=None, windows=(window("08:20", "08:25"),))
    day = compile_day(make_problem(orders=(twice, early), matrix=matrix))
    model = day.model()
    a, b = day.order_nodes[0][0], day.order_nodes[1][0]
    found, left_out, _ = _vroom_answer(model, ((b, a),), 5)
    assert left_out == 0
    assert found == ((b, a),)
    assert not plan_violations(model, found)


def test_a_longest_round_shorter_than_the_shift_is_not_handed_to_vroom() -> None:
    model = compile_day(generate_varied_day(3201, 90)).model()
    assert vroom_supports(model) is None
    shifts = model.shifts or tuple((0, 36_000) for _ in model.starts)
    short = replace(model, shifts=shifts, max_duration=tuple((end - begin) // 2 for begin, end in shifts))
    assert "longest round" in (vroom_supports(short) or "")
    start = insertion_routes(model, 60.0, 3201)
    assert start is not None
    assert vroom_polish(short, start, 10.0) is None


def test_arcs_too_long_for_vroom_matrices_are_not_handed_over() -> None:
    """VROOM reads its matrices as 32-bit unsigned: a longer arc would wrap round silently, so the model is refused."""
    model = compile_day(generate_varied_day(3201, 30)).model()
    huge = replace(model, cost=model.cost * 2**22)
    assert int(huge.cost.max()) >= 2**32
    assert "fit" in (vroom_supports(huge) or "")


def test_a_child_answers_through_the_pipe() -> None:
    assert _in_child(lambda: {"plan": list(range(100_000))}, 10.0, None) == {"plan": list(range(100_000))}


def test_a_child_that_fails_or_overruns_gives_nothing_and_is_ended(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def fails() -> None:
        raise RuntimeError("no plan")

    assert _in_child(fails, 10.0, None) is None
    marker = tmp_path / "child.pid"

    def overruns() -> None:
        marker.write_text(str(os.getpid()))
        time.sleep(30)

    started = time.monotonic()
    assert _in_child(overruns, 2.0, None) is None
    assert time.monotonic() - started < 6
    assert not _alive(int(marker.read_text()))  # killed and reaped, not left running


def test_a_stop_request_ends_the_child_at_once() -> None:
    asked_at = time.monotonic() + 0.5
    started = time.monotonic()
    assert _in_child(lambda: time.sleep(30), 60.0, lambda: time.monotonic() >= asked_at) is None
    assert time.monotonic() - started < 2


def test_levels_run_in_turn_until_the_time_is_up() -> None:
    def level(k: int) -> int:
        time.sleep(0.5 * k)
        return k

    found = vroom_levels(level, 2.5)
    # level 2 ends at 0 + 0.5 + 1.0 s (a second to spare for forking), level 3 could only end at 3.0 s
    assert [k for k, _ in found] == [0, 1, 2]
    assert all(seconds <= 2.5 for _, seconds in found)


def _a_request_on_a_spare_van() -> tuple[NodeModel, tuple[tuple[int, ...], ...], int]:
    """Day 3202 (90 orders) planned by the regret insertion, then one request moved onto an idle van of its own:
    the model, that plan (every rule kept) and the van it went to."""
    model = compile_day(generate_varied_day(3202, 90)).model()
    start = insertion_routes(model, 60.0, 3202)
    assert start is not None
    idle = next(v for v in range(model.num_vehicles) if not start[v])
    donor = next(v for v in range(model.num_vehicles) if start[v])
    pair = next((p, d) for p, d in model.pairs if p in start[donor])
    spread = tuple(
        (tuple(n for n in r if n not in pair) if v == donor else pair if v == idle else r) for v, r in enumerate(start)
    )
    assert not plan_violations(model, spread)
    return model, spread, idle


def test_vroom_takes_a_spare_van_away_and_puts_its_visits_back() -> None:
    """A plan with one request moved onto a van of its own: VROOM's try without the smallest route serves every
    visit on the other vans, keeps every rule, and uses at least one van fewer."""
    model, spread, idle = _a_request_on_a_spare_van()
    fewer = vroom_fewer_vans(model, spread, 60.0)
    assert fewer is not None
    assert not plan_violations(model, fewer)
    assert not model.unserved(fewer)
    assert model.routes_key(fewer)[0] <= model.routes_key(spread)[0] - 1  # its local search may empty more
    assert not fewer[idle]  # the smallest route went


def test_vroom_builds_on_the_vans_left_when_its_search_cannot_empty_a_route(monkeypatch: pytest.MonkeyPatch) -> None:
    """The try without the smallest route falls back on VROOM's constructions on the vans left (here its local
    search is given no depth, so gives nothing): every visit served, every rule kept, a van fewer, only kept vans."""
    model, spread, idle = _a_request_on_a_spare_van()
    monkeypatch.setattr(vroom_engine, "POLISH_DEPTHS", ())
    fewer = vroom_fewer_vans(model, spread, 60.0)
    assert fewer is not None
    assert not plan_violations(model, fewer) and not model.unserved(fewer)
    assert model.routes_key(fewer)[0] <= model.routes_key(spread)[0] - 1
    assert {v for v, r in enumerate(fewer) if r} <= {v for v, r in enumerate(spread) if r} - {idle}
    assert vroom_fewer_vans(model, spread, 0.0) is None  # no time, no plan


def test_the_two_workers_build_from_different_heuristics_first_and_each_tries_them_all() -> None:
    orders = [heuristic_order(first, START_STRIDE) for first in (0, 1)]
    for order in orders:
        assert sorted(order) == sorted(START_HEURISTICS)
    half = len(START_HEURISTICS) // START_STRIDE
    assert not set(orders[0][:half]) & set(orders[1][:half])
    assert orders[0][:2] == [START_HEURISTICS[0], START_HEURISTICS[2]]
    assert heuristic_order(3) == [*START_HEURISTICS[3:], *START_HEURISTICS[:3]]
    assert heuristic_order(3 + len(START_HEURISTICS)) == heuristic_order(3)  # any seed may pick the first


def test_vroom_start_serves_every_order_and_keeps_every_rule() -> None:
    model = compile_day(generate_varied_day(3203, 90)).model()
    start = vroom_start(model, 60.0)
    assert start is not None
    assert not model.unserved(start)
    assert not plan_violations(model, start)
    assert _loads(model, EngineSolution(start, (), model.routes_cost(start)))
    assert vroom_start(model, 0.0) is None  # no time, no plan


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_a_child_ends_when_the_worker_that_forked_it_is_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A search worker killed hard (kill -9) takes its VROOM child with it: no search left running for nobody."""
    import multiprocessing
    import signal

    marker = tmp_path / "child.pid"

    def long_search() -> None:
        marker.write_text(str(os.getpid()))
        time.sleep(60)

    worker = multiprocessing.get_context("fork").Process(target=_in_child, args=(long_search, 60.0, None))
    worker.start()
    deadline = time.monotonic() + 10
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    child = int(marker.read_text())
    assert _alive(child)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(5)
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_vroom_restarts_on_the_same_vans_serve_every_visit_and_cost_less() -> None:
    """From a regret insertion plan: other basins on the vans it uses, every rule kept, never another van."""
    model = compile_day(generate_varied_day(3201, 90)).model()
    start = insertion_routes(model, 60.0, 3201)
    assert start is not None
    restarted = vroom_restarts(model, start, 60.0)
    assert restarted is not None
    assert not plan_violations(model, restarted) and not model.unserved(restarted)
    assert {v for v, r in enumerate(restarted) if r} <= {v for v, r in enumerate(start) if r}
    assert model.routes_cost(restarted) < model.routes_cost(start)


def test_vroom_builds_a_start_only_on_branch_days() -> None:
    """Days whose orders are collected at shops get VROOM's start; a model without shared pickup places does not."""
    from routing.decompose import polish_applies
    from routing.vroom_engine import branch_day_start

    model = compile_day(generate_varied_day(3203, 60)).model()
    assert polish_applies(model)
    assert branch_day_start(model, 20.0) is not None
    assert branch_day_start(model, 0.0) is None
    plain = replace(model, minimise_vehicles=False)  # vans do not count: not a branch day's model
    assert not polish_applies(plain)
    assert branch_day_start(plain, 20.0) is None


@pytest.mark.parametrize("seed", [3205, 3206])
def test_a_branch_day_solved_with_vroom_among_the_engines_holds_every_invariant(seed: int) -> None:
    """End to end through routing.solve with the default engines (VROOM's start and polishes on this day): each
    order served once or explained, pickup before delivery on one van, capacity, windows and shifts held."""
    from routing.domain import ENGINES, Params
    from routing.solver import solve
    from tests.routing.routing_factories import check_invariants

    problem = generate_varied_day(seed, 80)
    assert "vroom" in ENGINES and polish_applies_to(problem)
    result = solve(problem, Params(time_limit_s=4.0, workers=2))
    check_invariants(problem, result)
    assert not result.unserved


def polish_applies_to(problem) -> bool:  # type: ignore[no-untyped-def]
    from routing.decompose import polish_applies

    return polish_applies(compile_day(problem).model())


def test_without_vroom_among_the_engines_no_vroom_search_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller who leaves VROOM out gets no VROOM start and no VROOM polish."""
    import routing.vroom_engine as vroom_engine
    from routing.domain import Params
    from routing.engine import portfolio
    from routing.solver import solve

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("VROOM ran")

    monkeypatch.setattr(vroom_engine, "_searched", refuse)
    problem = generate_varied_day(3205, 40)
    assert not any(s.vroom for s in portfolio(compile_day(problem).model(), 2, 0, ("ortools", "pyvrp")))
    result = solve(problem, Params(time_limit_s=2.0, workers=1, engines=("ortools", "pyvrp")))
    assert not result.unserved
