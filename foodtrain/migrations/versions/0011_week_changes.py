"""The week as it changes: the status an order was cancelled from (for undo) and the team a round was planned with

Revision ID: 0011
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0005"
branch_labels = ("week",)
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_from_status", sa.String(length=20), nullable=True))
    with op.batch_alter_table("route_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_text", sa.String(length=300), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("route_rounds", schema=None) as batch_op:
        batch_op.drop_column("team_text")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("cancelled_from_status")
