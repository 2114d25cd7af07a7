"""A multi-branch solve reports each branch's status; the overall status is the worst branch's."""

from __future__ import annotations

import json

import routing
from rota.greedy import greedy_rota
from rota.jsonio import result_to_json
from rota.solver import BranchOutcome, build_result, worst_status
from rota_factories import make_problem, make_slot, make_volunteer

from rota import Params, Status, solve


def test_worst_status_orders_optimal_feasible_no_solution():
    assert worst_status(["optimal", "optimal"]) == "optimal"
    assert worst_status(["optimal", "feasible"]) == "feasible"
    assert worst_status(["feasible", "no_solution_in_time", "optimal"]) == "no_solution_in_time"
    assert worst_status(["infeasible", "no_solution_in_time"]) == "infeasible"


def test_one_branch_without_a_cp_sat_rota_does_not_hide_the_others_proven_optimal():
    slots = [
        make_slot("east-office", branch="east"),
        make_slot("west-office", branch="west"),
        make_slot("west-office-2", branch="west", resource="office 2"),
    ]
    vols = [make_volunteer("e1", branch="east"), make_volunteer("w1", branch="west", happy_to_do_extra=False)]
    problem = make_problem(slots, vols)
    east, west = problem.for_branch("east"), problem.for_branch("west")
    # west stopped before presolve ended: CP-SAT's bound there means nothing (large and negative)
    outcomes = [
        ("east", BranchOutcome("optimal", greedy_rota(east), 0.0, 0.1, 0.1, 1)),
        ("west", BranchOutcome("no_solution_in_time", greedy_rota(west), -4528209.0, None, 2.0, 2, source="greedy")),
    ]
    result = build_result(problem, Params(), outcomes, t_start=0.0)
    assert result.best_bound == 0.0  # every penalty is >= 0, so no bound below 0 is reported
    assert result.status == "no_solution_in_time"  # the worst branch's
    assert result.status_by_branch == {"east": "optimal", "west": "no_solution_in_time"}
    assert result.status_summary == "west: no solution in time; east: optimal"
    data = result_to_json(result)
    assert data["status_by_branch"] == {"east": "optimal", "west": "no_solution_in_time"}
    # one west seat stays empty (w1 can do one of the two same-time slots); east's is filled
    assert len(result.unfilled) == 1 and result.unfilled[0].slot_id.startswith("west-office")


def test_single_model_status_by_branch():
    problem = make_problem([make_slot("o1")], [make_volunteer("v1")])
    outcomes = [("all", BranchOutcome("optimal", greedy_rota(problem), 0.0, 0.1, 0.1, 1))]
    result = build_result(problem, Params(), outcomes, t_start=0.0)
    assert result.status_by_branch == {"all": "optimal"} and result.status_summary == "optimal"


def test_status_has_routings_names_and_values_and_writes_as_the_bare_strings_did():
    """rota.Status matches routing.Status member for member; as a str Enum it equals, prints and JSON-encodes as
    its value, so results and files written when statuses were bare strings read the same."""
    assert [(s.name, s.value) for s in Status] == [(s.name, s.value) for s in routing.Status]
    for status in Status:
        assert status == status.value and isinstance(status, str)
        assert json.dumps(status) == json.dumps(status.value)
        assert f"{status}" == str(status) == status.value
    assert worst_status([Status.FEASIBLE, "optimal"]) is Status.FEASIBLE


def test_result_statuses_are_status_members_and_the_json_holds_plain_strings():
    """A solved result's statuses are :class:`rota.Status` members; result_to_json gives plain strings."""
    problem = make_problem([make_slot("office")], [make_volunteer("v1")])
    result = solve(problem, Params(time_limit_s=5.0, workers=1))
    assert result.status is Status.OPTIMAL
    assert all(type(status) is Status for status in result.status_by_branch.values())
    assert all(type(branch.status) is Status for branch in result.branches)
    data = result_to_json(result)
    assert type(data["status"]) is str and data["status"] == "optimal"
    assert all(type(status) is str for status in data["status_by_branch"].values())
    assert all(type(branch["status"]) is str for branch in data["branches"])
