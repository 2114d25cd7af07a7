"""The words the rota pages use: one label per role, kind of slot and part of day, the times of a
part of day, and one sentence per hard rule of the rota library (``rota.checker``)."""

from __future__ import annotations


from foodtrain.models import PartOfDay, RotaRole, SlotKind

ROLE_LABELS = {
    RotaRole.DRIVER: "Driver",
    RotaRole.MATE: "Delivery mate",
    RotaRole.COLLECTOR: "List collector",
    RotaRole.SHOPPER: "Shopper",
    RotaRole.OFFICE: "Office",
    RotaRole.SHADOW: "Shadowing",
}
KIND_LABELS = {
    SlotKind.DELIVERY: "Delivery",
    SlotKind.LIST_COLLECTION: "List collection",
    SlotKind.SHOPPING: "Shopping",
    SlotKind.OFFICE: "Office",
}
PART_LABELS = {PartOfDay.MORNING: "morning", PartOfDay.AFTERNOON: "afternoon", PartOfDay.WHOLE_DAY: "all day"}
# Times shown on personal rotas and in calendar files.
PART_TIMES = {
    PartOfDay.MORNING: ((9, 0), (12, 30)),
    PartOfDay.AFTERNOON: ((13, 0), (16, 30)),
    PartOfDay.WHOLE_DAY: ((9, 0), (16, 30)),
}
RULE_TEXT = {
    "known_ids": "only people and slots of this rota",
    "role_fits_slot": "the role must fit the kind of slot",
    "volunteer_has_role": "a volunteer only does the roles they have",
    "own_branch": "volunteers work in their own branch",
    "only_available_volunteers": "only volunteers available then (weekly availability and dates away)",
    "driver_needs_approval": "a driver must be approved to drive the van",
    "pvg_required_for_customer_contact": "customer-facing work needs a PVG clearance",
    "one_slot_at_a_time": "one slot at a time",
    "two_person_teams": "customer-facing work is done by a team of two (driver + delivery mate)",
    "seats": "no more people than the slot's seats",
    "trainee_with_experienced_partner": "a trainee works with an experienced volunteer",
    "shadow_only_for_trainees": "only a trainee with shadow shifts still to do shadows",
    "shadow_beside_experienced": "a trainee shadows beside experienced volunteers only (a full team on a van)",
    "one_shadow_per_slot": "one trainee shadowing per slot",
    "shadow_shifts_limit": "no more shadow shifts than the trainee still needs",
    "shadow_shifts_before_a_seat": "a trainee does their shadow shifts before taking a seat",
    "shadow_seat": "only a slot with room for a shadowing trainee",
    "never_pair": "never pair people who asked not to work together",
    "weekly_maximum": "nobody works more shifts in a week than their weekly maximum",
}
