"""Creditor identifiers (SIRET, VAT number, IBAN), the invoice's contract rate, label codes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import Percent

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding nullable columns needs no table rebuild, on SQLite as on PostgreSQL, and leaves the
    # journal's append-only triggers in place.
    op.add_column("creditor", sa.Column("siret", sa.String(length=14), nullable=True))
    op.add_column("creditor", sa.Column("vat_number", sa.String(length=13), nullable=True))
    op.add_column("creditor", sa.Column("iban", sa.String(length=34), nullable=True))
    op.add_column("invoice", sa.Column("contract_rate_percent", Percent(), nullable=True))
    op.add_column("case_event", sa.Column("label_code", sa.String(length=16), nullable=True))
    op.create_index("ix_case_event_label_code", "case_event", ["label_code"])


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35) rather than a batch rebuild, which would lose the journal's
    # triggers on SQLite.
    op.drop_index("ix_case_event_label_code", table_name="case_event")
    op.drop_column("case_event", "label_code")
    op.drop_column("invoice", "contract_rate_percent")
    for column in ("iban", "vat_number", "siret"):
        op.drop_column("creditor", column)
