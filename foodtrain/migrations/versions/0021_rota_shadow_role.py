"""Rota: the shadow seat -- a trainee shadowing an experienced team is stored as an assignment with role 'shadow'

Revision ID: 0021
Revises: 0006
"""
from alembic import op

revision = "0021"
down_revision = "0006"  # 0006 (rota) created rota_assignments and rota_changes and is the last revision that altered them
branch_labels = ("rota_shadow",)
depends_on = None

OLD_ROLES = ("driver", "mate", "collector", "shopper", "office")
NEW_ROLES = OLD_ROLES + ("shadow",)
CHECKS = (("rota_assignments", "rota_role"), ("rota_changes", "rota_change_role"))


def _in(roles):
    return "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"


def _replace_checks(roles):
    for table, name in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="check")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(name, _in(roles))


def upgrade():
    _replace_checks(NEW_ROLES)


def downgrade():
    op.execute("DELETE FROM rota_changes WHERE role = 'shadow'")
    op.execute("DELETE FROM rota_assignments WHERE role = 'shadow'")
    _replace_checks(OLD_ROLES)
