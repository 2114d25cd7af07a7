"""The month-ahead rota: generate (background job), look at, edit, publish, repair and export.

The rota library (``rota``) does the thinking; this package reads its inputs
from the database (:mod:`foodtrain.services.rota_problem`), stores its answers,
and checks every manual change with the library's independent checker.
Transactions stay short: the solver never runs while a transaction is open.

One question per module: :mod:`.generate` (the background job), :mod:`.views`
(what the pages show), :mod:`.edit` (checked hand edits), :mod:`.publish`,
:mod:`.repair` (after a drop-out), :mod:`.teams` (the published teams of a day),
:mod:`.shifts` (a volunteer's own rota), :mod:`.labels` and :mod:`.store`
(loading, scoring and committing a stored rota), :mod:`.shadow`
(shadow shifts done count down, once). Importing the package
registers the generation job kind.
"""

from __future__ import annotations

from foodtrain.services.rota.edit import (
    SlotEditor,
    Seat,
    VolunteerChoice,
    get_slot_editor,
    swap_assignments,
    update_slot,
)
from foodtrain.services.rota.generate import (
    DEFAULT_TIME_LIMIT_S,
    GENERATE_JOB_KIND,
    MAX_TIME_LIMIT_S,
    MIN_TIME_LIMIT_S,
    GenerationStart,
    active_generation_job,
    generate_rota_job,
    job_actor,
    parse_month,
    start_generation,
)
from foodtrain.services.rota.labels import KIND_LABELS, PART_LABELS, PART_TIMES, ROLE_LABELS, RULE_TEXT
from foodtrain.services.rota.publish import publish_rota
from foodtrain.services.rota.repair import REPAIR_TIME_LIMIT_S, RepairOutcome, repair_after_dropout, rota_volunteers
from foodtrain.services.rota.shifts import Shift, VolunteerRota, volunteer_rota
from foodtrain.services.rota.store import StaleRotaError
from foodtrain.services.rota.teams import VanTeam, month_start, published_rota_id, teams_for_date
from foodtrain.services.rota.views import (
    ChangeView,
    DayView,
    RotaSummary,
    RotaView,
    SeatView,
    SlotView,
    StaffingSummary,
    get_rota,
    list_rotas,
)

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "GENERATE_JOB_KIND",
    "KIND_LABELS",
    "MAX_TIME_LIMIT_S",
    "MIN_TIME_LIMIT_S",
    "PART_LABELS",
    "PART_TIMES",
    "REPAIR_TIME_LIMIT_S",
    "ROLE_LABELS",
    "RULE_TEXT",
    "ChangeView",
    "DayView",
    "GenerationStart",
    "RepairOutcome",
    "RotaSummary",
    "RotaView",
    "Seat",
    "SeatView",
    "Shift",
    "SlotEditor",
    "SlotView",
    "StaffingSummary",
    "StaleRotaError",
    "VanTeam",
    "VolunteerChoice",
    "VolunteerRota",
    "active_generation_job",
    "generate_rota_job",
    "get_rota",
    "get_slot_editor",
    "job_actor",
    "list_rotas",
    "month_start",
    "parse_month",
    "publish_rota",
    "published_rota_id",
    "repair_after_dropout",
    "rota_volunteers",
    "start_generation",
    "swap_assignments",
    "teams_for_date",
    "update_slot",
    "volunteer_rota",
]
