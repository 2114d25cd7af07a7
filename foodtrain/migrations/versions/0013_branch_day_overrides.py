"""Branch closure days, and public holidays a branch opens for work

Revision ID: 0013_closures
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_closures"
down_revision = "0001"
branch_labels = ("closures",)
depends_on = None


def upgrade():
    op.create_table(
        "branch_day_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_branch_day_overrides_branch_id_branches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_day_overrides")),
        sa.UniqueConstraint("branch_id", "day", name=op.f("uq_branch_day_overrides_branch_id_day")),
    )
    with op.batch_alter_table("branch_day_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_branch_day_overrides_branch_id"), ["branch_id"], unique=False)


def downgrade():
    with op.batch_alter_table("branch_day_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_branch_day_overrides_branch_id"))
    op.drop_table("branch_day_overrides")
