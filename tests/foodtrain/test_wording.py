"""The charity's words for plans, dates and jobs (foodtrain.wording)."""

from __future__ import annotations

from datetime import date

import pytest

from foodtrain import wording
from foodtrain.services.planning.storing import PLAN_JOB_KIND
from foodtrain.services.rota import GENERATE_JOB_KIND
from rota.domain import PART_OF_DAY_WORDS


@pytest.mark.parametrize(
    ("cost", "best", "words"),
    [
        (21692, 21692, "the best possible"),
        (21692, 21692.4, "the best possible"),
        (1000, 980, "within 2 % of the best possible"),
        (1000, 999, "within 1 % of the best possible"),
        (34257, 0, "best found in the time given"),
        (0, 0, "the best possible"),
        (None, None, "not yet known"),
    ],
)
def test_plan_quality_in_words(cost, best, words) -> None:
    """A plan is rated against the best possible, rounded up to whole per cent; no claim without a bound."""
    assert wording.plan_quality(cost, best) == words


def test_plain_dates_and_weeks() -> None:
    """Week of the Monday that starts it ("week of 28 December" for New Year's Eve 2026)."""
    assert wording.week_of(date(2026, 12, 31)) == "week of 28 December"
    assert wording.week_of(date(2026, 12, 28)) == "week of 28 December"
    assert wording.plain_date(date(2027, 1, 1)).startswith("Friday 1 January")


def test_every_job_kind_and_part_of_day_has_words() -> None:
    """Job titles and parts of the day never show their code names."""
    assert wording.job_title(GENERATE_JOB_KIND) == "Drawing up the rota"
    assert wording.job_title(PLAN_JOB_KIND) == "Planning the rounds"
    assert PART_OF_DAY_WORDS["whole_day"] == "all day"
    assert wording.search_outcome("feasible") and "feasible" not in wording.search_outcome("feasible")


def test_a_route_plan_with_orders_left_out_says_how_many_not_that_no_plan_fits() -> None:
    """The library's "infeasible" means some orders were left out; the plan of the rest is shown."""
    assert wording.route_plan_outcome("infeasible", 3) == "3 orders could not be fitted in (listed below)"
    assert wording.route_plan_outcome("infeasible", 1).startswith("1 order could not")
    assert wording.route_plan_outcome("feasible", 0) == "every order is planned"
    assert wording.route_plan_outcome("no_solution_in_time", 0) == wording.search_outcome("no_solution_in_time")
