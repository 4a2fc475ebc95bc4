"""Invoices stored without a case: an import stopped between storing its invoices and starting their
cases (killed, its connection to Temporal lost) leaves unpaid invoices whose case never opened. The
worker starts them when it starts (:func:`start_unstarted_cases`); the dashboard shows them until
then (:func:`unstarted_invoices`).

A case has opened once the journal holds its first line, ``case_opened``, which the workflow writes
before anything else. A case started that no worker has run yet has none either: starting it again
finds it there and changes nothing (an invoice has one case, ever; ``batch.start_case``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlmodel import col, select
from temporalio.client import Client

from backoffice.intake.batch import start_cases
from config.agency import AgencyError, load_agency
from config.case_id_key import case_id_key
from config.policy import PolicyError, load_policy
from config.settings import Settings
from models.case_ids import account_id_for
from models.invoices import CaseInput, InvoiceInfo
from models.parties import Address, AgencyInfo, CreditorInfo, DebtorInfo
from models.policy import EscalationPolicy
from storage.creditors import signatory_of
from storage.database import Database
from storage.tables import CaseEvent, Creditor, Debtor, Invoice

# The journal kind of a case's first line (workflows/invoice_collection.py).
CASE_OPENED = "case_opened"


@dataclass(frozen=True)
class UnstartedInvoice:
    """An unpaid invoice whose case has not opened, as the dashboard lists it."""

    case_id: str
    number: str
    creditor: str
    debtor: str
    balance: Decimal
    imported_at: datetime


@dataclass
class ResumedImport:
    """What starting the unstarted invoices did."""

    started: int = 0
    # Already started (their case had not run yet when the invoices were read).
    existing: int = 0
    # One line per invoice that could not be started, saying why; it stays on the dashboard.
    refused: list[str] = field(default_factory=list)


async def _unstarted(database: Database) -> list[tuple[Invoice, Creditor, Debtor]]:
    opened = select(CaseEvent.id).where(CaseEvent.case_id == Invoice.case_id, CaseEvent.kind == CASE_OPENED)
    query = (
        select(Invoice, Creditor, Debtor)
        .join(Creditor, col(Creditor.id) == Invoice.creditor_id)
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        # Amounts are stored quantized, as exact strings on SQLite: equal amounts compare equal on
        # both databases, so invoices paid in full stay out here; the sign is checked below.
        .where(col(Invoice.amount_paid) != col(Invoice.amount_due), ~opened.exists())
        .order_by(col(Invoice.id))
    )
    async with database.sessions() as session:
        rows = (await session.exec(query)).all()
    return [(invoice, creditor, debtor) for invoice, creditor, debtor in rows if _balance(invoice) > 0]


def _balance(invoice: Invoice) -> Decimal:
    return invoice.amount_due - invoice.amount_paid


async def unstarted_invoices(database: Database) -> list[UnstartedInvoice]:
    """The unpaid invoices whose case has not opened, in the order they were stored."""
    return [
        UnstartedInvoice(
            case_id=invoice.case_id,
            number=invoice.number,
            creditor=creditor.name,
            debtor=debtor.name,
            balance=_balance(invoice),
            imported_at=invoice.imported_at,
        )
        for invoice, creditor, debtor in await _unstarted(database)
    ]


async def start_unstarted_cases(client: Client, database: Database, settings: Settings) -> ResumedImport:
    """Start the case of every unpaid invoice whose case has not opened, as its import would have:
    its policy, its importer as the one who started it, the collection agency if it went through it."""
    resumed = ResumedImport()
    policies: dict[str, EscalationPolicy] = {}
    key = case_id_key(settings)
    cases = []
    for invoice, creditor, debtor in await _unstarted(database):
        try:
            policy = policies.get(invoice.policy) or load_policy(invoice.policy)
            agency = _agency(settings) if invoice.through_agency else None
        except (PolicyError, AgencyError) as error:
            resumed.refused.append(f"invoice {invoice.number} (case {invoice.case_id}): {error}")
            continue
        policies[invoice.policy] = policy
        account_id = account_id_for(key, creditor.siren, debtor.natural_key)
        cases.append(_case_input(invoice, creditor, debtor, policy, agency, account_id))
    resumed.started, resumed.existing = await start_cases(client, settings.temporal_task_queue, cases)
    return resumed


def _agency(settings: Settings) -> AgencyInfo:
    if settings.agency_file is None:
        raise AgencyError("imported through the collection agency, but RELANCE_AGENCY_FILE is not set")
    return load_agency(settings.agency_file)


def _case_input(
    invoice: Invoice,
    creditor: Creditor,
    debtor: Debtor,
    policy: EscalationPolicy,
    agency: AgencyInfo | None,
    account_id: str | None = None,
) -> CaseInput:
    """The case's input from what the import stored. An invoice imported before importers were kept
    opens in the name CaseInput gives by default."""
    started_by = {"started_by": invoice.imported_by} if invoice.imported_by else {}
    return CaseInput(
        case_id=invoice.case_id,
        creditor=CreditorInfo(
            name=creditor.name,
            siren=creditor.siren,
            email=creditor.email,
            address=_address(creditor),
            charter_accepted_on=creditor.charter_accepted_on,
            siret=creditor.siret,
            vat_number=creditor.vat_number,
            iban=creditor.iban,
            signatory=signatory_of(creditor),
        ),
        debtor=DebtorInfo(
            kind=debtor.kind,
            name=debtor.name,
            email=debtor.email,
            address=_address(debtor),
            siren=debtor.siren,
            civility=debtor.civility,
        ),
        invoice=InvoiceInfo(
            number=invoice.number,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            amount_due=invoice.amount_due,
            currency=invoice.currency,
            amount_paid=invoice.amount_paid,
            order_reference=invoice.order_reference,
            contract_rate_percent=invoice.contract_rate_percent,
            pdf_path=invoice.pdf_path,
            order_pdf_path=invoice.order_pdf_path,
        ),
        policy=policy,
        agency=agency,
        account_id=account_id,
        **started_by,
    )


def _address(party: Creditor | Debtor) -> Address:
    return Address(street=party.street, postcode=party.postcode, city=party.city, country=party.country)
