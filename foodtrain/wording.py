"""Words the charity uses on its pages, in one place: how good a plan is, dates, job titles.

Coordinators never see solver terms (objective, bound, status codes): a plan or rota is "the best possible"
or "within N % of the best possible", a date is "Thursday 26 November", a week is "the week of 28 December".
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from foodtrain.clock import branch_today

__all__ = [
    "JOB_KINDS",
    "SEARCH_OUTCOME_WORDS",
    "job_title",
    "job_reports_quality",
    "plain_date",
    "plan_quality",
    "route_plan_outcome",
    "search_outcome",
    "sentence_start",
    "week_of",
]

#: Each background job kind: its title, and whether its progress carries a best objective and its bound (the rota's
#: CP-SAT search); the route planner tells its best plan so far (vans, minutes, orders left out) in its stage message.
JOB_KINDS = {"rota_generate": ("Drawing up the rota", True), "route_plan": ("Planning the rounds", False)}

# What a solver's finishing status means to the coordinator.
SEARCH_OUTCOME_WORDS = {
    "optimal": "the best possible",
    "feasible": "a good plan, found in the time given",
    "infeasible": "no plan fits every rule",
    "no_solution": "no plan found in the time given",
    "no_solution_in_time": "no plan found in the time given",
    "unknown": "no plan found in the time given",
}


def plan_quality(cost: float | None, best_possible: float | None) -> str:
    """How close a plan is to the best possible: "the best possible" or "within 3 % of the best possible".

    ``best_possible`` is the solver's proven lower bound on the cost; with no useful bound nothing is claimed.
    """
    if cost is None:
        return "not yet known"
    if best_possible is None or best_possible <= 0:
        return "best found in the time given" if cost > 0 else "the best possible"
    if cost <= best_possible + 1e-9:
        return "the best possible"
    gap_percent = max(1, math.ceil((cost - best_possible) / cost * 100))
    return f"within {gap_percent} % of the best possible"


def search_outcome(status: str | None) -> str:
    """A solver's status in the coordinator's words."""
    return SEARCH_OUTCOME_WORDS.get((status or "").lower(), "finished")


def route_plan_outcome(status: str | None, orders_not_planned: int) -> str:
    """How a day's route plan came out, in the coordinator's words.

    The routing library says "infeasible" when some orders could not be served; the plan itself is still a
    plan of every other order, so the page says how many were left out rather than "no plan fits"."""
    if orders_not_planned:
        return (
            f"{orders_not_planned} order{'' if orders_not_planned == 1 else 's'} could not be fitted in (listed below)"
        )
    if (status or "").lower() in ("optimal", "feasible", "infeasible"):
        return "every order is planned"
    return search_outcome(status)


def plain_date(day: date) -> str:
    """ "Thursday 26 November" (the year only when it is not this year's)."""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == branch_today().year else f"{text} {day.year}"


def week_of(day: date) -> str:
    """ "week of 28 December": the Monday that starts the week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return f"week of {monday.day} {monday:%B}"


def sentence_start(text: str) -> str:
    """Text with its first letter a capital and the rest as it was ("Week of 28 December").

    Jinja's ``capitalize`` lowercases the rest ("Week of 28 december"), which breaks month and place names."""
    return text[:1].upper() + text[1:]


def job_reports_quality(kind: str) -> bool:
    """Whether a job's page shows how close its best so far is to the best possible (:data:`JOB_KINDS`)."""
    return JOB_KINDS.get(kind, ("", False))[1]


def job_title(kind: str) -> str:
    """A background job's title as the coordinator would say it."""
    return JOB_KINDS[kind][0] if kind in JOB_KINDS else kind.replace("_", " ").capitalize()
