"""Customers of the branch: search and look up (read-only for now)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from foodtrain.extensions import db
from foodtrain.models import SUPPORT_NEED_LABELS, Customer, CustomerStatus, UserRole
from foodtrain.services.audit import record_event
from foodtrain.services.people import PAGE_SIZE, get_in_branch, search_customers
from web.arguments import page_argument
from web.security import current_branch_id, roles_required

blueprint = Blueprint("customers", __name__, url_prefix="/customers")

OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [("Customers", "customers.index", OFFICE_ROLES, 20)]


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index():  # type: ignore[no-untyped-def]
    text = request.args.get("q", "")[:100]
    status_value = request.args.get("status", "")
    status = next((s for s in CustomerStatus if s.value == status_value), None)
    page = page_argument()
    customers, total = search_customers(db.session, current_branch_id(), text, status, page)
    return render_template("customers/index.html", customers=customers, total=total, q=text,
                           status=status_value, statuses=list(CustomerStatus), page=page, page_size=PAGE_SIZE)


@blueprint.route("/<int:customer_id>")
@roles_required(*OFFICE_ROLES)
def show(customer_id: int):  # type: ignore[no-untyped-def]
    branch_id = current_branch_id()
    customer = get_in_branch(db.session, Customer, customer_id, branch_id)
    record_event(db.session, user_id=current_user.id, username=current_user.username,
                 action="customer.view_sensitive", entity_type="customer", entity_id=customer.id,
                 branch_id=branch_id, detail="access_notes", remote_address=request.remote_addr or "")
    db.session.commit()
    return render_template("customers/show.html", customer=customer, need_labels=SUPPORT_NEED_LABELS)
