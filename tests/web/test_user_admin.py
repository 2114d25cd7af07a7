"""Admins manage users in the app and on the command line; every change is audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import AuditEvent, User, Volunteer
from tests.conftest import csrf_token_from, sign_in

NEW_PASSWORD = "my own sentence about the river"


def _admin(app):
    client = app.test_client()
    sign_in(client, "admin")
    return client, csrf_token_from(client.get("/users/").get_data(as_text=True))


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def _actions(app, user_id: int) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id)
            )
        )


def _temporary_password(page: str) -> str:
    return re.search(r"<p><code>([A-Za-z0-9_-]+)</code></p>", page).group(1)


def test_admin_creates_a_user_who_must_change_the_temporary_password(demo_app) -> None:
    """A new user signs in with the shown temporary password, reaches only the account page until it is changed."""
    client, token = _admin(demo_app)
    with demo_app.app_context():
        from foodtrain.models import Branch

        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
    page = client.post(
        "/users/new",
        data={
            "csrf_token": token,
            "username": "Morag",
            "display_name": "Morag",
            "role": "office",
            "branch_id": branch_id,
        },
    )
    assert page.status_code == 200
    password = _temporary_password(page.get_data(as_text=True))
    user = _user(demo_app, "morag")
    assert user.password_must_change and "user.create" in _actions(demo_app, user.id)

    morag = demo_app.test_client()
    assert sign_in(morag, "morag", password).status_code == 302
    assert morag.get("/customers/").headers["Location"].endswith("/account/")
    token = csrf_token_from(morag.get("/account/").get_data(as_text=True))
    same = morag.post(
        "/account/password",
        data={"csrf_token": token, "current_password": password, "new_password": password, "repeat_password": password},
    )
    assert same.status_code == 400
    changed = morag.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": password,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    again = demo_app.test_client()
    sign_in(again, "morag", NEW_PASSWORD)
    assert again.get("/customers/").status_code == 200


def test_admin_disables_resets_and_clears(demo_app) -> None:
    """Disabling ends the user's sessions; a reset gives a temporary password; all audited by the admin."""
    office = demo_app.test_client()
    sign_in(office, "office-dg")
    assert office.get("/customers/").status_code == 200
    client, token = _admin(demo_app)
    user = _user(demo_app, "office-dg")
    admin = _user(demo_app, "admin")
    assert client.post(f"/users/{user.id}/disable", data={"csrf_token": token}).status_code == 302
    assert office.get("/customers/").status_code == 302  # the open session ended
    assert sign_in(demo_app.test_client(), "office-dg").status_code == 400
    assert client.post(f"/users/{admin.id}/disable", data={"csrf_token": token}).status_code == 302
    assert _user(demo_app, "admin").is_enabled  # not their own account
    client.post(f"/users/{user.id}/enable", data={"csrf_token": token})
    page = client.post(f"/users/{user.id}/reset-password", data={"csrf_token": token})
    password = _temporary_password(page.get_data(as_text=True))
    assert sign_in(demo_app.test_client(), "office-dg", password).status_code == 302
    with demo_app.app_context():  # the user had a second factor on (a phone now lost)
        row = db.session.get(User, user.id)
        row.totp_enabled, row.totp_secret_encrypted = True, "encrypted-secret"
        db.session.commit()
    client.post(f"/users/{user.id}/clear-second-factor", data={"csrf_token": token})
    with demo_app.app_context():
        row = db.session.get(User, user.id)
        assert (row.totp_enabled, row.totp_secret_encrypted) == (False, None)  # really off, not only audited
    actions = _actions(demo_app, user.id)
    assert {"user.disable", "user.enable", "user.password_reset", "user.second_factor_disabled"} <= actions
    with demo_app.app_context():
        by = set(
            db.session.scalars(
                select(AuditEvent.user_id).where(AuditEvent.entity_id == user.id, AuditEvent.action.in_(actions))
            )
        )
        details = list(db.session.scalars(select(AuditEvent.detail).where(AuditEvent.entity_id == user.id)))
    assert admin.id in by and not any(password in detail for detail in details)


def test_admin_links_a_login_to_a_volunteer_of_its_branch(demo_app) -> None:
    """Only a volunteer of the user's branch, not linked to another login, can be linked."""
    client, token = _admin(demo_app)
    user = _user(demo_app, "office-dg")
    with demo_app.app_context():
        linked = set(db.session.scalars(select(User.volunteer_id).where(User.volunteer_id.is_not(None))))
        own = db.session.scalar(
            select(Volunteer.id).where(Volunteer.branch_id == user.branch_id, Volunteer.id.not_in(linked)).limit(1)
        )
        other = db.session.scalar(select(Volunteer.id).where(Volunteer.branch_id != user.branch_id).limit(1))
    wrong = client.post(f"/users/{user.id}/volunteer", data={"csrf_token": token, "volunteer_id": other})
    assert wrong.status_code == 400 and "own branch" in wrong.get_data(as_text=True)
    assert (
        client.post(f"/users/{user.id}/volunteer", data={"csrf_token": token, "volunteer_id": own}).status_code == 302
    )
    assert _user(demo_app, "office-dg").volunteer_id == own
    assert "user.volunteer_linked" in _actions(demo_app, user.id)


def test_users_cli(demo_app) -> None:
    """create prints a temporary password; disable, enable, reset-password, clear-second-factor, link-volunteer."""
    runner = demo_app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "ailsa", "--role", "driver", "--branch", "WL"])
    assert created.exit_code == 0, created.output
    password = created.output.rsplit(": ", 1)[1].strip()
    assert sign_in(demo_app.test_client(), "ailsa", password).status_code == 302
    for command in (
        ["disable", "ailsa"],
        ["enable", "ailsa"],
        ["reset-password", "ailsa"],
        ["clear-second-factor", "ailsa"],
        ["link-volunteer", "ailsa", "0"],
    ):
        result = runner.invoke(args=["users", *command])
        assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["users", "list"])
    assert "ailsa" in listing.output and "must-change-password" in listing.output
    missing = runner.invoke(args=["users", "disable", "nobody"])
    assert missing.exit_code != 0 and "no user" in missing.output
    user = _user(demo_app, "ailsa")
    assert {"user.create", "user.disable", "user.enable", "user.password_reset"} <= _actions(demo_app, user.id)


def test_users_cli_links_a_volunteer_of_the_users_branch_and_disable_ends_sessions(demo_app) -> None:
    """link-volunteer with a real id links it (another branch's volunteer is refused); disable on the command
    line ends the user's open sessions as the page does."""
    office = demo_app.test_client()
    sign_in(office, "office-dg")
    assert office.get("/customers/").status_code == 200
    user = _user(demo_app, "office-dg")
    with demo_app.app_context():
        linked = set(db.session.scalars(select(User.volunteer_id).where(User.volunteer_id.is_not(None))))
        own = db.session.scalar(
            select(Volunteer.id).where(Volunteer.branch_id == user.branch_id, Volunteer.id.not_in(linked)).limit(1)
        )
        other = db.session.scalar(select(Volunteer.id).where(Volunteer.branch_id != user.branch_id).limit(1))
    runner = demo_app.test_cli_runner()
    refused = runner.invoke(args=["users", "link-volunteer", "office-dg", str(other)])
    assert refused.exit_code != 0 and _user(demo_app, "office-dg").volunteer_id is None
    assert runner.invoke(args=["users", "link-volunteer", "office-dg", str(own)]).exit_code == 0
    assert _user(demo_app, "office-dg").volunteer_id == own
    assert runner.invoke(args=["users", "disable", "office-dg"]).exit_code == 0
    assert office.get("/customers/").status_code == 302
    assert {"user.volunteer_linked", "user.disable"} <= _actions(demo_app, user.id)
