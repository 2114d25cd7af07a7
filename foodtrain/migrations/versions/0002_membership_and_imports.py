"""People: membership payments, one-time form tokens, spreadsheet import batches

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:10:00

Written by hand (side by side with other features' migrations on top of 0001).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = ("people",)
depends_on = None


def upgrade():
    op.create_table(
        "membership_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("period_until", sa.Date(), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount_pence >= 0", name=op.f("ck_membership_payments_amount_not_negative")),
        sa.CheckConstraint("period_until >= paid_on", name=op.f("ck_membership_payments_period_ends_after_payment")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_membership_payments_branch_id_branches")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_membership_payments_customer_id_customers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_user_id"], ["users.id"],
                                name=op.f("fk_membership_payments_recorded_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_payments")),
    )
    with op.batch_alter_table("membership_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_payments_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_payments_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "people_form_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_people_form_tokens_branch_id_branches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_form_tokens")),
        sa.UniqueConstraint("token", name=op.f("uq_people_form_tokens_token")),
    )
    with op.batch_alter_table("people_form_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_form_tokens_branch_id"), ["branch_id"], unique=False)

    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_json", sa.Text(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("imported_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('customers', 'volunteers')", name=op.f("ck_import_batches_kind_known")),
        sa.CheckConstraint("status IN ('preview', 'imported', 'cancelled')",
                           name=op.f("ck_import_batches_status_known")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_import_batches_branch_id_branches")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_import_batches_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
        sa.UniqueConstraint("token", name=op.f("uq_import_batches_token")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batches_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_batches_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_user_id"))
        batch_op.drop_index(batch_op.f("ix_import_batches_branch_id"))
    op.drop_table("import_batches")
    with op.batch_alter_table("people_form_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_form_tokens_branch_id"))
    op.drop_table("people_form_tokens")
    with op.batch_alter_table("membership_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_payments_customer_id"))
        batch_op.drop_index(batch_op.f("ix_membership_payments_branch_id"))
    op.drop_table("membership_payments")
