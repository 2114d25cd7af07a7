"""Route plans: rounds, stops, unplanned orders and pinned orders per branch and delivery date

Revision ID: 0005
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0001"
branch_labels = ("routes",)
depends_on = None


def upgrade():
    op.create_table(
        "route_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("status", sa.Enum("draft", "published", name="route_plan_status", native_enum=False,
                                    create_constraint=True), nullable=False),
        sa.Column("shift_start", sa.Time(), nullable=False),
        sa.Column("shift_end", sa.Time(), nullable=False),
        sa.Column("time_limit_s", sa.Integer(), nullable=False),
        sa.Column("solver_status", sa.String(length=30), nullable=False),
        sa.Column("total_distance_m", sa.Double(), nullable=False),
        sa.Column("total_drive_min", sa.Double(), nullable=False),
        sa.Column("vans_used", sa.Integer(), nullable=False),
        sa.Column("runtime_s", sa.Double(), nullable=False),
        sa.Column("no_team_rostered", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("planned_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("shift_end > shift_start", name=op.f("ck_route_plans_shift_ends_after_start")),
        sa.CheckConstraint("vans_used >= 0", name=op.f("ck_route_plans_vans_used_not_negative")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_route_plans_branch_id_branches")),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"],
                                name=op.f("fk_route_plans_created_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_plans")),
        sa.UniqueConstraint("branch_id", "delivery_date", name=op.f("uq_route_plans_branch_id_delivery_date")),
    )
    with op.batch_alter_table("route_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_plans_branch_id"), ["branch_id"], unique=False)

    op.create_table(
        "route_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("distance_m", sa.Double(), nullable=False),
        sa.Column("drive_min", sa.Double(), nullable=False),
        sa.Column("duration_min", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["route_plans.id"], name=op.f("fk_route_rounds_plan_id_route_plans"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_route_rounds_van_id_vans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_rounds")),
        sa.UniqueConstraint("plan_id", "van_id", name=op.f("uq_route_rounds_plan_id_van_id")),
    )
    with op.batch_alter_table("route_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_rounds_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "route_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("arrival_min", sa.Double(), nullable=False),
        sa.Column("departure_min", sa.Double(), nullable=False),
        sa.Column("wait_min", sa.Double(), nullable=False),
        sa.Column("load_after_crates", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('start', 'pickup', 'delivery', 'end')", name=op.f("ck_route_stops_kind_known")),
        sa.CheckConstraint("load_after_crates >= 0", name=op.f("ck_route_stops_load_not_negative")),
        sa.CheckConstraint("departure_min >= arrival_min", name=op.f("ck_route_stops_departs_after_arrival")),
        sa.ForeignKeyConstraint(["plan_id"], ["route_plans.id"], name=op.f("fk_route_stops_plan_id_route_plans"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_route_stops_van_id_vans")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_route_stops_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_route_stops_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_stops")),
        sa.UniqueConstraint("plan_id", "van_id", "sequence", name=op.f("uq_route_stops_plan_id_van_id_sequence")),
    )
    with op.batch_alter_table("route_stops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_stops_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_route_stops_order_id"), ["order_id"], unique=False)

    op.create_table(
        "route_unplanned",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["route_plans.id"],
                                name=op.f("fk_route_unplanned_plan_id_route_plans"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_route_unplanned_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_unplanned")),
        sa.UniqueConstraint("plan_id", "order_id", name=op.f("uq_route_unplanned_plan_id_order_id")),
    )
    with op.batch_alter_table("route_unplanned", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_unplanned_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "route_pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["route_plans.id"], name=op.f("fk_route_pins_plan_id_route_plans"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_route_pins_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_route_pins_van_id_vans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_pins")),
        sa.UniqueConstraint("plan_id", "order_id", name=op.f("uq_route_pins_plan_id_order_id")),
    )
    with op.batch_alter_table("route_pins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_pins_plan_id"), ["plan_id"], unique=False)


def downgrade():
    for table in ("route_pins", "route_unplanned", "route_stops", "route_rounds", "route_plans"):
        op.drop_table(table)
