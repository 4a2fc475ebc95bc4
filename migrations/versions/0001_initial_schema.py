"""Initial schema: creditors, debtors, invoices, payments and the append-only case journal.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import Money

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JOURNAL_IS_APPEND_ONLY = "case_event is an append-only journal: its lines are never changed or deleted"


def upgrade() -> None:
    """The first schema, table by table: long because a migration reads best as the schema it
    creates, in one piece."""
    op.create_table(
        "creditor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("street", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("charter_accepted_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_creditor"),
    )
    op.create_index("ix_creditor_siren", "creditor", ["siren"], unique=True)

    op.create_table(
        "debtor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("street", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_debtor"),
    )
    op.create_index("ix_debtor_natural_key", "debtor", ["natural_key"], unique=True)

    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creditor_id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_invoice"),
        sa.ForeignKeyConstraint(["creditor_id"], ["creditor.id"], name="fk_invoice_creditor_id_creditor"),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtor.id"], name="fk_invoice_debtor_id_debtor"),
        sa.UniqueConstraint("creditor_id", "number", name="uq_invoice_creditor_number"),
    )
    op.create_index("ix_invoice_case_id", "invoice", ["case_id"], unique=True)
    op.create_index("ix_invoice_creditor_id", "invoice", ["creditor_id"])
    op.create_index("ix_invoice_debtor_id", "invoice", ["debtor_id"])

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment"),
        sa.UniqueConstraint("idempotency_key", name="uq_payment_idempotency_key"),
    )
    op.create_index("ix_payment_case_id", "payment", ["case_id"])

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("step_key", sa.String(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_event"),
        sa.UniqueConstraint("idempotency_key", name="uq_case_event_idempotency_key"),
    )
    op.create_index("ix_case_event_case_id", "case_event", ["case_id"])
    op.create_index("ix_case_event_kind", "case_event", ["kind"])
    op.create_index("ix_case_event_document_sha256", "case_event", ["document_sha256"])
    _make_journal_append_only()


def _make_journal_append_only() -> None:
    """The database itself refuses to change or delete a journal line, whatever the client."""
    if op.get_context().dialect.name == "postgresql":
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
        # TRUNCATE bypasses row triggers: refuse it with a statement trigger.
        op.execute(
            "CREATE TRIGGER case_event_no_truncate BEFORE TRUNCATE ON case_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION case_event_append_only()"
        )
    else:
        # SQLite has no TRUNCATE; an unqualified DELETE fires the row trigger.
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_event_no_{action.lower()} BEFORE {action} ON case_event "
                f"BEGIN SELECT RAISE(ABORT, '{JOURNAL_IS_APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    # Dropping the table drops its triggers; the PostgreSQL function goes with the last of them.
    for table in ("case_event", "payment", "invoice", "debtor", "creditor"):
        op.drop_table(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION case_event_append_only()")
