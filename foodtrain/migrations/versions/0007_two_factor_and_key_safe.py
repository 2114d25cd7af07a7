"""Second factor (TOTP) for users, encrypted key-safe codes for customers

Revision ID: 0007
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0001"
branch_labels = ("security",)
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_encrypted", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("totp_last_used_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("totp_enabled", server_default=None)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_safe_code_encrypted", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("key_safe_code_encrypted")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_used_step")
        batch_op.drop_column("totp_enabled")
        batch_op.drop_column("totp_secret_encrypted")
