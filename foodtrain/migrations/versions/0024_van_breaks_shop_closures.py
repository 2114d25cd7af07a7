"""Vans out of service and shops closed for a period (or until further notice)

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0023"  # two new tables; they refer to vans and shops (0001)
branch_labels = ("service_breaks",)
depends_on = None


def _create(table: str, parent: str, column: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name=op.f(f"ck_{table}_ends_after_start")),
        sa.ForeignKeyConstraint([column], [f"{parent}.id"], name=op.f(f"fk_{table}_{column}_{parent}")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade():
    _create("van_service_breaks", "vans", "van_id")
    _create("shop_closures", "shops", "shop_id")


def downgrade():
    for table, column in (("shop_closures", "shop_id"), ("van_service_breaks", "van_id")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
