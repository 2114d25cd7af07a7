"""Key-safe codes: stored encrypted, written by the office, read only by the day's team (on their sheet)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from foodtrain.encryption import FieldCipher
from foodtrain.models import Customer
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import ValidationError
from foodtrain.services.people import get_in_branch

MAX_CODE_LENGTH = 20


def set_key_safe_code(
    session: Session, branch_id: int, customer_id: int, code: str, cipher: FieldCipher, actor: Actor
) -> None:
    """Store (or with an empty code, remove) the customer's key-safe code, encrypted; audited without the code."""
    customer = get_in_branch(session, Customer, customer_id, branch_id)
    code = code.strip()
    if len(code) > MAX_CODE_LENGTH or any(not character.isprintable() for character in code):
        raise ValidationError({"code": f"Use up to {MAX_CODE_LENGTH} letters, digits or symbols."})
    customer.key_safe_code_encrypted = cipher.encrypt(code) if code else None
    record_event(
        session,
        actor=actor,
        action="customer.key_safe_set" if code else "customer.key_safe_removed",
        entity_type="customer",
        entity_id=customer.id,
        branch_id=branch_id,
    )
    session.commit()
