"""Routing core: plan a branch's delivery day with OR-Tools.

Build a :class:`Problem` of frozen dataclasses, call :func:`solve`, read the
:class:`Result`. Benchmark readers, evaluator and runner live in
:mod:`routing.instances`, :mod:`routing.evaluation` and :mod:`routing.benchmark`.
"""

from __future__ import annotations

from routing.domain import (
    Location,
    Order,
    Params,
    Problem,
    Progress,
    Result,
    Route,
    Shop,
    Status,
    Stop,
    TimeWindow,
    Unserved,
    Van,
)
from routing.errors import InstanceFormatError, ProblemError, RoutingError
from routing.solver import solve
from routing.travel import GreatCircleTravel, TravelMatrix, TravelModel

__all__ = [
    "GreatCircleTravel",
    "InstanceFormatError",
    "Location",
    "Order",
    "Params",
    "Problem",
    "ProblemError",
    "Progress",
    "Result",
    "Route",
    "RoutingError",
    "Shop",
    "Status",
    "Stop",
    "TimeWindow",
    "TravelMatrix",
    "TravelModel",
    "Unserved",
    "Van",
    "solve",
]
