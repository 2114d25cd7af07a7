"""Where personal data lives: every text column of every table, classified by hand.

Erasure and the subject access export read this map and nothing else, so a
person's data is found by rules written down here, not by following foreign keys
(which reached other people's rows through `users` and import batches). A test
fails when a table gains a text column that is in neither PERSONAL nor
NOT_PERSONAL: whoever adds it decides here how it is erased and exported.

Treatments (how a value is erased):
- MARK: replaced by "(erased)" (names, so lists still show a row was there);
- BLANK: emptied ("" or NULL, as the column allows);
- DISTRICT: a postcode cut to its outward code (kept for anonymous statistics);
- ERASED_ID: replaced by "erased-<id>" (unique columns such as a username).
A column is left out of the export when `exported` is False (secrets and ciphertext).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Mapping


class Treatment(Enum):
    MARK = "mark"
    BLANK = "blank"
    DISTRICT = "district"
    ERASED_ID = "erased_id"


@dataclass(frozen=True)
class Personal:
    treatment: Treatment
    exported: bool = True


MARK, BLANK, DISTRICT, ERASED_ID = (
    Personal(Treatment.MARK),
    Personal(Treatment.BLANK),
    Personal(Treatment.DISTRICT),
    Personal(Treatment.ERASED_ID),
)
SECRET = Personal(Treatment.BLANK, exported=False)  # erased, and never put in an export

# table -> column -> how it is erased. Only text columns need a line; dates and numbers are handled by
# the erasure code next to the status rules (services/privacy.py).
PERSONAL: Mapping[str, Mapping[str, Personal]] = MappingProxyType(
    {
        "customers": {
            "first_name": MARK,
            "last_name": MARK,
            "address_line1": MARK,
            "address_line2": BLANK,
            "town": BLANK,
            "postcode": DISTRICT,
            "phone": BLANK,
            "eligibility_override_reason": BLANK,
            "referred_by": BLANK,
            "pause_reason": BLANK,
            "end_reason": BLANK,
            "access_notes": BLANK,
            "key_safe_code_encrypted": SECRET,
        },
        "orders": {"notes": BLANK, "not_delivered_reason": BLANK},
        "order_lines": {"item": MARK, "notes": BLANK},
        "volunteers": {
            "first_name": MARK,
            "last_name": MARK,
            "email": BLANK,
            "phone": BLANK,
            "postcode": DISTRICT,
            "pvg_reference": BLANK,
        },
        "volunteer_absences": {"reason": BLANK},
        "volunteer_calendar_tokens": {"token_sha256": SECRET},
        "rota_changes": {"note": BLANK},
        "referrals": {
            "referrer_name": BLANK,
            "referrer_contact": BLANK,
            "decline_reason": MARK,
            "notes": BLANK,
        },  # MARK: a declined referral keeps a reason
        "extra_jobs": {"details": BLANK, "completion_notes": BLANK, "cancel_reason": BLANK},
        "befriending_wishes": {"interests": BLANK, "preferred_gender": BLANK, "language": BLANK, "notes": BLANK},
        "befriending_matches": {"end_reason": MARK},  # MARK: an ended match keeps a reason
        "befriending_contacts": {"notes": BLANK},
        "befriending_reviews": {"notes": BLANK},
        "outcome_surveys": {"comments": BLANK},
        # The team's names as planned (to notice rota changes): see VOLUNTEER_NAME_IN.
        "route_rounds": {"team_text": BLANK},
        # Why a seat stayed empty, which may name the one volunteer who was free: see VOLUNTEER_NAME_IN.
        "rota_slots": {"unfilled_reason": BLANK},
        "volunteer_support_profiles": {"gender": BLANK, "languages": BLANK, "interests": BLANK},
        "users": {
            "username": ERASED_ID,
            "display_name": MARK,
            "password_hash": SECRET,
            "totp_secret_encrypted": SECRET,
        },
    }
)

# table -> text columns that hold no personal data (and why, where it is not obvious).
NOT_PERSONAL: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "branches": frozenset({"name", "code", "base_name", "base_postcode"}),
        "branch_map_settings": frozenset({"tile_url"}),  # the branch's map tile server, not about a person
        "people_form_tokens": frozenset({"token", "action"}),
        "shops": frozenset({"name", "address", "postcode"}),  # businesses
        "vans": frozenset({"name", "registration"}),  # the charity's vans
        # Ids, actions and field names only (never values: see services/audit.py); the username of staff.
        "audit_events": frozenset({"username", "action", "entity_type", "detail", "remote_address"}),
        "background_jobs": frozenset(
            {"kind", "parameters_json", "progress_json", "result_json", "error_message", "worker_id"}
        ),
        # A batch's rows are deleted when it is confirmed or cancelled; what is kept is the file name and counts.
        "import_batches": frozenset({"token", "kind", "filename", "status", "rows_json"}),
        "rotas": frozenset({"solver_status", "objective_json"}),
        "route_plans": frozenset({"solver_status"}),
        "user_sessions": frozenset({"token_sha256", "end_reason"}),
        "rota_slots": frozenset({"key", "resource"}),
        "route_stops": frozenset({"kind"}),
        "orders": frozenset({"cancelled_from_status"}),
        "route_unplanned": frozenset({"reason"}),  # why the solver could not fit it: capacity, time
        "rota_changes": frozenset({"slot_label"}),
        "shadow_shifts": frozenset({"slot_label"}),  # date, van or shop and part of day
        "extra_task_types": frozenset({"name"}),  # the branch's list of job kinds
        "branch_day_overrides": frozenset({"reason"}),  # why a branch closes or opens a day (holiday, weather)
        "van_service_breaks": frozenset({"reason"}),  # why a van is off the road (MOT, repairs)
        "shop_closures": frozenset({"reason"}),  # why a shop is closed (refit, no longer a partner)
        "referrals": frozenset({"service", "source", "outcome"}),  # choices from fixed lists
        "extra_jobs": frozenset({"urgency", "status", "part_of_day", "payment_method"}),
        "befriending_wishes": frozenset({"part_of_day"}),
        "befriending_matches": frozenset({"part_of_day", "status"}),
        "befriending_contacts": frozenset({"kind"}),
    }
)


@dataclass(frozen=True)
class Link:
    """How the rows of `table` belonging to one person are found: `column` holds the person's id, or the id
    of a row of `via` whose `via_column` does (one hop, e.g. an order's lines through the order)."""

    table: str
    columns: tuple[str, ...]
    via: str | None = None
    via_column: str | None = None


CUSTOMER, VOLUNTEER = "customer", "volunteer"

# The person's own rows, and only those (the export follows exactly these; no foreign-key walk).
SUBJECT_ROWS: Mapping[str, tuple[Link, ...]] = MappingProxyType(
    {
        CUSTOMER: (
            Link("customers", ("id",)),
            Link("customer_support_needs", ("customer_id",)),
            Link("membership_payments", ("customer_id",)),
            Link("orders", ("customer_id",)),
            Link("order_lines", ("order_id",), via="orders", via_column="customer_id"),
            Link("referrals", ("customer_id",)),
            Link("extra_jobs", ("customer_id",)),
            Link("befriending_wishes", ("customer_id",)),
            Link("befriending_matches", ("customer_id",)),
            Link("befriending_contacts", ("match_id",), via="befriending_matches", via_column="customer_id"),
            Link("befriending_reviews", ("match_id",), via="befriending_matches", via_column="customer_id"),
            Link("outcome_surveys", ("customer_id",)),
        ),
        VOLUNTEER: (
            Link("volunteers", ("id",)),
            Link("volunteer_roles", ("volunteer_id",)),
            Link("volunteer_availability", ("volunteer_id",)),
            Link("volunteer_absences", ("volunteer_id",)),
            Link("volunteer_partner_preferences", ("volunteer_id",)),
            Link("volunteer_calendar_tokens", ("volunteer_id",)),
            Link("rota_assignments", ("volunteer_id",)),
            Link("rota_changes", ("old_volunteer_id", "new_volunteer_id")),
            Link("shadow_shifts", ("volunteer_id",)),
            Link("users", ("volunteer_id",)),
            Link("volunteer_skills", ("volunteer_id",)),
            Link("volunteer_support_profiles", ("volunteer_id",)),
        ),
    }
)


# Rows that are someone else's but name the person as the one doing the work: the person's export holds only the
# listed columns of them (when, and in what state; nothing of the other person's data, as with the EXTRA jobs a
# volunteer is given, which are not exported at all). Erasure leaves these rows to the other person's erasure.
# kind -> ((rows, columns exported), ...)
EXPORTED_AS_WORKER: Mapping[str, tuple[tuple[Link, tuple[str, ...]], ...]] = MappingProxyType(
    {
        CUSTOMER: (),
        VOLUNTEER: (
            (
                Link("befriending_matches", ("volunteer_id",)),  # the volunteer as befriender
                (
                    "id",
                    "started_on",
                    "weekday",
                    "part_of_day",
                    "review_every_months",
                    "next_review_on",
                    "status",
                    "ended_on",
                ),
            ),
        ),
    }
)


@dataclass(frozen=True)
class FreeText:
    """Text columns of `table` that may name a person (a volunteer or a customer); the branch is `table`'s own branch_id, or that of the
    row of `branch_via` its `key` points at."""

    columns: tuple[str, ...]
    branch_via: str | None = None
    key: str | None = None


# Text that may name a volunteer in rows that are not theirs: written by the app from their name (a round's
# team, why a rota seat stayed empty) or typed by staff (a rota change note, an order's notes, a job's notes).
# A volunteer's erasure replaces their name(s) in every such text of their branch (services/privacy.py,
# text_without_names); the rest of the text, someone else's record, stays. table -> FreeText.
VOLUNTEER_NAME_IN: Mapping[str, FreeText] = MappingProxyType(
    {
        "route_rounds": FreeText(("team_text",), "route_plans", "plan_id"),
        "rota_slots": FreeText(("unfilled_reason",), "rotas", "rota_id"),
        "rota_changes": FreeText(("note",), "rotas", "rota_id"),
        "orders": FreeText(("notes", "not_delivered_reason")),
        "order_lines": FreeText(("notes",), "orders", "order_id"),
        "customers": FreeText(("access_notes", "pause_reason", "end_reason", "referred_by")),
        "referrals": FreeText(("referrer_name", "notes", "decline_reason")),
        "extra_jobs": FreeText(("details", "completion_notes", "cancel_reason")),
        "befriending_wishes": FreeText(("notes",)),
        "befriending_matches": FreeText(("end_reason",)),
        "befriending_contacts": FreeText(("notes",), "befriending_matches", "match_id"),
        "befriending_reviews": FreeText(("notes",), "befriending_matches", "match_id"),
        "outcome_surveys": FreeText(("comments",)),
        "volunteer_absences": FreeText(("reason",), "volunteers", "volunteer_id"),
    }
)


# Rows of VOLUNTEER_NAME_IN that are about the volunteer (linked to them by id): there their first name alone
# also means them ("Margaret says ring twice" in a visit note of Margaret's match), so it is erased too; elsewhere
# it may be anyone's and stays (issue 15). table -> Link to the volunteer.
VOLUNTEER_OWN_TEXT: Mapping[str, Link] = MappingProxyType(
    {
        "extra_jobs": Link("extra_jobs", ("volunteer_id",)),
        "befriending_matches": Link("befriending_matches", ("volunteer_id",)),
        "befriending_contacts": Link(
            "befriending_contacts", ("match_id",), via="befriending_matches", via_column="volunteer_id"
        ),
        "befriending_reviews": Link(
            "befriending_reviews", ("match_id",), via="befriending_matches", via_column="volunteer_id"
        ),
    }
)


# Text that may name a customer in rows that are not theirs, typed by staff: another customer's order or access
# note ("Ring Margaret Campbell next door"), a befriending visit note, a rota change note, an EXTRA job's details.
# A customer's erasure replaces their full name in every such text of their branch, by the same rule as a
# volunteer's (services/privacy.py, text_without_names). Not the texts the app writes from volunteers' names
# (a round's team, why a rota seat stayed empty). table -> FreeText.
CUSTOMER_NAME_IN: Mapping[str, FreeText] = MappingProxyType(
    {
        # the same staff-typed texts as a volunteer's, less the two the app writes from volunteers' names
        **{table: text for table, text in VOLUNTEER_NAME_IN.items() if table not in ("route_rounds", "rota_slots")},
        "customers": FreeText((*VOLUNTEER_NAME_IN["customers"].columns, "eligibility_override_reason")),
    }
)

# Rows of CUSTOMER_NAME_IN that are the customer's own (their SUBJECT_ROWS): there their first name alone also
# means them, as for a volunteer (VOLUNTEER_OWN_TEXT); elsewhere it stays. table -> Link to the customer.
CUSTOMER_OWN_TEXT: Mapping[str, Link] = MappingProxyType(
    {link.table: link for link in SUBJECT_ROWS[CUSTOMER] if link.table in CUSTOMER_NAME_IN}
)


# Tables whose rows of the person are deleted at erasure (nothing in them is needed for statistics).
DELETED_AT_ERASURE = frozenset(
    {
        "customer_support_needs",
        "volunteer_availability",
        "volunteer_absences",
        "volunteer_partner_preferences",
        "volunteer_calendar_tokens",
        "volunteer_skills",
        "volunteer_support_profiles",
    }
)


def text_columns_unclassified(tables: Mapping[str, object]) -> list[str]:
    """'table.column' for every text column in neither PERSONAL nor NOT_PERSONAL (`tables`: metadata.tables)."""
    from sqlalchemy import Enum as SqlEnum
    from sqlalchemy import String, Text

    missing = []
    for name, table in tables.items():
        for column in table.columns:  # type: ignore[attr-defined]  # tables maps names to Table or FromClause; only Tables are listed
            if isinstance(column.type, (String, Text)) and not isinstance(column.type, SqlEnum):
                if column.name not in PERSONAL.get(name, {}) and column.name not in NOT_PERSONAL.get(name, ()):
                    missing.append(f"{name}.{column.name}")
    return missing
