"""Demo data for the services beyond groceries, for every demo branch: the EXTRA price list, volunteers' skills
and befriending profiles, referrals (waiting, accepted, declined), EXTRA jobs (requested, scheduled, completed),
a befriending match with visits and a review, and outcome surveys. Seeded, so every load is the same."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import (
    Branch,
    Customer,
    CustomerStatus,
    DayPart,
    PaymentMethod,
    PvgStatus,
    ReferralSource,
    Volunteer,
)
from foodtrain.models.support import (
    BefriendingContact,
    BefriendingMatch,
    BefriendingReview,
    BefriendingWish,
    ContactKind,
    ExtraJob,
    ExtraJobStatus,
    ExtraPrice,
    ExtraTaskType,
    ExtraUrgency,
    Gender,
    OutcomeSurvey,
    Referral,
    ReferralOutcome,
    SupportService,
    VolunteerSkill,
    VolunteerSupportProfile,
)
from foodtrain.services.commitments import is_free

# (task, price from 2008, price from April 2024): the case study's £3-£10 a job by size and time.
PRICE_LIST = (
    ("Changing a bulb", 200, 300),
    ("Hanging curtains", 400, 500),
    ("Small garden job", 800, 1000),
    ("Collecting a prescription", 200, 300),
)
INTERESTS = ("gardening", "bowls", "reading", "football", "knitting", "local history", "music", "walking")
SUPPORT_SEED = 2010  # the year befriending started


def add_support_demo(session: Session, today: date) -> None:
    """Add the services' demo records to every branch (call after the branches, people and rota data)."""
    rng = random.Random(SUPPORT_SEED)
    for branch in session.scalars(select(Branch).order_by(Branch.id)):
        _branch_support(session, rng, branch, today)
    session.flush()


def _branch_support(session: Session, rng: random.Random, branch: Branch, today: date) -> None:
    tasks = []
    for name, old_pence, new_pence in PRICE_LIST:
        task = ExtraTaskType(branch_id=branch.id, name=name)
        task.prices = [
            ExtraPrice(effective_from=date(2008, 4, 1), price_pence=old_pence),
            ExtraPrice(effective_from=date(2024, 4, 1), price_pence=new_pence),
        ]
        session.add(task)
        tasks.append(task)
    session.flush()
    volunteers = session.scalars(
        select(Volunteer)
        .where(Volunteer.branch_id == branch.id, Volunteer.left_on.is_(None), Volunteer.pvg_status == PvgStatus.CLEARED)
        .order_by(Volunteer.id)
    ).all()
    customers = session.scalars(
        select(Customer)
        .where(Customer.branch_id == branch.id, Customer.status == CustomerStatus.ACTIVE)
        .order_by(Customer.id)
    ).all()
    if len(volunteers) < 4 or len(customers) < 6:
        return
    helpers = volunteers[:6]
    for index, volunteer in enumerate(helpers):
        for task in (tasks[index % len(tasks)], tasks[(index + 1) % len(tasks)]):
            session.add(VolunteerSkill(volunteer_id=volunteer.id, task_type_id=task.id))
        session.add(
            VolunteerSupportProfile(
                volunteer_id=volunteer.id,
                befriender=index % 2 == 0,
                gender=(Gender.FEMALE, Gender.MALE)[index % 2],
                languages="English" + (", Gaelic" if index == 2 else ""),
                interests=", ".join(rng.sample(INTERESTS, 3)),
            )
        )
    session.flush()
    lonely, frail, waiting, declined = customers[0], customers[1], customers[2], customers[3]
    week_ago = today - timedelta(days=7)
    session.add_all(
        [
            Referral(
                branch_id=branch.id,
                customer_id=lonely.id,
                service=SupportService.BEFRIENDING,
                source=ReferralSource.GP,
                referred_on=today - timedelta(days=90),
                referrer_name="Health centre",
                consent_recorded=True,
                consent_on=today - timedelta(days=85),
                outcome=ReferralOutcome.ACCEPTED,
                outcome_on=today - timedelta(days=80),
            ),
            Referral(
                branch_id=branch.id,
                customer_id=frail.id,
                service=SupportService.EXTRA,
                source=ReferralSource.FAMILY,
                referred_on=today - timedelta(days=20),
                referrer_name="Daughter",
                consent_recorded=True,
                consent_on=today - timedelta(days=20),
                outcome=ReferralOutcome.ACCEPTED,
                outcome_on=today - timedelta(days=19),
            ),
            Referral(
                branch_id=branch.id,
                customer_id=waiting.id,
                service=SupportService.BEFRIENDING,
                source=ReferralSource.OTHER_AGENCY,
                referred_on=today - timedelta(days=12),
                referrer_name="Lunch club",
                notes="Would like company on weekday afternoons",
            ),
            Referral(
                branch_id=branch.id,
                customer_id=declined.id,
                service=SupportService.EXTRA,
                source=ReferralSource.SOCIAL_WORK,
                referred_on=today - timedelta(days=40),
                referrer_name="Social work team",
                consent_recorded=True,
                consent_on=today - timedelta(days=40),
                outcome=ReferralOutcome.DECLINED,
                outcome_on=today - timedelta(days=35),
                decline_reason="Needs a joiner, not a volunteer: signposted",
            ),
        ]
    )
    # EXTRA jobs: one done last week, one scheduled for a free half-day next week, one just requested.
    done_by, done_task = helpers[0], tasks[0]
    session.add(
        ExtraJob(
            branch_id=branch.id,
            customer_id=frail.id,
            task_type_id=done_task.id,
            details="Kitchen ceiling bulb",
            requested_on=week_ago - timedelta(days=3),
            price_pence=300,
            status=ExtraJobStatus.COMPLETED,
            volunteer_id=done_by.id,
            scheduled_date=week_ago,
            part_of_day=DayPart.MORNING,
            completed_on=week_ago,
            time_spent_min=30,
            amount_paid_pence=300,
            payment_method=PaymentMethod.CASH,
        )
    )
    session.flush()
    scheduled = _free_half_day(session, helpers[1], today + timedelta(days=1), days=14)
    if scheduled is not None:
        session.add(
            ExtraJob(
                branch_id=branch.id,
                customer_id=frail.id,
                task_type_id=tasks[1].id,
                details="Living-room curtains",
                requested_on=today - timedelta(days=2),
                price_pence=500,
                status=ExtraJobStatus.SCHEDULED,
                volunteer_id=helpers[1].id,
                scheduled_date=scheduled[0],
                part_of_day=scheduled[1],
                urgency=ExtraUrgency.SOON,
                preferred_weekdays_mask=0b11111,
            )
        )
    session.add(
        ExtraJob(
            branch_id=branch.id,
            customer_id=customers[4].id,
            task_type_id=tasks[3].id,
            details="Repeat prescription from the chemist",
            requested_on=today,
            price_pence=300,
            urgency=ExtraUrgency.URGENT,
        )
    )
    session.flush()
    # Befriending: the lonely customer's wishes and a match on the befriender's free weekly half-day.
    befriender = helpers[2]
    session.add(
        BefriendingWish(
            branch_id=branch.id, customer_id=lonely.id, interests="gardening, local history", max_distance_km=15.0
        )
    )
    session.add(
        BefriendingWish(
            branch_id=branch.id,
            customer_id=waiting.id,
            interests="music, reading",
            max_distance_km=15.0,
            part_of_day=DayPart.AFTERNOON,
        )
    )
    started = today - timedelta(days=75)
    slot = _free_weekly_half_day(session, befriender, today)
    if slot is not None:
        match = BefriendingMatch(
            branch_id=branch.id,
            customer_id=lonely.id,
            volunteer_id=befriender.id,
            started_on=started,
            weekday=slot[0],
            part_of_day=slot[1],
            review_every_months=3,
            next_review_on=started + timedelta(days=91),
        )
        day = started + timedelta(days=(slot[0] - started.weekday()) % 7)
        while day < today:
            kind = rng.choice((ContactKind.VISIT, ContactKind.VISIT, ContactKind.CALL, ContactKind.OUTING))
            match.contacts.append(
                BefriendingContact(kind=kind, happened_on=day, duration_min={ContactKind.CALL: 20}.get(kind, 90))
            )
            day += timedelta(days=7)
        match.reviews.append(
            BefriendingReview(reviewed_on=started + timedelta(days=30), notes="Settling in well", continues=True)
        )
        session.add(match)
    # Outcome surveys this year and last, answered like the 2008 evaluation (about 76 % independence ...).
    for customer in customers[:20]:
        for year_back in (0, 1):
            session.add(
                OutcomeSurvey(
                    branch_id=branch.id,
                    customer_id=customer.id,
                    surveyed_on=date(today.year - year_back, 3, 1) + timedelta(days=rng.randrange(200)),
                    independence=rng.random() < 0.76,
                    health=rng.random() < 0.5,
                    isolation=rng.random() < 0.35,
                    wellbeing=rng.random() < 0.27,
                    on_paper=rng.random() < 0.5,
                )
            )


def _free_half_day(session: Session, volunteer: Volunteer, start: date, days: int) -> tuple[date, DayPart] | None:
    for offset in range(days):
        day = start + timedelta(days=offset)
        for part in DayPart:
            if is_free(session, volunteer, day, part):
                return day, part
    return None


def _free_weekly_half_day(session: Session, volunteer: Volunteer, today: date) -> tuple[int, DayPart] | None:
    """A weekday half-day the volunteer is free on in each of the next four weeks."""
    for weekday in range(6):
        first = today + timedelta(days=(weekday - today.weekday()) % 7)
        for part in DayPart:
            if all(is_free(session, volunteer, first + timedelta(days=7 * week), part) for week in range(4)):
                return weekday, part
    return None
