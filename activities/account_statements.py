"""The statement of account (*relevé de compte*), drawn one way for the back office and for the
debtor's account that joins it to a grouped letter: every invoice of the account from the invoices
table and what its case says now (balance, payments, stage, state, a consumer's notice receipt),
the payments on the account and their splits, each invoice's penalties computed as its case
computes them (``activities.penalties``), and the PDF rendered off the event loop."""

from __future__ import annotations

import asyncio
from datetime import date

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.debtor_accounts import account_status, case_status_if_kept
from activities.paths import path_part
from activities.penalties import penalties_at_known_rates
from activities.rendering.account_statement import account_statement_pdf
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
from models.documents import DocumentRef
from models.enums import CaseState, DebtorKind
from models.grouped_sending import AccountStatementRequest
from models.parties import Address
from models.status import CaseStatus
from storage.database import Database
from storage.invoices import InvoiceRow, invoices_of_accounts
from storage.tables import Creditor, Debtor, Invoice
from support.files import sha256_of, write_atomically

# Why a consumer's invoice shows no interest (Code civil 1231-6, 1344-1: from the formal notice).
CONSUMER_INTEREST_UNPROVEN = (
    "intérêts non chiffrés : la réception de la mise en demeure n'est pas établie (articles 1231-6 "
    "et 1344-1 du Code civil)"
)
ON_ONE_INVOICE = "paiement enregistré sur cette seule facture"
# What no attempt again can draw: cases not in the invoices table, or a case that does not exist.
NO_STATEMENT = "NoStatement"


async def account_statement(
    client: Client, database: Database, settings: Settings, request: AccountStatementRequest
) -> AccountStatement:
    """The statement of the account of ``request.case_ids`` (every invoice of their creditor and
    debtor) as at ``request.drawn_on``. A non-retryable ``ApplicationError`` in French says why
    there is none (no such invoice, a case not found, a late day in a gap of the rate tables);
    the server's other refusals are the ``RPCError`` they are."""
    rows = await invoices_of_accounts(database, request.case_ids)
    accounts = len({(invoice.creditor_id, invoice.debtor_id) for invoice, _, _ in rows})
    if accounts != 1:
        why = "ces dossiers sont de plusieurs comptes" if accounts else "aucune facture de ces dossiers"
        raise ApplicationError(why, type=NO_STATEMENT, non_retryable=True)
    _, creditor, debtor = rows[0]
    statuses = await asyncio.gather(*(_status(client, row) for row in rows))
    kind = DebtorKind(debtor.kind)
    rates = load_rate_tables(settings.rates_dir)
    lines = [
        _invoice(invoice, s, kind, request.drawn_on, rates)
        for (invoice, _, _), s in zip(rows, statuses, strict=True)
    ]
    account = await account_status(client, request.account_id)
    return AccountStatement(
        account_id=request.account_id,
        drawn_on=request.drawn_on,
        currency=statuses[0].currency,
        creditor=_party(creditor),
        debtor=_party(debtor),
        debtor_kind=kind,
        invoices=lines,
        payments=_payments(request.account_id, account.payments, statuses),
    )


async def statement_pdf(settings: Settings, statement: AccountStatement) -> bytes:
    """The statement's PDF, rendered in a thread: WeasyPrint is CPU-heavy and would stall the loop."""
    return await asyncio.to_thread(account_statement_pdf, settings.templates_dir, statement)


async def _status(client: Client, row: InvoiceRow) -> CaseStatus:
    """What the invoice's case says; an invoice with no case (paid when it was imported, or its
    case not started yet) as the invoices table keeps it."""
    invoice, creditor, debtor = row
    status = await case_status_if_kept(client, invoice.case_id)
    if status is not None:
        return status
    balance = invoice.amount_due - invoice.amount_paid
    return CaseStatus(
        case_id=invoice.case_id,
        invoice_number=invoice.number,
        creditor_name=creditor.name,
        debtor_name=debtor.name,
        state=CaseState.PAID if balance <= 0 else CaseState.OPEN,
        stage=None,
        balance=balance,
        currency=invoice.currency,
        paused=False,
    )


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
    # A late day in a gap of the rate tables: a non-retryable ``RateNotKnown`` in French.
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


class AccountStatementActivities:
    def __init__(self, settings: Settings, database: Database, client: Client) -> None:
        self._settings = settings
        self._database = database
        self._client = client

    @activity.defn
    async def draw_statement(self, request: AccountStatementRequest) -> DocumentRef:
        """The statement as a PDF, ``<account>/<communication>-releve-de-compte-<day>.pdf``: the
        statement a letter carried stays as it was sent; drawn again for the same letter (a retry),
        its file is overwritten (written atomically). It asks the cases and the account itself,
        which answers its queries while it waits for this activity."""
        statement = await account_statement(self._client, self._database, self._settings, request)
        pdf = await statement_pdf(self._settings, statement)
        folder = self._settings.documents_dir / path_part(request.account_id)
        prefix = f"{path_part(request.communication_key)}-" if request.communication_key else ""
        path = folder / f"{prefix}releve-de-compte-{request.drawn_on.isoformat()}.pdf"
        await asyncio.to_thread(write_atomically, path, pdf)
        return DocumentRef(path=str(path), sha256=sha256_of(pdf))
