"""The statement of account (*relevé de compte*) as both doors draw it: every invoice of the account
from the invoices table and what its case says now (balance, payments, stage, state, a consumer's
notice receipt), the payments on the account and their splits, each invoice's penalties computed
as its case computes them (``activities.penalties``), and the PDF rendered off the event loop."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlmodel import col
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.penalties import penalties_at_known_rates
from activities.rendering.account_statement import account_statement_pdf
from backoffice.commands import CommandRefused, case_status
from backoffice.debtor_accounts import AccountRef, account_payments, invoices_with_parties
from config.rates import load_rate_tables
from config.settings import Settings
from law.penalties import PenaltyPayment, PenaltyStatement
from law.penalty_claims import penalty_request
from law.rates import RateTables
from models.account_statements import (
    AccountStatement,
    StatementInvoice,
    StatementPart,
    StatementParty,
    StatementPayment,
)
from models.debtor_accounts import AccountPayment
from models.enums import DebtorKind
from models.parties import Address
from models.status import CaseStatus
from storage.database import Database
from storage.tables import Creditor, Debtor, Invoice

# Why a consumer's invoice shows no interest (Code civil 1231-6, 1344-1: from the formal notice).
CONSUMER_INTEREST_UNPROVEN = (
    "intérêts non chiffrés : la réception de la mise en demeure n'est pas établie (articles 1231-6 "
    "et 1344-1 du Code civil)"
)
ON_ONE_INVOICE = "paiement enregistré sur cette seule facture"


async def draw_statement(
    client: Client, database: Database, settings: Settings, account: AccountRef, drawn_on: date
) -> AccountStatement:
    """The statement of ``account`` as at ``drawn_on``; ``CommandRefused`` saying why there is none
    (a case not found, a late day in a gap of the rate tables)."""
    case_ids = [case.case_id for case in account.cases]
    async with database.sessions() as session:
        rows = (await session.exec(invoices_with_parties().where(col(Invoice.case_id).in_(case_ids)))).all()
    invoices = {invoice.case_id: invoice for invoice, _, _ in rows}
    _, creditor, debtor = rows[0]
    statuses = await asyncio.gather(*(case_status(client, case_id) for case_id in case_ids))
    kind = DebtorKind(debtor.kind)
    rates = load_rate_tables(settings.rates_dir)
    try:
        lines = [_invoice(invoices[s.case_id], s, kind, drawn_on, rates) for s in statuses]
    except ApplicationError as error:
        raise CommandRefused(f"{account.account_id} : {error.message}") from error
    payments = await account_payments(client, account.account_id)
    return AccountStatement(
        account_id=account.account_id,
        drawn_on=drawn_on,
        currency=statuses[0].currency,
        creditor=_party(creditor),
        debtor=_party(debtor),
        debtor_kind=kind,
        invoices=lines,
        payments=_payments(account.account_id, payments, statuses),
    )


async def statement_pdf(settings: Settings, statement: AccountStatement) -> bytes:
    """The statement's PDF, rendered in a thread: WeasyPrint is CPU-heavy and would stall the loop."""
    return await asyncio.to_thread(account_statement_pdf, settings.templates_dir, statement)


def statement_file_name(statement: AccountStatement) -> str:
    return f"releve-de-compte-{statement.account_id}-{statement.drawn_on.isoformat()}.pdf"


def _party(row: Creditor | Debtor) -> StatementParty:
    address = Address(street=row.street, postcode=row.postcode, city=row.city, country=row.country)
    return StatementParty(name=row.name, siren=row.siren, address=address)


def _invoice(
    invoice: Invoice, status: CaseStatus, kind: DebtorKind, drawn_on: date, rates: RateTables
) -> StatementInvoice:
    """One invoice: late until today while a balance is left, else until the day it was paid off."""
    paid_off = max((p.paid_on for p in status.payments), default=None)
    end = drawn_on if status.balance > 0 else paid_off
    penalties, why = _penalties(invoice, status, kind, drawn_on, rates)
    return StatementInvoice(
        case_id=invoice.case_id,
        invoice_number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        amount=invoice.amount_due,
        paid=invoice.amount_due - status.balance,
        balance=status.balance,
        days_late=max(0, (end - invoice.due_date).days) if end else 0,
        stage=status.stage,
        state=status.state,
        penalties=penalties,
        no_penalties=why,
    )


def _penalties(
    invoice: Invoice, status: CaseStatus, kind: DebtorKind, drawn_on: date, rates: RateTables
) -> tuple[PenaltyStatement | None, str]:
    """The penalties the invoice accrued by ``drawn_on``, on the case's principal and payments as
    the case computes them (``workflows/penalty_steps.py``): a business or a public buyer owes them
    from the day after the due date (Code de commerce L441-10, Code de la commande publique
    R2192-31) with 40 EUR per late invoice (D441-5, D2192-35); a consumer the legal interest from
    the formal notice's receipt (Code civil 1231-6, 1344-1), none while it is not known."""
    consumer = kind is DebtorKind.CONSUMER
    start = status.interest_start
    if consumer and start is None:
        return None, CONSUMER_INTEREST_UNPROVEN if drawn_on > invoice.due_date else ""
    # The opening judgment stops the interest (Code de commerce L622-28).
    until = min(drawn_on, status.insolvency.opened_on) if status.insolvency else drawn_on
    principal = status.balance + sum(p.amount for p in status.payments)
    request = penalty_request(
        principal=principal,
        due_date=invoice.due_date,
        until=until,
        debtor_kind=kind,
        contract_rate_percent=invoice.contract_rate_percent,
        interest_start=start,
        payments=(PenaltyPayment(paid_on=p.paid_on, amount=p.amount) for p in status.payments),
    )
    if principal <= 0 or request is None:
        return None, ""
    return penalties_at_known_rates(invoice.case_id, request, rates), ""


def _payments(
    account_id: str, on_account: list[AccountPayment], statuses: list[CaseStatus]
) -> list[StatementPayment]:
    """The payments on the account with their splits, then those recorded on one invoice alone (a
    case's part of an account payment is recorded under the account's key: shown once, split)."""
    split = [
        StatementPayment(
            paid_on=p.paid_on,
            amount=p.amount,
            reference=p.reference,
            parts=[
                StatementPart(
                    invoice_number=part.invoice_number,
                    amount=part.amount,
                    rule_fr=part.rule_fr,
                    refused=p.refused.get(part.case_id, ""),
                )
                for part in p.split
            ],
        )
        for p in on_account
    ]
    alone = [
        StatementPayment(
            paid_on=line.paid_on,
            amount=line.amount,
            reference=line.reference,
            parts=[
                StatementPart(invoice_number=s.invoice_number, amount=line.amount, rule_fr=ON_ONE_INVOICE)
            ],
        )
        for s in statuses
        for line in s.payments
        if not line.key.startswith(f"{account_id}/")
    ]
    return sorted(split + alone, key=lambda payment: payment.paid_on)
