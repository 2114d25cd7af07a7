"""Rota: shadow shifts done -- each trainee's shadow shift on a published rota, counted once when its day has passed

Revision ID: 0023
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa

revision = "0023"
down_revision = "0021"  # a new table; follows the shadow seat (0021), whose shifts it counts
branch_labels = ("shadow_shifts",)
depends_on = None


def upgrade():
    op.create_table(
        "shadow_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("shift_date", sa.Date(), nullable=False),
        sa.Column("slot_label", sa.String(length=120), nullable=False),
        sa.Column("missed", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_shadow_shifts_volunteer_id_volunteers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_shifts")),
        sa.UniqueConstraint("volunteer_id", "shift_date", name=op.f("uq_shadow_shifts_volunteer_id_shift_date")),
    )
    with op.batch_alter_table("shadow_shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shadow_shifts_volunteer_id"), ["volunteer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("shadow_shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shadow_shifts_volunteer_id"))
    op.drop_table("shadow_shifts")
