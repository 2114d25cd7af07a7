"""What a customer's or volunteer's page shows of the other services: referrals, EXTRA jobs, befriending,
outcomes surveys."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from foodtrain.models import Volunteer
from foodtrain.models.support import (
    BefriendingMatch,
    ExtraJob,
    Gender,
    OutcomeSurvey,
    Referral,
    VolunteerSupportProfile,
)
from foodtrain.services.audit import Actor
from foodtrain.services.befriending import list_matches
from foodtrain.services.extra import list_jobs
from foodtrain.services.outcomes import surveys_of
from foodtrain.services.referrals import list_referrals


@dataclass(frozen=True)
class PersonServices:
    referrals: list[Referral] = field(default_factory=list)
    extra_jobs: list[ExtraJob] = field(default_factory=list)
    matches: list[BefriendingMatch] = field(default_factory=list)
    surveys: list[OutcomeSurvey] = field(default_factory=list)


def customer_services(session: Session, branch_id: int, customer_id: int) -> PersonServices:
    return PersonServices(
        list_referrals(session, branch_id, customer_id=customer_id),
        list_jobs(session, branch_id, customer_id=customer_id),
        list_matches(session, branch_id, customer_id=customer_id),
        surveys_of(session, branch_id, customer_id),
    )


def volunteer_services(session: Session, branch_id: int, volunteer_id: int) -> PersonServices:
    return PersonServices(
        [],
        list_jobs(session, branch_id, volunteer_id=volunteer_id),
        list_matches(session, branch_id, volunteer_id=volunteer_id),
    )


@dataclass(frozen=True)
class SupportProfileDetails:
    """What a volunteer offers beyond groceries: EXTRA skills, befriending and what matching reads."""

    task_type_ids: frozenset[int]
    befriender: bool = False
    gender: Gender | None = None
    languages: str = ""
    interests: str = ""


def support_profile(
    session: Session, branch_id: int, volunteer_id: int
) -> tuple[Volunteer, VolunteerSupportProfile | None, set[int]]:
    """(volunteer, profile or None, ids of their EXTRA skills)."""
    from sqlalchemy import select

    from foodtrain.models import Volunteer
    from foodtrain.models.support import VolunteerSkill, VolunteerSupportProfile
    from foodtrain.services.people import get_in_branch

    volunteer = get_in_branch(session, Volunteer, volunteer_id, branch_id)
    profile = session.scalar(
        select(VolunteerSupportProfile).where(VolunteerSupportProfile.volunteer_id == volunteer.id)
    )
    skills = set(
        session.scalars(select(VolunteerSkill.task_type_id).where(VolunteerSkill.volunteer_id == volunteer.id))
    )
    return volunteer, profile, skills


def save_support_profile(
    session: Session, branch_id: int, volunteer_id: int, details: SupportProfileDetails, *, actor: Actor
) -> None:
    """Replace the volunteer's EXTRA skills and befriending profile (task types of the branch only; audited)."""
    from sqlalchemy import delete, select

    from foodtrain.models.support import ExtraTaskType, VolunteerSkill, VolunteerSupportProfile
    from foodtrain.services.customers import commit_or_replay
    from foodtrain.services.errors import ValidationError
    from foodtrain.services.referrals import audit, check_text

    volunteer, profile, _ = support_profile(session, branch_id, volunteer_id)
    errors: dict[str, str] = {}
    languages = check_text(errors, "languages", details.languages, 200, "Languages")
    interests = check_text(errors, "interests", details.interests, 500, "Interests")
    known = set(session.scalars(select(ExtraTaskType.id).where(ExtraTaskType.branch_id == branch_id)))
    if not details.task_type_ids <= known:
        errors["task_type_ids"] = "Choose jobs from the branch's list."
    if errors:
        raise ValidationError(errors)
    # A retired kind of job is not on the form: the volunteer keeps that skill (for jobs already requested).
    retired_skills = set(
        session.scalars(
            select(VolunteerSkill.task_type_id)
            .join(ExtraTaskType, ExtraTaskType.id == VolunteerSkill.task_type_id)
            .where(VolunteerSkill.volunteer_id == volunteer.id, ExtraTaskType.active.is_(False))
        )
    )
    session.execute(delete(VolunteerSkill).where(VolunteerSkill.volunteer_id == volunteer.id))
    session.add_all(
        [
            VolunteerSkill(volunteer_id=volunteer.id, task_type_id=task_id)
            for task_id in sorted(details.task_type_ids | retired_skills)
        ]
    )
    if profile is None:
        profile = VolunteerSupportProfile(volunteer_id=volunteer.id)
        session.add(profile)
    profile.befriender, profile.gender = details.befriender, details.gender
    profile.languages, profile.interests = languages, interests
    audit(
        session,
        actor,
        "volunteer.support_profile",
        "volunteer",
        volunteer.id,
        branch_id,
        f"skills={len(details.task_type_ids)} befriender={details.befriender}",
    )
    commit_or_replay(session, branch_id, "")
