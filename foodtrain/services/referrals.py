"""Referrals to any of the services (groceries, EXTRA, befriending): who referred, consent, outcome, waiting list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import Customer, ReferralSource
from foodtrain.models.support import Referral, ReferralOutcome, SupportService
from foodtrain.services.audit import record_event
from foodtrain.services.audit import Actor
from foodtrain.services.customers import claim_form_token, commit_or_replay, used_form_token
from foodtrain.services.errors import NotFoundError, ValidationError, check_version
from foodtrain.services.people import get_in_branch, in_branch

SERVICE_LABELS = {
    SupportService.GROCERIES: "Grocery deliveries",
    SupportService.EXTRA: "EXTRA home support",
    SupportService.BEFRIENDING: "Befriending",
}
SOURCE_LABELS = {
    ReferralSource.SELF: "Self",
    ReferralSource.FAMILY: "Family",
    ReferralSource.GP: "GP",
    ReferralSource.SOCIAL_WORK: "Social work",
    ReferralSource.OTHER_AGENCY: "Another agency, group or club",
    ReferralSource.OTHER: "Other",
}
OUTCOME_LABELS = {
    ReferralOutcome.WAITING: "Waiting",
    ReferralOutcome.ACCEPTED: "Accepted",
    ReferralOutcome.DECLINED: "Declined",
}
MAX_NAME = 200
MAX_REASON = 300
MAX_NOTES = 2000


@dataclass(frozen=True)
class ReferralDetails:
    customer_id: int | None
    service: SupportService | None
    source: ReferralSource | None
    referred_on: date | None
    referrer_name: str = ""
    referrer_contact: str = ""
    consent_recorded: bool = False
    notes: str = ""


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | None,
    branch_id: int,
    detail: str = "",
) -> None:
    """An audit row for a change to the services' records (who, what, which record)."""
    record_event(
        session,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        branch_id=branch_id,
        detail=detail,
        remote_address=actor.remote_address,
    )


def check_text(errors: dict[str, str], name: str, value: str, limit: int, label: str) -> str:
    """Trimmed text, or an error when it is too long or holds a character that cannot be stored."""
    value = (value or "").strip()
    if len(value) > limit:
        errors[name] = f"{label} is too long: at most {limit} characters."
    elif "\x00" in value:
        errors[name] = f"{label} contains a character that cannot be stored."
    return value


def customer_of_branch(
    session: Session, branch_id: int, customer_id: int | None, errors: dict[str, str]
) -> Customer | None:
    """The branch's customer, or a field error on ``customer_id``."""
    if customer_id is None:
        errors["customer_id"] = "Choose the customer."
        return None
    try:
        return get_in_branch(session, Customer, customer_id, branch_id)
    except NotFoundError:
        errors["customer_id"] = "Choose a customer of this branch."
        return None


def create_referral(
    session: Session, branch_id: int, details: ReferralDetails, *, actor: Actor, form_token: str, today: date
) -> int:
    """Record a referral (waiting); returns its id (the same id again for a resubmitted form)."""
    earlier = used_form_token(session, branch_id, form_token)
    if earlier is not None and earlier.entity_id is not None:
        return earlier.entity_id
    errors: dict[str, str] = {}
    customer = customer_of_branch(session, branch_id, details.customer_id, errors)
    if details.service is None:
        errors["service"] = "Choose the service."
    if details.source is None:
        errors["source"] = "Choose who referred them."
    if details.referred_on is None:
        errors["referred_on"] = "Enter the date of the referral."
    elif details.referred_on > today:
        errors["referred_on"] = "The referral date is in the future."
    elif details.referred_on < today - timedelta(days=3660):
        errors["referred_on"] = "The referral date is more than ten years ago."
    name = check_text(errors, "referrer_name", details.referrer_name, MAX_NAME, "Who referred")
    contact = check_text(errors, "referrer_contact", details.referrer_contact, MAX_NAME, "Their contact")
    notes = check_text(errors, "notes", details.notes, MAX_NOTES, "Notes")
    if details.source is not None and details.source is not ReferralSource.SELF and not name:
        errors["referrer_name"] = "Say who referred them (name, or the agency, group or club)."
    if errors:
        raise ValidationError(errors)
    assert customer is not None and details.service and details.source and details.referred_on
    referral = Referral(
        branch_id=branch_id,
        customer_id=customer.id,
        service=details.service,
        source=details.source,
        referred_on=details.referred_on,
        referrer_name=name,
        referrer_contact=contact,
        consent_recorded=details.consent_recorded,
        consent_on=today if details.consent_recorded else None,
        notes=notes,
        created_by_user_id=actor.user_id,
    )
    session.add(referral)
    session.flush()
    claim_form_token(session, branch_id, form_token, "referral.create", referral.id)
    audit(
        session,
        actor,
        "referral.create",
        "referral",
        referral.id,
        branch_id,
        f"customer={customer.id} service={details.service.value}",
    )
    replayed = commit_or_replay(session, branch_id, form_token)
    return replayed if replayed is not None else referral.id


def get_referral(session: Session, branch_id: int, referral_id: int) -> Referral:
    referral = session.scalar(
        in_branch(select(Referral), Referral, branch_id)
        .where(Referral.id == referral_id)
        .options(selectinload(Referral.customer))
    )
    if referral is None:
        raise NotFoundError(f"No referral {referral_id} in this branch.")
    return referral


def decide_referral(
    session: Session,
    branch_id: int,
    referral_id: int,
    outcome: ReferralOutcome | None,
    *,
    decline_reason: str = "",
    consent_recorded: bool = False,
    expected_version: int | None,
    actor: Actor,
    today: date,
) -> None:
    """Accept (consent needed), decline (a reason needed) or put back on the waiting list."""
    referral = get_referral(session, branch_id, referral_id)
    errors: dict[str, str] = {}
    reason = check_text(errors, "decline_reason", decline_reason, MAX_REASON, "The reason")
    if outcome is None:
        errors["outcome"] = "Choose the outcome."
    elif outcome is ReferralOutcome.DECLINED and not reason:
        errors["decline_reason"] = "Say why the referral is declined."
    elif outcome is ReferralOutcome.ACCEPTED and not (referral.consent_recorded or consent_recorded):
        errors["consent_recorded"] = "Record the person's consent before accepting the referral."
    if errors:
        raise ValidationError(errors)
    check_version(referral.version, expected_version)
    assert outcome is not None
    if consent_recorded and not referral.consent_recorded:
        referral.consent_recorded, referral.consent_on = True, today
    referral.outcome = outcome
    referral.outcome_on = None if outcome is ReferralOutcome.WAITING else today
    referral.decline_reason = reason if outcome is ReferralOutcome.DECLINED else ""
    audit(session, actor, "referral.decide", "referral", referral.id, branch_id, f"outcome={outcome.value}")
    commit_or_replay(session, branch_id, "")


def list_referrals(
    session: Session,
    branch_id: int,
    *,
    outcome: ReferralOutcome | None = None,
    service: SupportService | None = None,
    customer_id: int | None = None,
) -> list[Referral]:
    """The branch's referrals, oldest waiting first (the waiting list when ``outcome`` is WAITING)."""
    statement = in_branch(select(Referral), Referral, branch_id).options(selectinload(Referral.customer))
    if outcome is not None:
        statement = statement.where(Referral.outcome == outcome)
    if service is not None:
        statement = statement.where(Referral.service == service)
    if customer_id is not None:
        statement = statement.where(Referral.customer_id == customer_id)
    return list(session.scalars(statement.order_by(Referral.referred_on, Referral.id)).all())


def waiting_list(session: Session, branch_id: int, service: SupportService | None = None) -> list[Referral]:
    """Referrals still waiting, oldest first."""
    return list_referrals(session, branch_id, outcome=ReferralOutcome.WAITING, service=service)


def customer_choices(session: Session, branch_id: int) -> list[tuple[int, str]]:
    """(id, "Surname, First — postcode") of the branch's current customers, for choosing on a form."""
    from foodtrain.models import CustomerStatus

    rows = session.execute(
        in_branch(select(Customer.id, Customer.last_name, Customer.first_name, Customer.postcode), Customer, branch_id)
        .where(Customer.status != CustomerStatus.ENDED)
        .order_by(Customer.last_name, Customer.first_name, Customer.id)
    ).all()
    return [(row.id, f"{row.last_name}, {row.first_name} — {row.postcode}") for row in rows]
