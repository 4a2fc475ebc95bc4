"""The ledger activities on real SQLite and real PostgreSQL: a retry adds nothing, and concurrent
payments on one invoice add up."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import col, select
from temporalio.testing import ActivityEnvironment

from activities.ledger import LedgerActivities
from models.ledger import CaseEventRecord, PaymentRecord
from storage.database import Database
from storage.journal import case_events
from storage.tables import Invoice, Payment
from tests.fixtures.database import store_invoice

CASE_ID = "invoice-123456782-F-2026-001"


def payment(key: str, amount: str = "400.00") -> PaymentRecord:
    return PaymentRecord(
        case_id=CASE_ID,
        amount=Decimal(amount),
        paid_on=date(2026, 3, 10),
        recorded_by="agent",
        reference="VIR-0310",
        idempotency_key=f"{CASE_ID}/payment/{key}",
    )


async def payments_and_amount_paid(database: Database) -> tuple[list[Payment], Decimal | None]:
    async with database.sessions() as session:
        payments = list((await session.exec(select(Payment).order_by(col(Payment.id)))).all())
        invoice = (await session.exec(select(Invoice).where(Invoice.case_id == CASE_ID))).first()
    return payments, invoice.amount_paid if invoice else None


async def test_record_event_twice_writes_one_line(database: Database) -> None:
    ledger = LedgerActivities(database)
    record = CaseEventRecord(
        case_id=CASE_ID,
        kind="letter_sent",
        actor="workflow",
        occurred_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        detail="formal notice by registered letter",
        idempotency_key=f"{CASE_ID}/run-1/4",
        step_key="formal_notice",
        document_sha256="cd" * 32,
    )
    environment = ActivityEnvironment()
    await environment.run(ledger.record_event, record)
    await environment.run(ledger.record_event, record)

    (event,) = await case_events(database, CASE_ID)
    assert event.kind == "letter_sent"
    assert event.occurred_at == record.occurred_at
    assert event.document_sha256 == "cd" * 32


async def test_record_payment_twice_counts_once(database: Database) -> None:
    await store_invoice(database, number="F-2026-001", amount_due=Decimal("1234.56"), case_id=CASE_ID)
    ledger = LedgerActivities(database)
    environment = ActivityEnvironment()
    await environment.run(ledger.record_payment, payment("update-1"))
    await environment.run(ledger.record_payment, payment("update-1"))

    payments, amount_paid = await payments_and_amount_paid(database)
    assert [(p.amount, p.reference, p.paid_on) for p in payments] == [
        (Decimal("400.00"), "VIR-0310", date(2026, 3, 10))
    ]
    assert amount_paid == Decimal("400.00")


async def test_retries_racing_each_other_count_once(database: Database) -> None:
    await store_invoice(database, number="F-2026-001", amount_due=Decimal("1234.56"), case_id=CASE_ID)
    ledger = LedgerActivities(database)
    await asyncio.gather(
        *(ActivityEnvironment().run(ledger.record_payment, payment("update-1")) for _ in range(5))
    )

    payments, amount_paid = await payments_and_amount_paid(database)
    assert len(payments) == 1
    assert amount_paid == Decimal("400.00")


async def test_different_payments_at_once_all_add_up(database: Database) -> None:
    await store_invoice(database, number="F-2026-001", amount_due=Decimal("1234.56"), case_id=CASE_ID)
    ledger = LedgerActivities(database)
    amounts = ["100.01", "200.02", "300.03", "0.10"]
    await asyncio.gather(
        *(
            ActivityEnvironment().run(ledger.record_payment, payment(f"update-{index}", amount))
            for index, amount in enumerate(amounts)
        )
    )

    payments, amount_paid = await payments_and_amount_paid(database)
    assert sorted(str(p.amount) for p in payments) == sorted(amounts)
    assert amount_paid == Decimal("600.16")


async def test_a_case_without_an_invoice_row_still_records_its_payment(database: Database) -> None:
    ledger = LedgerActivities(database)
    await ActivityEnvironment().run(ledger.record_payment, payment("update-1", "99.99"))

    payments, amount_paid = await payments_and_amount_paid(database)
    assert [p.amount for p in payments] == [Decimal("99.99")]
    assert amount_paid is None
