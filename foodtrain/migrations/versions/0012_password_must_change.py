"""Users: a temporary password set by an admin must be changed at the next sign-in

Revision ID: 0012
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0001"
branch_labels = ("trust",)
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_must_change", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_must_change")
