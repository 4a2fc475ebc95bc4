"""Who signs for each creditor, the civility of a consumer debtor, and the signed quote or order of an
invoice kept as its own document (an exhibit of the filing dossier).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added columns need no table rebuild, which keeps the journal's triggers on SQLite. Rows stored
    # before have no signatory (their next letter is refused until one is given), no civility and no
    # order document.
    op.add_column("creditor", sa.Column("signatory_name", sa.String(), nullable=True))
    op.add_column("creditor", sa.Column("signatory_title", sa.String(), nullable=True))
    op.add_column("debtor", sa.Column("civility", sa.String(length=16), nullable=True))
    op.add_column("invoice", sa.Column("order_pdf_path", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("invoice", "order_pdf_path")
    op.drop_column("debtor", "civility")
    op.drop_column("creditor", "signatory_title")
    op.drop_column("creditor", "signatory_name")
