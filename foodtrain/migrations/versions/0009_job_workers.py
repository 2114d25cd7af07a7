"""Background jobs run by worker processes: who runs a job, its heartbeat, how often it was started

Revision ID: 0009
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0004"
branch_labels = ("job_workers",)
depends_on = None


def upgrade():
    with op.batch_alter_table("background_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("background_jobs", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker_id")
