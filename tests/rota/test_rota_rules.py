"""One test per rule on two or three hand-built volunteers: each rule can be seen to bind.

Every hard-rule test has a control (the slot is filled when the rule does not
apply) and the binding case (the slot stays empty or goes to someone else).
"""

from __future__ import annotations

import datetime as dt

from rota import Assignment, Month, Slot, Volunteer, Weights, check
from rota_factories import (
    MON,
    THU,
    TUE,
    WED,
    make_history,
    make_problem,
    make_slot,
    make_volunteer,
    members,
    solve_small,
)

# ---------------------------------------------------------------- hard rules


def test_available_volunteer_fills_office_slot():
    """Control: an available, eligible volunteer is rostered (fill every slot)."""
    r = solve_small(make_problem([make_slot("o1")], [make_volunteer("a")]))
    assert r.status == "optimal"
    assert members(r, "o1") == {"a": "office"}
    assert r.unfilled == ()


def test_only_available_volunteers_weekday_pattern():
    """add_only_available_volunteers: not rostered outside their weekday x half-day pattern."""
    only_afternoons = frozenset((d, "afternoon") for d in range(7))
    p = make_problem(
        [make_slot("o1", part_of_day="morning"), make_slot("o2", part_of_day="afternoon", date=WED)],
        [make_volunteer("a", availability=only_afternoons, wished_shifts_per_month=2)],
    )
    r = solve_small(p)
    assert members(r, "o1") == {}
    assert members(r, "o2") == {"a": "office"}
    assert "not available Tue morning" in r.unfilled[0].reason


def test_only_available_volunteers_never_on_dates_away():
    """add_only_available_volunteers: never rostered on a date away."""
    p = make_problem([make_slot("o1")], [make_volunteer("a", dates_away=frozenset({TUE}))])
    r = solve_small(p)
    assert r.assignments == ()
    assert "1 away" in r.unfilled[0].reason


def test_whole_day_slot_needs_both_halves():
    """add_only_available_volunteers: a whole-day slot needs morning and afternoon availability."""
    mornings = frozenset((d, "morning") for d in range(7))
    p = make_problem([make_slot("o1", part_of_day="whole_day")], [make_volunteer("a", availability=mornings)])
    assert solve_small(p).assignments == ()


def test_one_slot_at_a_time():
    """add_one_slot_at_a_time: one person cannot cover two overlapping slots (whole day overlaps morning)."""
    p = make_problem(
        [make_slot("o1", part_of_day="whole_day"), make_slot("o2", resource="desk 2")],
        [make_volunteer("a", wished_shifts_per_month=2)],
    )
    r = solve_small(p)
    assert len(r.assignments) == 1
    assert "already on another slot" in r.unfilled[0].reason


def test_morning_and_afternoon_same_day_allowed():
    """Control for one-slot-at-a-time: morning and afternoon slots do not clash."""
    p = make_problem(
        [make_slot("o1", part_of_day="morning"), make_slot("o2", part_of_day="afternoon")],
        [make_volunteer("a", wished_shifts_per_month=2)],
    )
    assert len(solve_small(p).assignments) == 2


def test_two_person_teams_no_half_team_goes_out():
    """add_two_person_teams: a driver alone never goes out; the slot stays empty."""
    p = make_problem([make_slot("v1", kind="delivery")], [make_volunteer("a", roles=frozenset({"driver"}))])
    r = solve_small(p)
    assert r.assignments == ()
    assert r.unfilled[0].seats_missing == 2
    assert "no delivery mate" in r.unfilled[0].reason
    assert "1 free approved driver cannot go out alone" in r.unfilled[0].reason


def test_two_person_teams_driver_and_mate():
    """add_two_person_teams: a delivery team is exactly one driver and one delivery mate."""
    p = make_problem([make_slot("v1", kind="delivery")], [make_volunteer("a"), make_volunteer("b")])
    r = solve_small(p)
    assert sorted(members(r, "v1").values()) == ["delivery_mate", "driver"]


def test_two_person_teams_list_collection_needs_two():
    """add_two_person_teams: one list collector alone leaves the collection round empty."""
    one = make_problem([make_slot("l1", kind="list_collection")], [make_volunteer("a")])
    two = make_problem([make_slot("l1", kind="list_collection")], [make_volunteer("a"), make_volunteer("b")])
    assert solve_small(one).assignments == ()
    assert len(solve_small(two).assignments) == 2


def test_driver_needs_approval():
    """add_driver_needs_approval: a volunteer with the driver role but no approval never drives."""
    unapproved = make_problem(
        [make_slot("v1", kind="delivery")],
        [make_volunteer("a", driver_approved=False), make_volunteer("b", roles=frozenset({"delivery_mate"}))],
    )
    r = solve_small(unapproved)
    assert r.assignments == ()
    assert "no free approved driver: of 1 driver, 1 not approved to drive" in r.unfilled[0].reason
    approved = make_problem(
        [make_slot("v1", kind="delivery")],
        [make_volunteer("a"), make_volunteer("b", roles=frozenset({"delivery_mate"}))],
    )
    assert members(solve_small(approved), "v1") == {"a": "driver", "b": "delivery_mate"}


def test_pvg_required_for_customer_contact():
    """add_pvg_required_for_customer_contact: pending PVG, or cleared after the date, keeps them off deliveries."""
    for status, date in (("pending", None), ("cleared", WED), ("not_needed", None)):
        p = make_problem(
            [make_slot("v1", kind="delivery")],
            [make_volunteer("a"), make_volunteer("b", pvg_status=status, pvg_date=date)],
        )
        r = solve_small(p)
        assert r.assignments == (), status
        assert "not PVG-cleared" in r.unfilled[0].reason


def test_pvg_not_needed_in_the_office():
    """Control for PVG: office cover is not customer-facing, a pending PVG is fine."""
    p = make_problem([make_slot("o1")], [make_volunteer("a", pvg_status="pending", pvg_date=None)])
    assert members(solve_small(p), "o1") == {"a": "office"}


def test_trainee_with_experienced_partner():
    """add_trainee_with_experienced_partner: two trainees never form a team; trainee + experienced does."""
    trainees = make_problem(
        [make_slot("v1", kind="delivery")], [make_volunteer("a", trainee=True), make_volunteer("b", trainee=True)]
    )
    r = solve_small(trainees)
    assert r.assignments == ()
    assert "no two of them may work together" in r.unfilled[0].reason
    mixed = make_problem([make_slot("v1", kind="delivery")], [make_volunteer("a", trainee=True), make_volunteer("b")])
    assert len(solve_small(mixed).assignments) == 2


def test_trainee_never_alone_in_single_seat_slot():
    """add_trainee_with_experienced_partner: a trainee cannot cover a one-person office slot alone."""
    p = make_problem([make_slot("o1")], [make_volunteer("t", trainee=True, shadow_shifts_needed=3)])
    assert solve_small(p).assignments == ()


def test_never_pair():
    """add_never_pair: a driver who must never work with mate b gets mate c instead; with only b, nobody goes."""
    vols = [
        make_volunteer("a", roles=frozenset({"driver"}), never_partners=frozenset({"b"})),
        make_volunteer("b", roles=frozenset({"delivery_mate"}), wished_shifts_per_month=4),
        make_volunteer("c", roles=frozenset({"delivery_mate"}), wished_shifts_per_month=0),
    ]
    r = solve_small(make_problem([make_slot("v1", kind="delivery")], vols))
    assert members(r, "v1") == {"a": "driver", "c": "delivery_mate"}
    r2 = solve_small(make_problem([make_slot("v1", kind="delivery")], vols[:2]))
    assert r2.assignments == ()


def test_never_pair_is_symmetric():
    """add_never_pair: the wish of either person is enough (listed only on b's side here)."""
    vols = [
        make_volunteer("a", roles=frozenset({"driver"})),
        make_volunteer("b", roles=frozenset({"delivery_mate"}), never_partners=frozenset({"a"})),
    ]
    assert solve_small(make_problem([make_slot("v1", kind="delivery")], vols)).assignments == ()


def test_weekly_maximum():
    """add_weekly_maximum: at most max_shifts_per_week in one ISO week, even when slots are free."""
    slots = [make_slot("o1", date=TUE), make_slot("o2", date=WED), make_slot("o3", date=dt.date(2027, 3, 9))]
    r = solve_small(make_problem(slots, [make_volunteer("a", wished_shifts_per_month=3, max_shifts_per_week=1)]))
    assert len(r.assignments) == 2  # one in week 1, one in week 2
    assert any("weekly maximum" in u.reason for u in r.unfilled)


def test_weekly_maximum_counts_last_month_in_same_week():
    """add_weekly_maximum: last month's shift on Mon 29 Mar counts in the ISO week of Fri 2 Apr."""
    april = Month(2027, 4)  # Thursday 1 April: the first week straddles the months
    slot = make_slot("o1", date=dt.date(2027, 4, 2))
    same_week = [make_history("a", dt.date(2027, 3, 29), kind="office", resource="office 1", role="office")]
    week_before = [make_history("a", dt.date(2027, 3, 26), kind="office", resource="office 1", role="office")]
    vols = [make_volunteer("a", max_shifts_per_week=1)]
    assert solve_small(make_problem([slot], vols, same_week, month=april)).assignments == ()
    assert len(solve_small(make_problem([slot], vols, week_before, month=april)).assignments) == 1


# ---------------------------------------------------------------- soft rules


def test_wished_frequency_not_more_than_wished():
    """penalise_wished_frequency: the volunteer who wished for 2 takes both shifts, not the one who wished 0."""
    slots = [make_slot("o1", date=TUE), make_slot("o2", date=WED)]
    r = solve_small(
        make_problem(
            slots, [make_volunteer("a", wished_shifts_per_month=2), make_volunteer("b", wished_shifts_per_month=0)]
        )
    )
    assert {a.volunteer_id for a in r.assignments} == {"a"}


def test_overload_is_spread():
    """penalise_wished_frequency (convex over-wish): unavoidable extra shifts are shared, not piled on one person."""
    slots = [make_slot(f"o{i}", date=dt.date(2027, 3, 1 + i)) for i in range(4)]
    r = solve_small(
        make_problem(
            slots, [make_volunteer("a", wished_shifts_per_month=0), make_volunteer("b", wished_shifts_per_month=0)]
        )
    )
    assert sorted(ld.shifts for ld in r.loads) == [2, 2]


def test_fair_load_carries_over_last_month():
    """penalise_unfair_load: with one slot and equal wishes, it goes to whoever had less last month."""
    hist = [make_history("a", dt.date(2027, 2, 9), kind="office", resource="office 9", role="office")]
    r = solve_small(make_problem([make_slot("o1")], [make_volunteer("a"), make_volunteer("b")], hist))
    assert members(r, "o1") == {"b": "office"}


def test_stable_rounds_prefers_last_months_regular():
    """penalise_unstable_rounds: the driver who did this van on Tuesdays last month keeps the round."""
    hist = [make_history("b", dt.date(2027, 2, 23), kind="delivery", resource="delivery 1", role="driver")]
    vols = [
        make_volunteer("a", roles=frozenset({"driver"})),
        make_volunteer("b", roles=frozenset({"driver"})),
        make_volunteer("m", roles=frozenset({"delivery_mate"})),
    ]
    hist.append(make_history("a", dt.date(2027, 2, 23), kind="delivery", resource="delivery 9", role="driver"))
    r = solve_small(make_problem([make_slot("v1", kind="delivery")], vols, hist))
    assert members(r, "v1")["b"] == "driver"


def test_stable_rounds_week_to_week_without_history():
    """penalise_unstable_rounds: without history, the same driver does the round in consecutive weeks."""
    slots = [make_slot("v1", kind="delivery", date=TUE), make_slot("v2", kind="delivery", date=dt.date(2027, 3, 9))]
    vols = [
        make_volunteer("a", roles=frozenset({"driver"})),
        make_volunteer("b", roles=frozenset({"driver"}), wished_shifts_per_month=1),
        make_volunteer("m", roles=frozenset({"delivery_mate"}), wished_shifts_per_month=2),
    ]
    heavy = Weights(stable_rounds=100)
    r = solve_small(make_problem(slots, vols), weights=heavy)
    drivers = [a.volunteer_id for a in r.assignments if a.role == "driver"]
    assert len(drivers) == 2 and len(set(drivers)) == 1


def test_preferred_partners_together():
    """penalise_missing_preferred_partners: driver a is teamed with the mate they prefer."""
    vols = [
        make_volunteer("a", roles=frozenset({"driver"}), preferred_partners=frozenset({"c"})),
        make_volunteer("b", roles=frozenset({"delivery_mate"})),
        make_volunteer("c", roles=frozenset({"delivery_mate"})),
    ]
    for order in (vols, vols[::-1]):
        r = solve_small(make_problem([make_slot("v1", kind="delivery")], order))
        assert members(r, "v1") == {"a": "driver", "c": "delivery_mate"}


def test_preferred_days():
    """penalise_non_preferred_days: with one shift to give, it lands on the preferred weekday."""
    slots = [make_slot("o1", date=TUE), make_slot("o2", date=WED)]
    vols = [make_volunteer("a", preferred_weekdays=frozenset({2}), max_shifts_per_week=1)]
    r = solve_small(make_problem(slots, vols))
    assert members(r, "o2") == {"a": "office"}


def test_consecutive_days():
    """penalise_too_many_consecutive_days: a volunteer who likes 1 day in a row does not do Mon and Tue."""
    slots = [make_slot("o1", date=MON), make_slot("o2", date=TUE)]
    vols = [
        make_volunteer("a", wished_shifts_per_month=2, max_consecutive_days=1),
        make_volunteer("b", wished_shifts_per_month=0),
    ]
    plain = solve_small(make_problem(slots, vols), weights=Weights(consecutive_days=0))
    assert {a.volunteer_id for a in plain.assignments} == {"a"}
    r = solve_small(make_problem(slots, vols), weights=Weights(consecutive_days=200))
    assert {a.volunteer_id for a in r.assignments} == {"a", "b"}


def test_trainee_shadow_shifts():
    """penalise_missing_shadow_shifts: the trainee shadows the experienced team (the shadow seat, not the mate's);
    with the weight at 0 nothing rewards it (and nothing else needs it here)."""
    vols = [
        make_volunteer("d", roles=frozenset({"driver"})),
        make_volunteer("t", roles=frozenset({"delivery_mate"}), trainee=True, shadow_shifts_needed=1),
        make_volunteer("m", roles=frozenset({"delivery_mate"})),
    ]
    r = solve_small(make_problem([make_slot("v1", kind="delivery")], vols), weights=Weights(shadow_shift=100))
    assert members(r, "v1") == {"d": "driver", "m": "delivery_mate", "t": "shadow"}
    assert r.objective_by_rule["trainee_shadow_shifts"] == 0
    none = solve_small(
        make_problem([make_slot("v1", kind="delivery")], vols), weights=Weights(shadow_shift=0, under_wish=0)
    )
    assert none.seats_filled == 2


def test_hand_built_results_pass_checker():
    """The independent checker agrees with the model on a mixed hand-built month."""
    slots = [
        make_slot("v1", kind="delivery"),
        make_slot("l1", kind="list_collection", date=MON),
        make_slot("s1", kind="shopping", seats=2),
        make_slot("o1", date=WED),
    ]
    vols = [make_volunteer(x) for x in "abcde"]
    p = make_problem(slots, vols)
    r = solve_small(p)
    assert check(p, r.assignments) == []
    assert r.status == "optimal"


def test_volunteers_stay_in_their_branch():
    """add_only_volunteers_with_the_role: a volunteer is never rostered in another branch, even when free."""
    p = make_problem(
        [make_slot("o1", branch="north"), make_slot("o2", branch="south")],
        [make_volunteer("a", branch="north", wished_shifts_per_month=2)],
    )
    r = solve_small(p)
    assert members(r, "o1") == {"a": "office"}
    assert members(r, "o2") == {}
    assert "no office volunteer in branch south" in r.unfilled[0].reason


def test_branches_solved_in_parallel_match_one_at_a_time():
    """Branch decomposition and the two-thread schedule give the same optimum as one model."""
    from rota.generator import generate

    p = generate("tiny", 5)
    two = make_problem(
        [s for s in p.slots] + [Slot(**{**s.__dict__, "id": "b-" + s.id, "branch": "b"}) for s in p.slots],
        [v for v in p.volunteers]
        + [
            Volunteer(
                **{
                    **v.__dict__,
                    "id": "b-" + v.id,
                    "branch": "b",
                    "preferred_partners": frozenset("b-" + x for x in v.preferred_partners),
                    "never_partners": frozenset("b-" + x for x in v.never_partners),
                }
            )
            for v in p.volunteers
        ],
        month=p.month,
    )
    # a generous limit: the proof takes well under a second on a quiet machine but can miss 5 s on a loaded one
    parallel = solve_small(two, workers=2, time_limit_s=60.0)
    serial = solve_small(two, workers=1, time_limit_s=60.0)
    whole = solve_small(two, decompose_by_branch=False, time_limit_s=60.0)
    assert parallel.status == serial.status == whole.status == "optimal"
    assert parallel.objective == serial.objective == whole.objective
    assert {b.branch for b in parallel.branches} == {"main", "b"}
    assert check(two, parallel.assignments) == []


def test_wished_frequency_is_a_hard_maximum():
    """A volunteer who offered 1 shift gets at most 1 even with 3 empty slots; happy_to_do_extra lifts the cap
    (and both rotas pass the independent checker, which knows the rule)."""

    slots = [make_slot(f"o{i}", date=d) for i, d in enumerate((TUE, WED, THU))]
    capped = make_problem(slots, [make_volunteer("a", wished_shifts_per_month=1, happy_to_do_extra=False)])
    r = solve_small(capped)
    assert r.seats_filled == 1 and check(capped, r.assignments) == []
    assert any("as many shifts this month as they offered" in u.reason for u in r.unfilled)
    extra = make_problem(slots, [make_volunteer("a", wished_shifts_per_month=1, happy_to_do_extra=True)])
    assert solve_small(extra).seats_filled == 3
    bad = [Assignment(s.id, "office", "a") for s in slots]
    assert [v.rule for v in check(capped, bad)] == ["monthly_maximum"]
