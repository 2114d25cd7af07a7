"""Admin commands: `foodtrain init-db`, `seed-demo`, `create-user`, `geocode`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from foodtrain.clock import branch_today
from foodtrain.demo import DemoSummary, database_is_empty, generate_demo
from foodtrain.extensions import db
from foodtrain.models import Branch, UserRole
from foodtrain.passwords import WeakPasswordError
from foodtrain.postcodes import InvalidPostcodeError, UnknownPostcodeError, lookup_postcode
from foodtrain.services.audit import SYSTEM
from foodtrain.services.auth import create_user

DEMO_LOGINS_FILE = "demo-logins.txt"


def migrate_database() -> None:
    """Create the database or bring it up to the newest schema (safe to run again)."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


def demo_logins_path() -> Path:
    return Path(current_app.instance_path) / DEMO_LOGINS_FILE


def write_demo_logins(summary: DemoSummary) -> None:
    """Keep the generated demo passwords in the instance folder (readable by the owner only)."""
    path = demo_logins_path()
    lines = [f"{login.username}\t{login.password}\t{login.role}\t{login.branch}" for login in summary.logins]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def print_demo_logins() -> None:
    path = demo_logins_path()
    if current_app.config.get("PRODUCTION") or not path.exists():
        return
    click.echo(f"Demo logins (also in {path}):")
    for line in path.read_text(encoding="utf-8").splitlines():
        username, password, role, branch = line.split("\t")
        click.echo(f"  {username:<18} {password:<30} {role:<12} {branch}")


def load_demo_if_empty() -> bool:
    """Load the demo into an empty database; returns whether it did. Never in production; leaves no transaction open."""
    if current_app.config.get("PRODUCTION"):
        return False
    try:
        empty = database_is_empty(db.session())
    finally:
        db.session.remove()  # end the read: an open transaction here would outlive the command
    if not empty:
        return False
    from sqlalchemy.orm import sessionmaker

    from foodtrain.demo_schedule import publish_demo_schedule

    summary = generate_demo(db.session(), branch_today())
    write_demo_logins(summary)
    click.echo(
        f"Loaded the demo: {summary.branches} branches, {summary.customers} customers, "
        f"{summary.volunteers} volunteers, {summary.orders} orders."
    )
    db.session.remove()
    schedule = publish_demo_schedule(sessionmaker(bind=db.engine), branch_today(), report=click.echo)
    click.echo(f"Published this month's rota and {sum(len(ids) for ids in schedule.plan_ids.values())} days of routes.")
    return True


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database, or migrate it to the newest schema."""
    migrate_database()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo branches into an empty database and print the demo logins."""
    if current_app.config.get("PRODUCTION"):
        raise click.ClickException("FOODTRAIN_ENV=production: the demo (with its known logins) is never loaded.")
    migrate_database()
    if not load_demo_if_empty():
        click.echo("The database already has data; the demo was not loaded.", err=True)
        sys.exit(1)
    print_demo_logins()


@click.command("create-user")
@with_appcontext
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in UserRole]))
@click.option("--branch", "branch_code", help="Branch code (not for admins), e.g. DG.")
@click.option("--display-name", default="")
@click.password_option(help="At least 12 characters. Asked for when not given.")
def create_user_command(username: str, role: str, branch_code: str | None, display_name: str, password: str) -> None:
    """Create a user who can sign in."""
    branch_id = None
    if branch_code:
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == branch_code.upper()))
        if branch_id is None:
            raise click.BadParameter(f"no branch with code {branch_code!r}", param_hint="--branch")
    try:
        user_id = create_user(
            db.session(),
            username=username,
            password=password,
            role=UserRole(role),
            branch_id=branch_id,
            display_name=display_name,
            hash_time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        )
    except (WeakPasswordError, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"Created user {username.strip().lower()} (id {user_id}, {role}).")


@click.command("geocode")
@with_appcontext
@click.argument("postcode")
def geocode_command(postcode: str) -> None:
    """Look up a postcode in the offline data: prints the postcode, latitude and longitude."""
    try:
        location = lookup_postcode(postcode)
    except (InvalidPostcodeError, UnknownPostcodeError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{location.postcode}\t{location.latitude:.6f}\t{location.longitude:.6f}")


@click.command("backup")
@click.option("--output", type=click.Path(path_type=Path), help="Backup file (default: instance/backups/…).")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Take an online, consistent backup of the database (safe while the app runs)."""
    from datetime import datetime, timezone

    from foodtrain.backup import BackupError, backup_database

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if output is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        suffix = ".sqlite3" if url.startswith("sqlite") else ".pgdump"
        output = Path(current_app.instance_path) / "backups" / f"foodtrain-{stamp}{suffix}"
    try:
        path = backup_database(url, output)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path}")


@click.command("purge-backups")
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep backups this many days (default: the documented retention, 35).",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@with_appcontext
def purge_backups_command(keep_days: int | None, dry_run: bool) -> None:
    """Delete backups older than the retention period from instance/backups (erased data leaves them too)."""
    import time

    from foodtrain.backup import BACKUP_RETENTION_DAYS, purge_backups

    days = keep_days or BACKUP_RETENTION_DAYS
    removed = purge_backups(Path(current_app.instance_path) / "backups", days, time.time(), dry_run=dry_run)
    for path in removed:
        click.echo(f"{'would delete' if dry_run else 'deleted'} {path}")
    click.echo(f"{'Would delete' if dry_run else 'Deleted'} {len(removed)} backups older than {days} days.")


@click.command("restore")
@click.argument("backup_file", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm replacing the current data.")
@with_appcontext
def restore_command(backup_file: Path, yes: bool) -> None:
    """Replace the database with a backup (stop the app first), then check it."""
    from foodtrain.backup import BackupError, check_database, restore_database

    if not yes:
        raise click.ClickException("Restoring replaces all current data: add --yes to confirm.")
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()
    try:
        restore_database(backup_file, url)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    report = check_database(url)
    click.echo(
        f"Restored {backup_file}: {sum(report.row_counts.values())} rows, integrity {'ok' if report.ok else 'FAILED'}"
    )
    if not report.ok:
        raise click.ClickException(
            f"integrity: {report.integrity_errors[:3]} foreign keys: {report.foreign_key_errors[:3]}"
        )


@click.command("check-db")
@with_appcontext
def check_db_command() -> None:
    """Check the database's integrity and foreign keys and print row counts."""
    from foodtrain.backup import check_database

    report = check_database(current_app.config["SQLALCHEMY_DATABASE_URI"])
    for name, count in report.row_counts.items():
        click.echo(f"{name:<32} {count:>8}")
    click.echo("integrity ok" if report.ok else f"PROBLEMS: {report.integrity_errors + report.foreign_key_errors}")
    if not report.ok:
        sys.exit(1)


@click.command("retention")
@click.option(
    "--years",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Anonymise people who ended or left more than this many years ago.",
)
@click.option("--dry-run", is_flag=True, help="Only list who would be anonymised.")
@with_appcontext
def retention_command(years: int, dry_run: bool) -> None:
    """Apply the retention rule: anonymise customers and volunteers gone for more than N years."""
    from foodtrain.services.privacy import apply_retention

    outcome = apply_retention(db.session(), branch_today(), years, dry_run=dry_run)
    verb = "Would anonymise" if dry_run else "Anonymised"
    click.echo(
        f"{verb} {len(outcome.customers)} customers and {len(outcome.volunteers)} volunteers "
        f"who left more than {years} years ago."
    )


@click.group("users")
def users_group() -> None:
    """Manage users: list, create, disable, enable, reset-password, clear-second-factor, link-volunteer."""


def _user_id(username: str) -> int:
    from foodtrain.models import User

    user_id = db.session.scalar(select(User.id).where(User.username == username.strip().lower()))
    if user_id is None:
        raise click.ClickException(f"no user {username!r}")
    return user_id


T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    from foodtrain.services.errors import ValidationError

    try:
        return action()
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException("; ".join(error.field_errors.values())) from error


@users_group.command("list")
@with_appcontext
def users_list_command() -> None:
    """Every user: username, role, branch, state."""
    from foodtrain.services.users import list_users

    for row in list_users(db.session()):
        state = "enabled" if row.is_enabled else "disabled"
        flags = (" must-change-password" if row.password_must_change else "") + (" 2fa" if row.totp_enabled else "")
        click.echo(f"{row.username:<24} {row.role.value:<12} {row.branch_name:<24} {state}{flags}")


@users_group.command("create")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in UserRole]))
@click.option("--branch", "branch_code", help="Branch code (not for admins), e.g. DG.")
@click.option("--display-name", default="")
def users_create_command(username: str, role: str, branch_code: str | None, display_name: str) -> None:
    """Create a user with a printed temporary password that must be changed at the first sign-in."""
    from foodtrain.services.users import create_account

    branch_id = None
    if branch_code:
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == branch_code.upper()))
        if branch_id is None:
            raise click.BadParameter(f"no branch with code {branch_code!r}", param_hint="--branch")
    user_id, password = _run(
        lambda: create_account(
            db.session(),
            username=username,
            role=UserRole(role),
            branch_id=branch_id,
            display_name=display_name,
            actor=SYSTEM,
            hash_time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        )
    )
    click.echo(f"Created {username.strip().lower()} (id {user_id}). Temporary password (must be changed): {password}")


@users_group.command("disable")
@with_appcontext
@click.argument("username")
def users_disable_command(username: str) -> None:
    """Disable a user: every session of theirs ends at once."""
    from foodtrain.services.users import set_enabled

    _run(lambda: set_enabled(db.session(), _user_id(username), False, SYSTEM))
    click.echo(f"Disabled {username}; their sessions have ended.")


@users_group.command("enable")
@with_appcontext
@click.argument("username")
def users_enable_command(username: str) -> None:
    """Enable a user again."""
    from foodtrain.services.users import set_enabled

    _run(lambda: set_enabled(db.session(), _user_id(username), True, SYSTEM))
    click.echo(f"Enabled {username}.")


@users_group.command("reset-password")
@with_appcontext
@click.argument("username")
def users_reset_password_command(username: str) -> None:
    """Print a temporary password the user must change at the next sign-in (their sessions end)."""
    from foodtrain.services.users import reset_password

    password = reset_password(db.session(), _user_id(username), SYSTEM, current_app.config["PASSWORD_HASH_TIME_COST"])
    click.echo(f"Temporary password for {username} (must be changed at the next sign-in): {password}")


@users_group.command("clear-second-factor")
@with_appcontext
@click.argument("username")
def users_clear_second_factor_command(username: str) -> None:
    """Remove a user's second factor (a lost phone)."""
    from foodtrain.services.users import clear_second_factor

    clear_second_factor(db.session(), _user_id(username), SYSTEM)
    click.echo(f"Second factor of {username} cleared.")


@users_group.command("link-volunteer")
@with_appcontext
@click.argument("username")
@click.argument("volunteer_id", type=click.IntRange(min=0, max=2**31 - 1))
def users_link_volunteer_command(username: str, volunteer_id: int) -> None:
    """Link a login to a volunteer of its branch by the volunteer's id (0 unlinks)."""
    from foodtrain.services.users import link_volunteer

    _run(lambda: link_volunteer(db.session(), _user_id(username), volunteer_id or None, SYSTEM))
    click.echo(f"{username} linked to volunteer {volunteer_id}." if volunteer_id else f"{username} unlinked.")


@click.command("seed-national-day")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The delivery day (YYYY-MM-DD).")
@click.option("--branches", default=20, show_default=True, type=click.IntRange(1, 200))
@click.option("--customers", default=165, show_default=True, type=click.IntRange(1, 2000), help="Per branch.")
@click.option("--vans", default=14, show_default=True, type=click.IntRange(1, 60), help="Per branch.")
@with_appcontext
def seed_national_day_command(day: datetime, branches: int, customers: int, vans: int) -> None:
    """Load many branches' delivery day into an empty database (the national load figures); no logins."""
    from foodtrain.demo import generate_national_day

    if current_app.config.get("PRODUCTION"):
        raise click.ClickException("FOODTRAIN_ENV=production: made-up branches are never loaded.")
    migrate_database()
    try:
        summary = generate_national_day(db.session(), day.date(), branches, customers, vans)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{summary.branches} branches, {summary.customers} customers, {summary.orders} orders "
        f"on {day.date().isoformat()}, {summary.vans} vans."
    )


@click.command("plan-day")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The delivery day (YYYY-MM-DD).")
@click.option("--branch", "branch_codes", multiple=True, help="A branch code (repeat it); default: every branch.")
@click.option("--time-limit-s", default=10, show_default=True, type=int, help="Search time per branch.")
@with_appcontext
def plan_day_command(day: datetime, branch_codes: tuple[str, ...], time_limit_s: int) -> None:
    """Queue a route plan of the day for each branch (run by the workers); prints one job id a line."""
    from foodtrain.job_queue import job_queue
    from foodtrain.jobs import submit_job
    from foodtrain.services.errors import ValidationError
    from foodtrain.services.planning.storing import (
        DEFAULT_SHIFT_END,
        DEFAULT_SHIFT_START,
        PLAN_JOB_KIND,
        check_day_to_plan,
        plan_job_parameters,
    )

    session = db.session()
    statement = select(Branch.id, Branch.code).order_by(Branch.code)
    if branch_codes:
        statement = statement.where(Branch.code.in_(branch_codes))
    branches = session.execute(statement).all()
    session.rollback()
    missing = set(branch_codes) - {code for _id, code in branches}
    if missing:
        raise click.ClickException(f"No branch with code {', '.join(sorted(missing))}.")
    job_ids = []
    for branch_id, code in branches:
        try:
            check_day_to_plan(session, branch_id, day.date())
            parameters = plan_job_parameters(
                day.date(),
                DEFAULT_SHIFT_START,
                DEFAULT_SHIFT_END,
                time_limit_s,
                SYSTEM,
                f"/routes/?date={day.date().isoformat()}",
            )
        except ValidationError as error:
            click.echo(f"{code}: not planned: {' '.join(error.field_errors.values())}", err=True)
            continue
        job_ids.append(
            submit_job(session, branch_id=branch_id, kind=PLAN_JOB_KIND, parameters=parameters, user_id=None)
        )
    for job_id in job_ids:  # stored first, then queued together: the workers find them all at once
        job_queue(current_app).enqueue(job_id)
        click.echo(job_id)


@click.command("count-shadow-shifts")
@with_appcontext
def count_shadow_shifts_command() -> None:
    """Count the trainees' shadow shifts on published rotas whose day has passed (idempotent: for a nightly run)."""
    from foodtrain.services.rota.shadow import count_shadow_shifts_done

    today = branch_today()
    for branch in db.session.scalars(select(Branch).order_by(Branch.code)).all():
        click.echo(f"{branch.code}: {count_shadow_shifts_done(db.session(), branch.id, today)} shadow shifts counted")


def register_commands(app: Flask) -> None:
    for command in (
        init_db_command,
        seed_demo_command,
        seed_national_day_command,
        plan_day_command,
        create_user_command,
        geocode_command,
        backup_command,
        restore_command,
        check_db_command,
        retention_command,
        users_group,
        purge_backups_command,
        count_shadow_shifts_command,
    ):
        app.cli.add_command(command)
