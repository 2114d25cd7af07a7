"""Users who sign in, their server-side sessions, and the audit log of what they did."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import enum_type, utc_now
from foodtrain.models.branch import Branch
from foodtrain.models.volunteer import Volunteer


class UserRole(enum.Enum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    OFFICE = "office"
    DRIVER = "driver"


class User(Model):
    """A person who signs in. Everyone but an admin belongs to exactly one branch."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role = 'admin' OR branch_id IS NOT NULL", name="branch_required_unless_admin"),
        CheckConstraint("failed_login_count >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole, "user_role"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), unique=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_login_at: Mapped[datetime | None]
    # Optional second factor (TOTP) for admins and coordinators; the secret is encrypted at rest.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_used_step: Mapped[int | None]
    # Set when an admin resets the password: the temporary one must be replaced at the next sign-in.
    password_must_change: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    branch: Mapped[Branch | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserSession(Model):
    """A signed-in session kept on the server, so logout or disabling a user ends it everywhere.

    The browser's cookie carries a random token; only its SHA-256 digest is stored.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()


class AuditEvent(Model):
    """Append-only record of who saw or changed what, in UTC. Never holds secrets."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity_type: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[int | None]
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    detail: Mapped[str] = mapped_column(Text, default="")
    remote_address: Mapped[str] = mapped_column(String(64), default="")
