"""The solver reports its progress (objective and bound) while it searches, and stops on request."""

from __future__ import annotations

from rota import Params, SearchProgress, solve
from rota.generator import generate


def _problem():
    return generate("typical", seed=1)


def test_progress_reports_objective_not_below_bound() -> None:
    """Every report has an objective at or above its bound; the last matches the result's bound or better."""
    reports: list[SearchProgress] = []
    # 30 s: CP-SAT needs ~2.5 CPU s here, but at load 15 on 2 cores it got ~20 % of a core and had no rota
    # of its own at 10 s (the greedy rota was returned), so the bound comparisons below were never reached
    result = solve(_problem(), Params(time_limit_s=30), on_progress=reports.append)
    assert reports, "no progress was reported"
    assert all(report.bound is None or report.objective >= report.bound - 1e-6 for report in reports)
    assert all(report.elapsed_s >= 0 for report in reports)
    assert result.status in ("optimal", "feasible")
    assert reports[-1].objective >= result.best_bound - 1e-6


def test_first_report_is_a_complete_rota_before_cp_sat() -> None:
    """The first report comes from the greedy rota (no CP-SAT solution yet, so no bound) well before the
    search ends, and its objective is never beaten by a later report's bound."""
    reports: list[SearchProgress] = []
    result = solve(_problem(), Params(time_limit_s=10), on_progress=reports.append)
    first = reports[0]
    assert first.branches_with_solution == 0 and first.bound is None
    assert first.elapsed_s < 3.0  # the greedy rota: ~0.3 s on a quiet core, ~1.2 s at load 14 on 2 cores
    assert [r.objective for r in reports] == sorted((r.objective for r in reports), reverse=True)
    assert result.objective <= first.objective


def test_bound_only_when_every_branch_has_one() -> None:
    """On a four-branch month no report carries a bound until all four branches have a CP-SAT bound,
    and every report's objective covers all branches (a complete rota)."""
    reports: list[SearchProgress] = []
    result = solve(generate("four_branches", seed=0), Params(time_limit_s=8), on_progress=reports.append)
    assert reports
    assert all(r.bound is None for r in reports if r.branches_with_solution < r.branches)
    assert all(r.bound is not None for r in reports if r.branches_with_solution == r.branches)
    # every branch's greedy rota comes before any search, so the first complete rota of the month does not
    # wait for the last branch to get a core (with 2 workers, branches 3 and 4 start after 1 and 2 end)
    assert reports[0].branches_with_solution == 0
    assert result.first_full_rota_s is not None and result.first_full_rota_s <= reports[0].elapsed_s


def test_stop_request_ends_the_search_with_a_rota() -> None:
    """Asked to stop at the first solution, the solver returns that rota rather than searching on."""
    result = solve(_problem(), Params(time_limit_s=30), should_stop=lambda: True)
    assert result.assignments and result.wall_time_s < 20
