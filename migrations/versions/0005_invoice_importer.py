"""Who imported each invoice and whether through the collection agency, so that a case its import did
not start is started later as the import would have (backoffice/intake/unstarted.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added columns need no table rebuild, which keeps the journal's triggers on SQLite. Invoices
    # imported before were imported by nobody known and not through an agency.
    op.add_column("invoice", sa.Column("imported_by", sa.String(), nullable=True))
    op.add_column(
        "invoice", sa.Column("through_agency", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("invoice", "through_agency")
    op.drop_column("invoice", "imported_by")
