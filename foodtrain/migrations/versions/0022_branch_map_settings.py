"""A branch's own tile server under its route maps, set by an admin (FOODTRAIN_MAP_TILE_URLS stays the default)

Revision ID: 0022
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0001"  # a new table; 0001 created branches, which it refers to
branch_labels = ("map_tiles",)
depends_on = None


def upgrade():
    op.create_table(
        "branch_map_settings",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("tile_url", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_branch_map_settings_branch_id_branches")),
        sa.PrimaryKeyConstraint("branch_id", name=op.f("pk_branch_map_settings")),
    )


def downgrade():
    op.drop_table("branch_map_settings")
