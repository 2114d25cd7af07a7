"""The solver reports its progress (objective and bound) while it searches, and stops on request."""
from __future__ import annotations

from rota import Params, SearchProgress, solve
from rota.generator import generate


def _problem():  # type: ignore[no-untyped-def]
    return generate("typical", seed=1)


def test_progress_reports_objective_not_below_bound() -> None:
    """Every report has an objective at or above its bound; the last matches the result's bound or better."""
    reports: list[SearchProgress] = []
    result = solve(_problem(), Params(time_limit_s=10), on_progress=reports.append)
    assert reports, "no progress was reported"
    assert all(report.objective >= report.bound - 1e-6 for report in reports)
    assert all(report.elapsed_s >= 0 and report.branches_with_solution >= 1 for report in reports)
    assert result.status in ("optimal", "feasible")


def test_stop_request_ends_the_search_with_a_rota() -> None:
    """Asked to stop at the first solution, the solver returns that rota rather than searching on."""
    result = solve(_problem(), Params(time_limit_s=30), should_stop=lambda: True)
    assert result.assignments and result.wall_time_s < 20
