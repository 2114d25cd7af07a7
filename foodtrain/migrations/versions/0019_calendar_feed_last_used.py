"""Calendar feeds: when a volunteer's feed was last fetched (so they can tell a forgotten URL and revoke it)

Revision ID: 0019
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0006"  # 0006 (rota) created volunteer_calendar_tokens and is the last revision that altered it
branch_labels = ("calendar_feed",)
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteer_calendar_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("volunteer_calendar_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
