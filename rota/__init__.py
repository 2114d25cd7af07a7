"""Month-ahead volunteer rota with two-person teams (OR-Tools CP-SAT). Pure library."""

from __future__ import annotations

from .checker import Violation, check, fillable_seats
from .domain import (
    SHADOW_ROLE,
    Assignment,
    DateOutsideMonthError,
    DuplicateIdError,
    History,
    HistoryAssignment,
    Month,
    NegativeCountError,
    Params,
    RotaError,
    RotaInputError,
    RotaProblem,
    Slot,
    Status,
    UnknownVolunteerError,
    Volunteer,
    Weights,
    wished_shifts_from_frequency,
)
from .explain import UnfilledSlot
from .greedy import greedy_rota
from .repair import Change, RepairResult, repair
from .solver import BranchStats, RotaResult, SearchProgress, Team, VolunteerLoad, solve

__all__ = [
    "SHADOW_ROLE",
    "Assignment",
    "BranchStats",
    "Change",
    "RepairResult",
    "repair",
    "DateOutsideMonthError",
    "DuplicateIdError",
    "History",
    "HistoryAssignment",
    "Month",
    "NegativeCountError",
    "Params",
    "RotaError",
    "RotaInputError",
    "RotaProblem",
    "RotaResult",
    "SearchProgress",
    "Slot",
    "Status",
    "Team",
    "UnfilledSlot",
    "UnknownVolunteerError",
    "Violation",
    "Volunteer",
    "VolunteerLoad",
    "Weights",
    "check",
    "fillable_seats",
    "greedy_rota",
    "solve",
    "wished_shifts_from_frequency",
]
