"""Routes and delivery sheets: plan a delivery date, adjust, publish, map, PDFs; a driver's own rounds."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue

from foodtrain.services.planning import adjusting, printouts, storing, viewing
from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import UserRole
from foodtrain.services.closures import closed_reason
from foodtrain.services.errors import ConfirmationNeeded, StaleRecordError, ValidationError
from foodtrain.services.map_tiles import map_tile_urls
from foodtrain.services.orders.delivery import record_delivery, undo_delivery
from foodtrain.services.orders.rules import StaleOrderError
from foodtrain.services.orders.shops import picking_lists
from foodtrain.route_map import render_round_map
from foodtrain.sheets import render_delivery_sheets, render_picking_lists
from foodtrain.wording import plain_date
from web.jobs import start_job
from web.order_forms import DeliveryForm, UndoDeliveryForm
from web.orders import delivery_recorded_message, field_errors
from web.route_forms import LockRoundForm, MoveOrderForm, PlanDayForm, PublishForm
from web.arguments import date_argument, int_argument
from web.security import content_security_policy, current_actor, current_branch_id, field_cipher, roles_required

blueprint = Blueprint("routes", __name__, url_prefix="/routes")

PLANNER_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)
SHEET_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.DRIVER)
PICKING_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [
    ("Routes", "routes.index", PLANNER_ROLES, 40),
    ("My rounds", "routes.mine", (UserRole.DRIVER,), 40),
    ("Picking lists", "routes.picking_index", PICKING_ROLES, 45),
]


def _today() -> date:
    return branch_today()


def _pdf(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _map_tile_urls() -> dict[str, str]:
    """Branch code → its own tile server: the admin's choice per branch, else FOODTRAIN_MAP_TILE_URLS."""
    return map_tile_urls(db.session(), current_app.config.get("MAP_TILE_URLS") or {})


def _with_map_tiles(html: str, plan: viewing.PlanView | None, status: int) -> Response:
    """The page, allowed (by its Content-Security-Policy) to load the branch's own map tiles, if it has any."""
    response = Response(html, status=status, mimetype="text/html")
    if plan is not None and plan.map_tile_origin:
        response.headers["Content-Security-Policy"] = content_security_policy((plan.map_tile_origin,))
    return response


def _round_map_svg(plan: viewing.PlanView | None) -> str:
    """The plan's map, drawn here for the page (the service gives the stops and the branch's tile server)."""
    if plan is None:
        return ""
    return render_round_map(list(plan.map_rounds), tile_url=plan.map_tile_url)


def _render_day(day: date, form: PlanDayForm, status: int = 200) -> Response:
    plan = viewing.get_plan_view(db.session(), current_branch_id(), day, map_tile_urls=_map_tile_urls())
    return _with_map_tiles(
        render_template(
            "routes/day.html",
            day=day,
            plan=plan,
            map_svg=_round_map_svg(plan),
            form=form,
            today=_today(),
            change_form=PublishForm(),
            shops=printouts.shops_of_branch(db.session(), current_branch_id()),
        ),
        plan,
        status,
    )


@blueprint.route("/")
@roles_required(*PLANNER_ROLES)
def index() -> ResponseReturnValue:
    day = date_argument(request.args.get("date")) or _today()
    form = PlanDayForm(formdata=None, delivery_date=day)
    return _render_day(day, form)


@blueprint.route("/plan", methods=["POST"])
@roles_required(*PLANNER_ROLES)
def plan() -> ResponseReturnValue:
    form = PlanDayForm()
    if not form.validate_on_submit():
        day = form.delivery_date.data or _today()
        return _render_day(day, form, 400)
    day = form.delivery_date.data
    closed = closed_reason(db.session(), current_branch_id(), day)
    if closed:
        form.delivery_date.errors = [
            f"{plain_date(day)} is a closure day ({closed}): it is not planned. "
            "A coordinator can open it on the Closures page."
        ]
        return _render_day(day, form, 400)
    try:
        storing.check_day_to_plan(db.session(), current_branch_id(), day)
        parameters = storing.plan_job_parameters(
            day,
            form.shift_start.data,
            form.shift_end.data,
            form.time_limit_s.data,
            current_actor(),
            url_for("routes.index", date=day.isoformat()),
        )
    except ValidationError as error:
        for name, message in error.field_errors.items():
            getattr(form, name, form.delivery_date).errors.append(message)
        return _render_day(day, form, 400)
    running = storing.active_plan_job(db.session(), current_branch_id(), day)
    if running is not None:  # someone pressed Plan for this day already: follow that job, not a second one
        flash(f"{plain_date(day)} is being planned already: here is that job.", "info")
        return redirect(url_for("jobs.show", job_id=running))
    job_id = start_job(storing.PLAN_JOB_KIND, parameters)
    return redirect(url_for("jobs.show", job_id=job_id))


def _back_to(plan_day: str | None) -> ResponseReturnValue:
    day = date_argument(plan_day)
    return redirect(url_for("routes.index", date=day.isoformat()) if day else url_for("routes.index"))


def _flash_errors(form: FlaskForm, error: ValidationError | None = None) -> None:
    messages = list(error.field_errors.values()) if error else [m for ms in form.errors.values() for m in ms]
    for message in messages or ["Reload the page and try again."]:
        flash(message, "error")


def _plan_changed_meanwhile(plan_id: int, error: StaleRecordError) -> Response:
    """A change made from an old version of the plan (someone else re-planned, published, moved or locked since):
    nothing was saved; the day's plan as it is now, with the message, as 409 Conflict."""
    flash(error.message, "error")
    day = adjusting.plan_date(db.session(), current_branch_id(), plan_id)
    return _render_day(day, PlanDayForm(formdata=None, delivery_date=day), 409)


@blueprint.route("/<int:plan_id>/move", methods=["POST"])
@roles_required(*PLANNER_ROLES)
def move(plan_id: int) -> ResponseReturnValue:
    adjusting.plan_date(db.session(), current_branch_id(), plan_id)  # another branch's plan: 404 before any form
    form = MoveOrderForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        try:
            adjusting.move_order(
                db.session(),
                current_branch_id(),
                plan_id,
                form.order_id.data,
                form.van_id.data,
                form.version.data,
                current_actor(),
            )
            flash("Moved. Re-plan the rest to fit it into that van's round.", "info")
        except StaleRecordError as error:
            return _plan_changed_meanwhile(plan_id, error)
        except ValidationError as error:
            _flash_errors(form, error)
    return _back_to(request.args.get("date"))


@blueprint.route("/<int:plan_id>/lock", methods=["POST"])
@roles_required(*PLANNER_ROLES)
def lock(plan_id: int) -> ResponseReturnValue:
    adjusting.plan_date(db.session(), current_branch_id(), plan_id)  # another branch's plan: 404 before any form
    form = LockRoundForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        locked = form.locked.data == "1"
        try:
            adjusting.set_round_lock(
                db.session(), current_branch_id(), plan_id, form.van_id.data, locked, form.version.data, current_actor()
            )
            flash("Round locked: a re-plan keeps it as it is." if locked else "Round unlocked.", "info")
        except StaleRecordError as error:
            return _plan_changed_meanwhile(plan_id, error)
        except ValidationError as error:
            _flash_errors(form, error)
    return _back_to(request.args.get("date"))


@blueprint.route("/<int:plan_id>/publish", methods=["POST"])
@roles_required(*PLANNER_ROLES)
def publish(plan_id: int) -> ResponseReturnValue:
    adjusting.plan_date(db.session(), current_branch_id(), plan_id)  # another branch's plan: 404 before any form
    form = PublishForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        try:
            adjusting.publish_plan(
                db.session(),
                current_branch_id(),
                plan_id,
                form.version.data,
                current_actor(),
                confirmed=form.confirmed.data == "1",
            )
            flash("Published: the teams can now see their rounds and download their sheets.", "info")
        except ConfirmationNeeded as question:
            day = adjusting.plan_date(db.session(), current_branch_id(), plan_id)
            return render_template(
                "routes/publish_confirm.html",
                day=day,
                plan_id=plan_id,
                version=form.version.data,
                warnings=question.warnings,
            )
        except StaleRecordError as error:
            return _plan_changed_meanwhile(plan_id, error)
        except ValidationError as error:
            _flash_errors(form, error)
    return _back_to(request.args.get("date"))


@blueprint.route("/<int:plan_id>/sheets.pdf")
@roles_required(*SHEET_ROLES)
def sheets(plan_id: int) -> ResponseReturnValue:
    van_id = int_argument(request.args.get("van"))
    if request.args.get("van") is not None and van_id is None:
        abort(404)
    team_sheets = printouts.delivery_sheets(
        db.session(), current_branch_id(), plan_id, van_id, current_actor(), field_cipher(), today=_today()
    )
    name = f"delivery-sheet-{team_sheets[0].delivery_date.isoformat()}"
    if van_id is not None:
        name += f"-van-{van_id}"
    return _pdf(render_delivery_sheets(team_sheets), f"{name}.pdf")


@blueprint.route("/picking")
@roles_required(*PICKING_ROLES)
def picking_index() -> ResponseReturnValue:
    day = date_argument(request.args.get("date")) or _today()
    return render_template(
        "routes/picking.html", day=day, shops=printouts.shops_of_branch(db.session(), current_branch_id())
    )


@blueprint.route("/picking.pdf")
@roles_required(*PICKING_ROLES)
def picking() -> ResponseReturnValue:
    day = date_argument(request.args.get("date"))
    if day is None:
        abort(404)
    shop_id = int_argument(request.args.get("shop"))
    if request.args.get("shop") is not None and shop_id is None:
        abort(404)
    lists = picking_lists(db.session(), current_branch_id(), day, shop_id, current_actor())
    suffix = f"-shop-{shop_id}" if shop_id is not None else ""
    return _pdf(render_picking_lists(lists), f"picking-lists-{day.isoformat()}{suffix}.pdf")


@blueprint.route("/mine")
@roles_required(*SHEET_ROLES)
def mine() -> ResponseReturnValue:
    days = viewing.rounds_for_volunteer(db.session(), current_branch_id(), current_user.volunteer_id, _today())
    return render_template("routes/mine.html", days=days)


def _my_plan(day: str) -> viewing.PlanView:
    """The signed-in team member's published rounds of ``day`` (404 when there are none)."""
    parsed = date_argument(day)
    if parsed is None:
        abort(404)
    plan = viewing.get_plan_view(
        db.session(),
        current_branch_id(),
        parsed,
        current_user.volunteer_id,
        drivers_only=True,
        map_tile_urls=_map_tile_urls(),
    )
    if plan is None:
        abort(404)
    return plan


def _render_my_day(
    plan: viewing.PlanView,
    failed: DeliveryForm | UndoDeliveryForm | None = None,
    failed_order_id: int | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The phone page: a delivered / not-in form on each stop not yet recorded, an Undo on each recorded one
    (the form that failed shown as sent, with its messages)."""
    forms: dict[int, DeliveryForm | UndoDeliveryForm] = {}
    for round_ in plan.rounds:
        for stop in round_.stops:
            if stop.kind != "delivery" or stop.order_id is None or stop.cancelled:
                continue
            if stop.order_id == failed_order_id and failed is not None:
                forms[stop.order_id] = failed
            elif stop.delivery_recorded:
                forms[stop.order_id] = UndoDeliveryForm(
                    prefix=f"undo-{stop.order_id}", formdata=None, version=stop.order_version
                )
            elif stop.order_status in ("packed", "out_for_delivery"):
                forms[stop.order_id] = DeliveryForm(
                    prefix=f"stop-{stop.order_id}",
                    formdata=None,
                    version=stop.order_version,
                    amount_received=stop.amount_due_at_door,
                    payment_method=stop.customer_payment_method,
                    reason="Not in",
                )
    return _with_map_tiles(
        render_template("routes/my_day.html", plan=plan, forms=forms, map_svg=_round_map_svg(plan)), plan, status
    )


def _my_delivery_stop(plan: viewing.PlanView, order_id: int) -> viewing.StopView:
    """The delivery stop of ``order_id`` on the team member's own rounds (404 for any other order)."""
    stop = next(
        (
            s
            for r in plan.rounds
            for s in r.stops
            if s.kind == "delivery" and s.order_id == order_id and not s.cancelled
        ),
        None,
    )
    if stop is None:
        abort(404)
    return stop


@blueprint.route("/mine/<day>")
@roles_required(*SHEET_ROLES)
def my_day(day: str) -> ResponseReturnValue:
    return _render_my_day(_my_plan(day))


@blueprint.route("/mine/<day>/orders/<int:order_id>/delivery", methods=["POST"])
@roles_required(*SHEET_ROLES)
def my_delivery(day: str, order_id: int) -> ResponseReturnValue:
    """Delivered (amount received, how paid) or not in, recorded from the team's phone."""
    plan = _my_plan(day)
    stop = _my_delivery_stop(plan, order_id)
    form = DeliveryForm(prefix=f"stop-{order_id}")
    if not form.validate_on_submit():
        return _render_my_day(plan, form, order_id, status=400)
    try:
        record_delivery(
            db.session(),
            current_branch_id(),
            order_id,
            form.delivered,
            form.amount_received_pence if form.delivered else None,
            form.method if form.delivered else None,
            form.reason.data or "",
            current_actor(),
            expected_version=form.version.data,
            today=_today(),
        )
    except StaleOrderError as error:  # a ValidationError too: caught first
        form.form_errors.append(f"{error.message} Nothing was saved for {stop.label}.")
        return _render_my_day(_my_plan(day), form, order_id, status=409)
    except ValidationError as error:
        field_errors(form, error.field_errors)
        return _render_my_day(plan, form, order_id, status=400)
    if form.delivered:
        flash(f"{stop.label}: {delivery_recorded_message(order_id)}", "info")
    else:
        flash(f"{stop.label}: recorded as not delivered ({form.reason.data}).", "info")
    return redirect(url_for(".my_day", day=day, _anchor=f"stop-{order_id}"))


@blueprint.route("/mine/<day>/orders/<int:order_id>/delivery/undo", methods=["POST"])
@roles_required(*SHEET_ROLES)
def my_delivery_undo(day: str, order_id: int) -> ResponseReturnValue:
    """Take back what was recorded at the door for one stop (a wrong tap)."""
    plan = _my_plan(day)
    stop = _my_delivery_stop(plan, order_id)
    form = UndoDeliveryForm(prefix=f"undo-{order_id}")
    if not form.validate_on_submit():
        return _render_my_day(plan, form, order_id, status=400)
    try:
        undo_delivery(
            db.session(),
            current_branch_id(),
            order_id,
            current_actor(),
            expected_version=form.version.data,
            today=_today(),
        )
    except StaleOrderError as error:  # a ValidationError too: caught first
        form.form_errors.append(f"{error.message} Nothing was undone for {stop.label}.")
        return _render_my_day(_my_plan(day), form, order_id, status=409)
    except ValidationError as error:
        form.form_errors.extend(error.field_errors.values())
        return _render_my_day(plan, form, order_id, status=400)
    flash(f"{stop.label}: undone, nothing is recorded for this stop now.", "info")
    return redirect(url_for(".my_day", day=day, _anchor=f"stop-{order_id}"))
