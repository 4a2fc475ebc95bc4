"""Invoices with their creditor and debtor: the rows a debtor's account, and its statement, are
made of."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.sql.expression import Select

from storage.database import Database
from storage.tables import Creditor, Debtor, Invoice

InvoiceRow = tuple[Invoice, Creditor, Debtor]


def invoices_with_parties() -> Select[InvoiceRow]:
    """Invoices with their creditor and debtor."""
    return (
        select(Invoice, Creditor, Debtor)
        .join(Creditor, Creditor.id == Invoice.creditor_id)
        .join(Debtor, Debtor.id == Invoice.debtor_id)
    )


def of_the_parties_of(query: Select[InvoiceRow], case_ids: Sequence[str]) -> Select[InvoiceRow]:
    """``query`` kept to the invoices between the creditors and debtors of the invoices of
    ``case_ids`` (every invoice of their accounts)."""
    pairs = (
        select(Invoice.creditor_id, Invoice.debtor_id)
        .where(col(Invoice.case_id).in_(case_ids))
        # Several cases of one account name its pair once: each invoice is joined once.
        .distinct()
        .subquery()
    )
    return query.join(
        pairs, (Invoice.creditor_id == pairs.c.creditor_id) & (Invoice.debtor_id == pairs.c.debtor_id)
    )


async def invoices_of_accounts(database: Database, case_ids: Sequence[str]) -> list[InvoiceRow]:
    """Every invoice of the accounts of ``case_ids``, with its parties, by due date then number."""
    query = of_the_parties_of(invoices_with_parties(), case_ids)
    async with database.sessions() as session:
        rows = (await session.exec(query.order_by(Invoice.due_date, Invoice.number))).all()
    return list(rows)
