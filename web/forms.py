"""Forms: parsing and validating what the browser sends."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "current-password"}
    )


class SecondFactorForm(FlaskForm):
    code = StringField(
        "6-digit code",
        validators=[DataRequired(), Length(min=6, max=8)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        "New password (at least 12 characters)",
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    repeat_password = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class ReauthenticateForm(FlaskForm):
    """The current password, asked again before a sensitive change."""

    current_password = PasswordField(
        "Your current password",
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class LogoutForm(FlaskForm):
    """Only the CSRF token: logging out changes state, so it is a POST."""


class BranchChoiceForm(FlaskForm):
    branch_id = SelectField("Branch", coerce=int)


class NewUserForm(FlaskForm):
    """An admin adds a user; the app makes a temporary password to hand over."""

    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    display_name = StringField("Name shown", validators=[Length(max=120)])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("office", "Office"),
            SelectChoice("driver", "Driver"),
            SelectChoice("coordinator", "Coordinator"),
            SelectChoice("admin", "Admin"),
        ],
    )
    branch_id = SelectField("Branch (not for admins)", coerce=int, validate_choice=False)


class LinkVolunteerForm(FlaskForm):
    volunteer_id = SelectField("Volunteer", coerce=int, validate_choice=False)
