"""Initial schema: creditors, debtors, invoices, payments and the append-only case journal.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.tables import Money

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JOURNAL_IS_APPEND_ONLY = "case_event is an append-only journal: its lines are never changed or deleted"


def upgrade() -> None:
    op.create_table(
        "creditor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("street", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("charter_accepted_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_creditor_siren", "creditor", ["siren"], unique=True)

    op.create_table(
        "debtor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("street", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
    )
    op.create_index("ix_debtor_natural_key", "debtor", ["natural_key"], unique=True)

    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("creditor_id", sa.Integer(), sa.ForeignKey("creditor.id"), nullable=False),
        sa.Column("debtor_id", sa.Integer(), sa.ForeignKey("debtor.id"), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_due", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_paid", Money(), nullable=False),
        sa.Column("order_reference", sa.String(), nullable=True),
        sa.Column("pdf_path", sa.String(), nullable=True),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("creditor_id", "number", name="uq_invoice_creditor_number"),
    )
    op.create_index("ix_invoice_case_id", "invoice", ["case_id"], unique=True)
    op.create_index("ix_invoice_creditor_id", "invoice", ["creditor_id"])
    op.create_index("ix_invoice_debtor_id", "invoice", ["debtor_id"])

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False, unique=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_payment_case_id", "payment", ["case_id"])

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("step_key", sa.String(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(), nullable=False, unique=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_event_case_id", "case_event", ["case_id"])
    op.create_index("ix_case_event_kind", "case_event", ["kind"])
    op.create_index("ix_case_event_document_sha256", "case_event", ["document_sha256"])
    _make_journal_append_only()


def _make_journal_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION case_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{JOURNAL_IS_APPEND_ONLY}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event "
            "FOR EACH ROW EXECUTE FUNCTION case_event_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_event_no_{action.lower()} BEFORE {action} ON case_event "
                f"BEGIN SELECT RAISE(ABORT, '{JOURNAL_IS_APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_event_append_only ON case_event")
        op.execute("DROP FUNCTION case_event_append_only()")
    for table in ("case_event", "payment", "invoice", "debtor", "creditor"):
        op.drop_table(table)
