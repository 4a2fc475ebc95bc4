"""Ledger: the case journal (``CaseEvent``) and payments, written to the database.

Both writes are idempotent by key, so a retried activity adds nothing.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from temporalio import activity

from models.ledger import CaseEventRecord, PaymentRecord
from storage.database import Database
from storage.journal import append_event
from storage.tables import Invoice, Payment


class LedgerActivities:
    def __init__(self, database: Database) -> None:
        self._database = database

    @activity.defn
    async def record_event(self, record: CaseEventRecord) -> None:
        await append_event(self._database, record)

    @activity.defn
    async def record_payment(self, record: PaymentRecord) -> None:
        """Store the payment and raise the invoice's amount paid, together or not at all."""
        async with self._database.sessions() as session:
            known = await session.exec(
                select(Payment).where(Payment.idempotency_key == record.idempotency_key)
            )
            if known.first() is not None:
                return
            # The payment row is written first: a concurrent attempt with the same key waits on the
            # unique key here (and then fails it) before it can touch the invoice; on SQLite the
            # write also takes the database's write lock before the invoice is read.
            session.add(Payment(**record.model_dump()))
            try:
                await session.flush()
            except IntegrityError:
                await session.rollback()
                return
            # Locked until commit, so two different payments on one case never lose each other's sum.
            invoice_query = select(Invoice).where(Invoice.case_id == record.case_id).with_for_update()
            invoice = (await session.exec(invoice_query)).first()
            if invoice is not None:
                invoice.amount_paid = invoice.amount_paid + record.amount
                session.add(invoice)
            else:
                # A case started without an import (e.g. from another system) has no invoice row.
                activity.logger.info("no invoice row for %s: payment stored alone", record.case_id)
            await session.commit()
