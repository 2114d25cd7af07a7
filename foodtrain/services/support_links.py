"""What a customer's or volunteer's page shows of the other services: referrals, EXTRA jobs, befriending."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from foodtrain.models.support import BefriendingMatch, ExtraJob, Referral
from foodtrain.services.befriending import list_matches
from foodtrain.services.extra import list_jobs
from foodtrain.services.referrals import list_referrals


@dataclass(frozen=True)
class PersonServices:
    referrals: list[Referral] = field(default_factory=list)
    extra_jobs: list[ExtraJob] = field(default_factory=list)
    matches: list[BefriendingMatch] = field(default_factory=list)


def customer_services(session: Session, branch_id: int, customer_id: int) -> PersonServices:
    return PersonServices(list_referrals(session, branch_id, customer_id=customer_id),
                          list_jobs(session, branch_id, customer_id=customer_id),
                          list_matches(session, branch_id, customer_id=customer_id))


def volunteer_services(session: Session, branch_id: int, volunteer_id: int) -> PersonServices:
    return PersonServices([], list_jobs(session, branch_id, volunteer_id=volunteer_id),
                          list_matches(session, branch_id, volunteer_id=volunteer_id))
