"""PVG records: the disclosure type (what the Disclosure Scotland code allows: type, date, reference, decision)

Revision ID: 0008
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0001"
branch_labels = ("pvg",)
depends_on = None


VALUES = ("scheme_record", "scheme_membership_statement", "scheme_record_update")


def upgrade():
    # The column first, then its CHECK (SQLite's batch copy cannot add both in one step).
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pvg_disclosure_type", sa.Enum(*VALUES, name="pvg_disclosure_type",
                                      native_enum=False, create_constraint=False), nullable=True))
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "pvg_disclosure_type", "pvg_disclosure_type IN ('scheme_record', 'scheme_membership_statement', "
            "'scheme_record_update')")


def downgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_constraint("pvg_disclosure_type", type_="check")
        batch_op.drop_column("pvg_disclosure_type")
