"""The debtor's account, as both doors use it: which account an id or a case id names, the accounts
with an open balance, an account's invoices, payments, communications and judicial filings, and a
payment split by Code civil 1342-10, shown, then recorded on the account
(``workflows/debtor_account.py``); a pause, a resume or a promise given on the account for all its
cases (``workflows/account_commands.py``)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from activities.debtor_accounts import account_invoices, account_status
from backoffice.accounts import SignedIn
from backoffice.commands import CommandRefused, rpc_failure
from backoffice.inputs import today
from backoffice.permissions import NotAllowed, Permission, authorize
from law.imputation import Overpayment
from models.account_commands import AccountCommand, AccountCommandResult, AccountPromiseRequest
from models.case_ids import ACCOUNT_ID_PREFIX, account_id_for
from models.commands import Command
from models.court import GroupedFiling
from models.debtor_accounts import (
    AccountCase,
    AccountInput,
    AccountInvoice,
    AccountPayment,
    AccountPaymentRequest,
    AccountPaymentResult,
    split_payment,
)
from models.documents import DocumentRef
from models.grouped_sending import GroupedSending
from models.wording import CHANNELS, COURTS, LABEL_COLOURS, ROUTES, stage_fr, step_fr
from storage.database import Database
from storage.invoices import invoices_with_parties, of_the_parties_of
from storage.tables import Creditor, Debtor, Invoice
from support.french import date_fr, enumeration_fr, moment_fr, money_fr
from workflows import DebtorAccountWorkflow


@dataclass(frozen=True)
class AccountRef:
    """One account as the invoices table knows it: its creditor, its debtor and its cases."""

    account_id: str
    creditor_name: str
    debtor_name: str
    cases: list[AccountCase]
    # What is left to pay as the table keeps it (the ledger raises each invoice's amount paid).
    open_balance: Decimal


@dataclass(frozen=True)
class AccountView:
    ref: AccountRef
    invoices: list[AccountInvoice]
    payments: list[AccountPayment]
    # What the account sent for several invoices at once, oldest first, and the steps waiting for
    # the next send slot: (case id, step key, slot).
    communications: list[GroupedSending] = field(default_factory=list)
    waiting: list[tuple[str, str, datetime]] = field(default_factory=list)
    # The dossiers the account filed for several invoices, oldest first.
    filings: list[GroupedFiling] = field(default_factory=list)


class AccountNotFound(Exception):
    """No account by that id, or no invoice by that case id; the message says which."""


async def accounts_in_table(database: Database, key: bytes, of_case: str | None = None) -> list[AccountRef]:
    """Every account (or only the account of the case ``of_case``): one per creditor and debtor with
    an invoice, its invoices by due date. Invoices of different creditors are never in one account."""
    query = invoices_with_parties()
    if of_case is not None:
        query = of_the_parties_of(query, [of_case])
    async with database.sessions() as session:
        rows = (await session.exec(query.order_by(Invoice.due_date, Invoice.number))).all()
    grouped: dict[str, list[tuple[Invoice, Creditor, Debtor]]] = {}
    for invoice, creditor, debtor in rows:
        grouped.setdefault(account_id_for(key, creditor.siren, debtor.natural_key), []).append(
            (invoice, creditor, debtor)
        )
    return [
        AccountRef(
            account_id=account_id,
            creditor_name=group[0][1].name,
            debtor_name=group[0][2].name,
            cases=[
                AccountCase(case_id=i.case_id, invoice_number=i.number, due_date=i.due_date)
                for i, _, _ in group
            ],
            open_balance=sum((i.amount_due - i.amount_paid for i, _, _ in group), Decimal("0.00")),
        )
        for account_id, group in grouped.items()
    ]


async def find_account(database: Database, key: bytes, account_or_case_id: str) -> AccountRef:
    """The account an account id names, or the account of the case a case id names."""
    wanted = account_or_case_id.strip()
    # An account id names no row: it is found among every account's; a case id names its own.
    of_case = None if wanted.startswith(ACCOUNT_ID_PREFIX) else wanted
    for account in await accounts_in_table(database, key, of_case):
        if wanted == account.account_id or any(case.case_id == wanted for case in account.cases):
            return account
    what = "compte" if wanted.startswith(ACCOUNT_ID_PREFIX) else "compte ni dossier"
    raise AccountNotFound(f"aucun {what} « {wanted} »")


async def open_accounts(database: Database, key: bytes) -> list[AccountRef]:
    """The accounts with something left to pay, the largest balance first."""
    accounts = [account for account in await accounts_in_table(database, key) if account.open_balance > 0]
    return sorted(accounts, key=lambda account: -account.open_balance)


async def account_view(client: Client, account: AccountRef) -> AccountView:
    """The account's invoices as their cases say them now, the payments recorded on it, what it
    sent and what it filed."""
    try:
        invoices, status = await asyncio.gather(
            account_invoices(client, account.cases), account_status(client, account.account_id)
        )
    except RPCError as error:
        raise rpc_failure(account.account_id, error) from error
    return AccountView(
        account, invoices, status.payments, status.communications, status.waiting, status.filings
    )


def communication_fr(sending: GroupedSending) -> str:
    """A communication as both doors say it: ``3 mars 2026 à 9 h 30 : mise en demeure par lettre
    recommandée, label rouge, factures A-1 et A-2 (envoi n° 1A23, maileva)``."""
    numbers = sending.invoice_numbers
    text = (
        f"{moment_fr(sending.sent_at)} : {stage_fr(sending.stage)} par {CHANNELS[sending.channel]}, "
        f"label {LABEL_COLOURS[sending.label]}, facture{'s' if len(numbers) > 1 else ''} "
        f"{enumeration_fr(numbers)}"
    )
    if sending.receipt is not None:
        text += f" (envoi n° {sending.receipt.tracking_id}, {sending.receipt.provider})"
    return text


def filing_fr(filing: GroupedFiling) -> str:
    """A filing as both doors say it: ``saisine du 3 mars 2026 : injonction de payer devant le
    tribunal de commerce, factures A-1 et A-2, 1 234,56 € réclamés, approuvée par bob, remise au
    commissaire de justice par courriel le 3 mars 2026 à 9 h 30 (message <id@relance>)``. A dossier
    dropped in a folder names the folder, never its path on the server."""
    numbers = filing.invoice_numbers
    court = filing.decision.court
    delivery = filing.delivery
    when = moment_fr(delivery.delivered_at)
    how = (
        f"par courriel le {when} (message {delivery.reference})"
        if delivery.channel == "email"
        else f"dans le répertoire de dépôt « {PurePath(delivery.reference).name} » le {when}"
    )
    return (
        f"saisine du {date_fr(filing.filed_at)} : {ROUTES[filing.dossier.route]}"
        f"{f' devant le {COURTS[court]}' if court else ''}, facture{'s' if len(numbers) > 1 else ''} "
        f"{enumeration_fr(numbers)}, {money_fr(filing.decision.claim_amount)} réclamés, "
        f"approuvée par {filing.approved_by}, remise au commissaire de justice {how}"
    )


def filed_documents(filing: GroupedFiling) -> list[DocumentRef]:
    """The PDF files of a filing's dossier (the request, the bordereau, the numbered exhibits), in
    the manifest's order; its history exports and manifest stay in the dossier."""
    return [d for d in filing.dossier.files if PurePath(d.path).suffix.lower() == ".pdf"]


def sent_documents(view: AccountView) -> list[DocumentRef]:
    """Every document the account sent: each communication's letter, then what it joined."""
    return [d for sending in view.communications for d in (sending.document, *sending.enclosures)]


def account_documents(view: AccountView) -> list[DocumentRef]:
    """Every document of the account an agent may download: what it sent, then the PDF files of
    the dossiers it filed."""
    return [*sent_documents(view), *(d for filing in view.filings for d in filed_documents(filing))]


def waiting_fr(view: AccountView) -> list[str]:
    """Each step waiting for the account's next send slot: ``facture A-1 : premier rappel, au
    prochain envoi le 3 mars 2026 à 9 h 00``."""
    numbers = {case.case_id: case.invoice_number for case in view.ref.cases}
    return [
        f"facture {numbers.get(case_id, case_id)} : {step_fr(step_key)}, "
        f"au prochain envoi le {moment_fr(slot)}"
        for case_id, step_key, slot in view.waiting
    ]


def payment_id_for(account_id: str, amount: Decimal, paid_on: date, reference: str, named: list[str]) -> str:
    """The key of a payment: the same payment given twice (the same amount, day, reference and
    invoices named) is one payment. Two payments alike in all that need distinct references."""
    message = "\x1f".join([account_id, str(amount), paid_on.isoformat(), reference, *named])
    return hashlib.sha256(message.encode()).hexdigest()[:32]


async def preview_payment(
    client: Client,
    account: AccountRef,
    *,
    amount: Decimal,
    paid_on: date,
    reference: str = "",
    named: list[str] | None = None,
) -> AccountPaymentRequest:
    """The payment with its split by Code civil 1342-10 on the balances now, to show before it is
    confirmed; ``CommandRefused`` with the reason when it cannot be split (more than the account's
    balances: refused, nothing of it would be owed)."""
    named = named or []
    if paid_on > today():
        raise CommandRefused(f"la date du paiement ({date_fr(paid_on)}) est dans le futur")
    view = await account_view(client, account)
    payment_id = payment_id_for(account.account_id, amount, paid_on, reference, named)
    recorded = next((p for p in view.payments if p.payment_id == payment_id), None)
    invoices = view.invoices
    try:
        # The same payment given again shows the split it was recorded with (and records nothing).
        split = recorded.split if recorded else split_payment(amount, paid_on, invoices, named)
    except Overpayment:
        balance = sum((i.balance for i in invoices if i.takes_payments), Decimal("0.00"))
        raise CommandRefused(
            f"{money_fr(amount)} dépasse le solde du compte ({money_fr(balance)}) : "
            "enregistrez le paiement dû, le trop-perçu se rembourse hors de Relance"
        ) from None
    except ValueError as error:
        raise CommandRefused(str(error)) from None
    return AccountPaymentRequest(
        payment_id=payment_id,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        named=named,
        cases=account.cases,
        split=split,
    )


async def pay_account(
    client: Client, task_queue: str, account_id: str, request: AccountPaymentRequest, by: SignedIn
) -> AccountPaymentResult:
    """Record the payment as ``by`` on the account; the same payment again records nothing more."""
    update_id = f"payment-{request.payment_id}"
    return await _update_account(
        client, task_queue, account_id, DebtorAccountWorkflow.pay, request, update_id, by
    )


def new_command_id() -> str:
    """The key of one command given on the account (a form shown, a command line run): the form
    sent twice is one command."""
    return uuid.uuid4().hex


async def command_account(
    client: Client, task_queue: str, account: AccountRef, update: Any, request: AccountCommand, by: SignedIn
) -> AccountCommandResult:
    """Give the command to every open case of the account as ``by``: ``update`` is
    ``DebtorAccountWorkflow.pause_cases``, ``resume_cases`` or ``promise_for_cases``. The same
    command (its ``command_id``) again changes nothing more."""
    if isinstance(request, AccountPromiseRequest) and request.by <= today():
        # Each case would refuse it alike: said once.
        raise CommandRefused(f"la date promise ({date_fr(request.by)}) doit suivre aujourd'hui")
    listed = request.model_copy(update={"cases": account.cases})
    update_id = f"{update.__name__}-{request.command_id}"
    return await _update_account(client, task_queue, account.account_id, update, listed, update_id, by)


async def _update_account(
    client: Client,
    task_queue: str,
    account_id: str,
    update: Any,
    request: Command,
    update_id: str,
    by: SignedIn,
) -> Any:
    """Run one of the account's updates as ``by``, if their role lets them steer cases; the account
    is started if no command needed it before."""
    try:
        authorize(by, Permission.STEER)
    except NotAllowed as refusal:
        raise CommandRefused(str(refusal)) from None
    signed = request.model_copy(update={"agent": by.username, "agent_id": by.user_id})
    start = WithStartWorkflowOperation(
        DebtorAccountWorkflow.run,
        AccountInput(account_id=account_id),
        id=account_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    try:
        return await client.execute_update_with_start_workflow(
            update, signed, start_workflow_operation=start, id=update_id
        )
    except WorkflowUpdateFailedError as failure:
        raise CommandRefused(f"{account_id} : refusé : {failure.cause.message}") from failure
    except RPCError as error:
        raise rpc_failure(account_id, error) from error
