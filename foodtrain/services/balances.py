"""Customers' balances: what was paid at the door against what was due, carried from one delivery to the next.

The one rule: for every delivered order, the amount received minus the amount due (till
receipt plus delivery charge). Underpayments make the balance negative (the customer owes),
overpayments positive (in credit). The next delivery sheet adds what is owed to the amount due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from foodtrain.models import Customer, Order, OrderStatus
from foodtrain.money import format_pence
from foodtrain.services.people import in_branch


def _balance_query(branch_id: int) -> Select[Any]:
    difference = Order.amount_received_pence - Order.till_receipt_pence - Order.delivery_charge_pence
    return (
        in_branch(select(Order.customer_id, func.sum(difference)), Order, branch_id)
        .where(
            Order.status == OrderStatus.DELIVERED,
            Order.amount_received_pence.is_not(None),
            Order.till_receipt_pence.is_not(None),
        )
        .group_by(Order.customer_id)
    )


def balances_pence(
    session: Session, branch_id: int, customer_ids: Iterable[int] | None = None, before: date | None = None
) -> dict[int, int]:
    """Customer id -> balance in pence (negative: owes; positive: in credit), from deliveries before ``before``."""
    query = _balance_query(branch_id)
    if customer_ids is not None:
        query = query.where(Order.customer_id.in_(list(customer_ids)))
    if before is not None:
        query = query.where(Order.delivery_date < before)
    return {customer_id: int(total or 0) for customer_id, total in session.execute(query).all()}


def customer_balance_pence(session: Session, branch_id: int, customer_id: int, before: date | None = None) -> int:
    return balances_pence(session, branch_id, [customer_id], before).get(customer_id, 0)


def balance_text(balance_pence: int) -> str:
    """The balance in words: 'owes £5.50', 'in credit £2.00' or 'nothing owed'."""
    if balance_pence < 0:
        return f"owes {format_pence(-balance_pence)}"
    if balance_pence > 0:
        return f"in credit {format_pence(balance_pence)}"
    return "nothing owed"


def amount_due_with_balance_text(amount_due_pence: int | None, charge_pence: int, balance_pence: int) -> str:
    """What to collect at the door: this order's amount and any balance carried from before."""
    if amount_due_pence is None:
        text = f"receipt + {format_pence(charge_pence)} charge"
    else:
        text = format_pence(amount_due_pence)
    if balance_pence < 0:
        owed = format_pence(-balance_pence)
        total = f" = {format_pence(amount_due_pence - balance_pence)}" if amount_due_pence is not None else ""
        return f"{text} + {owed} owed from before{total}"
    if balance_pence > 0:
        credit = format_pence(balance_pence)
        total = f" = {format_pence(max(0, amount_due_pence - balance_pence))}" if amount_due_pence is not None else ""
        return f"{text} − {credit} in credit{total}"
    return text


@dataclass(frozen=True)
class BalanceRow:
    customer_id: int
    name: str
    postcode: str
    balance_pence: int

    @property
    def text(self) -> str:
        return balance_text(self.balance_pence)


def balances_report(session: Session, branch_id: int) -> list[BalanceRow]:
    """Every customer of the branch whose balance is not zero, most owed first."""
    balances = {cid: pence for cid, pence in balances_pence(session, branch_id).items() if pence}
    if not balances:
        return []
    customers = session.scalars(
        in_branch(select(Customer), Customer, branch_id).where(Customer.id.in_(list(balances)))
    ).all()
    rows = [BalanceRow(c.id, c.full_name, c.postcode or "", balances[c.id]) for c in customers]
    return sorted(rows, key=lambda row: (row.balance_pence, row.name))
