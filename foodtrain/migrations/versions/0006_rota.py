"""Month-ahead rota: rotas, slots, assignments, change log, calendar feed tokens

Revision ID: 0006
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0001"
branch_labels = ("rota",)
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


ROLES = ("driver", "mate", "collector", "shopper", "office")


def upgrade():
    op.create_table(
        "rotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", _enum("rota_status", "draft", "published", "replaced"), nullable=False),
        sa.Column("published_month", sa.Date(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_by_user_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("solver_status", sa.String(length=30), nullable=False),
        sa.Column("objective", sa.Integer(), nullable=False),
        sa.Column("best_bound", sa.Double(), nullable=False),
        sa.Column("solve_time_s", sa.Double(), nullable=False),
        sa.Column("objective_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(status = 'published') = (published_month IS NOT NULL)",
                           name=op.f("ck_rotas_published_month_iff_published")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_rotas_branch_id_branches")),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"], name=op.f("fk_rotas_created_by_user_id_users")),
        sa.ForeignKeyConstraint(["published_by_user_id"], ["users.id"],
                                name=op.f("fk_rotas_published_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotas")),
        sa.UniqueConstraint("branch_id", "published_month", name=op.f("uq_rotas_branch_id_published_month")),
    )
    with op.batch_alter_table("rotas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rotas_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rotas_month"), ["month"], unique=False)

    op.create_table(
        "rota_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("part_of_day", _enum("rota_part_of_day", "morning", "afternoon", "whole_day"), nullable=False),
        sa.Column("kind", _enum("rota_slot_kind", "delivery", "list_collection", "shopping", "office"),
                  nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=True),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("resource", sa.String(length=80), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("unfilled_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("seats >= 0 AND seats <= 20", name=op.f("ck_rota_slots_seats_range")),
        sa.CheckConstraint("kind != 'delivery' OR van_id IS NOT NULL", name=op.f("ck_rota_slots_delivery_has_van")),
        sa.CheckConstraint("kind != 'shopping' OR shop_id IS NOT NULL",
                           name=op.f("ck_rota_slots_shopping_has_shop")),
        sa.ForeignKeyConstraint(["rota_id"], ["rotas.id"], name=op.f("fk_rota_slots_rota_id_rotas"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_rota_slots_shop_id_shops")),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_rota_slots_van_id_vans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_slots")),
        sa.UniqueConstraint("rota_id", "key", name=op.f("uq_rota_slots_rota_id_key")),
    )
    with op.batch_alter_table("rota_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rota_slots_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_rota_slots_rota_id"), ["rota_id"], unique=False)

    op.create_table(
        "rota_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum("rota_role", *ROLES), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["slot_id"], ["rota_slots.id"], name=op.f("fk_rota_assignments_slot_id_rota_slots"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_rota_assignments_volunteer_id_volunteers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_assignments")),
        sa.UniqueConstraint("slot_id", "volunteer_id", name=op.f("uq_rota_assignments_slot_id_volunteer_id")),
    )
    with op.batch_alter_table("rota_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rota_assignments_slot_id"), ["slot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rota_assignments_volunteer_id"), ["volunteer_id"], unique=False)

    op.create_table(
        "rota_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("rota_change_kind", "edit", "repair"), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("slot_label", sa.String(length=120), nullable=False),
        sa.Column("role", _enum("rota_change_role", *ROLES), nullable=False),
        sa.Column("old_volunteer_id", sa.Integer(), nullable=True),
        sa.Column("new_volunteer_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["new_volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_rota_changes_new_volunteer_id_volunteers")),
        sa.ForeignKeyConstraint(["old_volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_rota_changes_old_volunteer_id_volunteers")),
        sa.ForeignKeyConstraint(["rota_id"], ["rotas.id"], name=op.f("fk_rota_changes_rota_id_rotas"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["rota_slots.id"], name=op.f("fk_rota_changes_slot_id_rota_slots"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_rota_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_changes")),
    )
    with op.batch_alter_table("rota_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rota_changes_rota_id"), ["rota_id"], unique=False)

    op.create_table(
        "volunteer_calendar_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_volunteer_calendar_tokens_volunteer_id_volunteers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_calendar_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_volunteer_calendar_tokens_token_sha256")),
        sa.UniqueConstraint("volunteer_id", name=op.f("uq_volunteer_calendar_tokens_volunteer_id")),
    )


def downgrade():
    op.drop_table("volunteer_calendar_tokens")
    with op.batch_alter_table("rota_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_changes_rota_id"))
    op.drop_table("rota_changes")
    with op.batch_alter_table("rota_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_assignments_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_rota_assignments_slot_id"))
    op.drop_table("rota_assignments")
    with op.batch_alter_table("rota_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_slots_rota_id"))
        batch_op.drop_index(batch_op.f("ix_rota_slots_date"))
    op.drop_table("rota_slots")
    with op.batch_alter_table("rotas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rotas_month"))
        batch_op.drop_index(batch_op.f("ix_rotas_branch_id"))
    op.drop_table("rotas")
