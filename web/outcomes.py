"""The outcomes survey (taken by the office, or typed in from the printed form) and the yearly outcomes report."""

from __future__ import annotations


from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask.typing import ResponseReturnValue

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import UserRole
from foodtrain.money import MoneyFormatError, format_pence, parse_pounds
from foodtrain.services import outcomes as outcome_service
from foodtrain.services.errors import ValidationError
from foodtrain.services.referrals import customer_choices
from foodtrain.services.reports import list_branches
from web.arguments import int_argument
from web.people_forms import apply_errors
from web.security import current_actor, current_branch_id, roles_required
from web.support_forms import SurveyForm, int_of, options, render_form
from web.view_audit import audit_view

blueprint = Blueprint("outcomes", __name__, url_prefix="/outcomes")

OFFICE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
NAV_ITEMS = [("Outcomes", "outcomes.index", OFFICE_ROLES, 85)]


@blueprint.route("/")
@roles_required(*OFFICE_ROLES)
def index() -> ResponseReturnValue:
    """Per branch (an admin sees every branch side by side) and calendar year."""
    year = int_argument(request.args.get("year")) or branch_today().year
    default_rate = int(current_app.config.get("VOLUNTEER_HOUR_VALUE_PENCE", 1010))
    rate_text = request.args.get("hour_value", "")[:12]
    errors: list[str] = []
    try:
        rate = parse_pounds(rate_text) if rate_text else default_rate
    except MoneyFormatError:
        rate, errors = default_rate, ["The value of an hour must be an amount in pounds, e.g. 10.10."]
    branch_ids = (
        [branch.id for branch in list_branches(db.session())]
        if current_user.role is UserRole.ADMIN
        else [current_branch_id()]
    )
    try:
        rows = outcome_service.outcomes_report(db.session(), branch_ids, year, rate)
    except ValidationError as error:
        errors += list(error.field_errors.values())
        year = branch_today().year
        rows = outcome_service.outcomes_report(db.session(), branch_ids, year, default_rate)
    return render_template(
        "support/outcomes.html",
        rows=rows,
        year=year,
        rate=format_pence(rate),
        outcomes=outcome_service.OUTCOME_LABELS,
        format_pence=format_pence,
        errors=errors,
    ), (422 if errors else 200)


@blueprint.route("/surveys/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def new_survey() -> ResponseReturnValue:
    branch_id = current_branch_id()
    form = SurveyForm()
    form.customer_id.choices = options([("", "— choose —"), *customer_choices(db.session(), branch_id)])
    back = (url_for("outcomes.index"), "Outcomes")
    intro = "Ask what the service helps them with; tick every one they say."
    if request.method == "GET":
        form.customer_id.data = request.args.get("customer_id", "")
        form.surveyed_on.data = branch_today()
        form.ensure_token()
        return render_form(form, "Outcomes survey", "Save answers", back=back, intro=intro)
    general: list[str] = []
    if form.validate_on_submit():
        answers = outcome_service.SurveyAnswers(
            customer_id=int_of(form.customer_id.data),
            surveyed_on=form.surveyed_on.data,
            outcomes=frozenset(form.outcomes.data or []),
            comments=form.comments.data or "",
            on_paper=bool(form.on_paper.data),
        )
        try:
            survey_id = outcome_service.record_survey(
                db.session(),
                branch_id,
                answers,
                actor=current_actor(),
                form_token=form.form_token.data or "",
                today=branch_today(),
            )
        except ValidationError as error:
            db.session.rollback()
            general = apply_errors(form, error.field_errors)
        else:
            flash("Survey answers saved.", "success")
            return redirect(url_for("outcomes.show_survey", survey_id=survey_id))
    form.ensure_token()
    return render_form(form, "Outcomes survey", "Save answers", back=back, intro=intro, general=general, status=422)


@blueprint.route("/surveys/<int:survey_id>")
@roles_required(*OFFICE_ROLES)
def show_survey(survey_id: int) -> ResponseReturnValue:
    """One customer's answers (the roles that take surveys; each view audited, as the comments are theirs)."""
    branch_id = current_branch_id()
    survey = outcome_service.get_survey(db.session(), branch_id, survey_id)
    audit_view("outcome_survey.view", "outcome_survey", survey.id, branch_id, detail="outcomes,comments")
    return render_template(
        "support/survey.html",
        survey=survey,
        outcomes=outcome_service.OUTCOME_LABELS,
        said=outcome_service.survey_outcomes(survey),
    )


@blueprint.route("/surveys/form")
@roles_required(*OFFICE_ROLES)
def printable_form() -> ResponseReturnValue:
    """A blank survey to print and leave with a customer (no personal data on it)."""
    return render_template("support/survey_form.html", outcomes=outcome_service.OUTCOME_LABELS)
