"""Rota rules: a volunteer's shifts a month is a maximum unless they are happy to do extra

Revision ID: 0010
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0008"  # 0008 (pvg) is the last revision that altered the volunteers table
branch_labels = ("rota_rules",)
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("happy_to_do_extra", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("happy_to_do_extra")
