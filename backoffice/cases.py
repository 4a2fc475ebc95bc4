"""Back-office operations on cases: import invoices, start cases, steer and read them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar
from temporalio.client import Client, WorkflowExecution, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from backoffice.invoice_file import InvoiceFileError, InvoiceProblem, InvoiceRow
from models.case_ids import case_id_for
from models.enums import DebtorKind
from models.invoices import CaseInput
from models.parties import AgencyInfo
from models.policy import EscalationPolicy
from models.status import CaseStatus
from security.payload_codec import PayloadDecryptionError
from storage.database import Database
from storage.tables import Creditor, Debtor, Invoice
from support.files import write_atomically
from workflows import InvoiceCollectionWorkflow

# Case starts are network round trips; this many in flight keeps the server busy without
# flooding it.
START_CONCURRENCY = 64


@dataclass
class ImportReport:
    rows: int = 0
    invoices_stored: int = 0
    invoices_known: int = 0
    already_paid: int = 0
    cases_started: int = 0
    cases_existing: int = 0


def case_input(
    row: InvoiceRow, policy: EscalationPolicy, started_by: str, agency: AgencyInfo | None = None
) -> CaseInput:
    return CaseInput(
        case_id=case_id_for(row.creditor.siren, row.invoice.number),
        creditor=row.creditor,
        debtor=row.debtor,
        invoice=row.invoice,
        policy=policy,
        started_by=started_by,
        agency=agency,
    )


@dataclass
class StoredInvoices:
    # The rows as stored: each creditor with every identifier known for it, from any import.
    rows: list[InvoiceRow]
    new: int
    known: int


async def store_invoices(database: Database, rows: list[InvoiceRow], policy: str) -> StoredInvoices:
    """Store creditors, debtors and invoices in one transaction, and keep a copy of each new
    invoice's PDF where ``pdf_to_keep`` says. A creditor's identifier that contradicts the one it
    has raises :class:`InvoiceFileError` (listing every such conflict) and stores nothing."""
    stored = known = 0
    to_keep: list[tuple[Path, Path]] = []
    async with database.sessions() as session, session.begin():
        parties = _Parties(session)
        for row in rows:
            creditor = await parties.creditor(row)
            debtor = await parties.debtor(row)
            existing = await session.exec(
                select(Invoice).where(
                    Invoice.creditor_id == creditor.id, Invoice.number == row.invoice.number
                )
            )
            if existing.first() is not None:
                # A known invoice keeps what it has, its PDF included: importing again changes nothing.
                known += 1
                continue
            session.add(
                Invoice(
                    **row.invoice.model_dump(),
                    creditor_id=creditor.id,
                    debtor_id=debtor.id,
                    case_id=case_id_for(row.creditor.siren, row.invoice.number),
                    policy=policy,
                )
            )
            if row.pdf_to_keep and row.invoice.pdf_path:
                to_keep.append((row.pdf_to_keep, Path(row.invoice.pdf_path)))
            stored += 1
        if parties.conflicts:
            raise InvoiceFileError(parties.conflicts)  # leaving the block rolls everything back
        await asyncio.to_thread(_keep_pdfs, to_keep)
        as_stored = [parties.as_stored(row) for row in rows]
    return StoredInvoices(as_stored, stored, known)


def _keep_pdfs(copies: list[tuple[Path, Path]]) -> None:
    for source, target in copies:
        write_atomically(target, source.read_bytes())


CREDITOR_IDENTIFIERS = {"siret": "SIRET", "vat_number": "VAT number", "iban": "IBAN"}


class _Parties:
    """Creditors and debtors of one import: found once, created when new.

    A creditor seen again keeps its name, email and address. An identifier it lacks (SIRET, VAT
    number, IBAN) is filled from the import; one that differs from what it has is a conflict,
    reported and refused, never replaced: an IBAN slipped into an invoice file is how payments
    get diverted, so a creditor's identifiers change only deliberately.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._known: dict[str, Creditor | Debtor] = {}
        # (SIREN, identifier) -> the row of this import that first gave its value.
        self._given_by: dict[tuple[str, str], InvoiceRow] = {}
        self.conflicts: list[InvoiceProblem] = []

    async def creditor(self, row: InvoiceRow) -> Creditor:
        info = row.creditor
        found = await self._find_or_add(
            f"creditor:{info.siren}",
            select(Creditor).where(Creditor.siren == info.siren),
            lambda: Creditor(
                name=info.name,
                siren=info.siren,
                email=info.email,
                charter_accepted_on=info.charter_accepted_on,
                **info.address.model_dump(),
            ),
        )
        assert isinstance(found, Creditor)
        for name, label in CREDITOR_IDENTIFIERS.items():
            given, has = getattr(info, name), getattr(found, name)
            if given is None:
                continue
            if has is None:
                setattr(found, name, given)
            elif given != has:
                first = self._given_by.get((info.siren, name))
                where = first.described_from(row.source) if first else "an earlier import"
                self.conflicts.append(
                    InvoiceProblem(
                        row.source,
                        row.row,
                        f"creditor_{name}",
                        f"{given} differs from {has}, the {label} of SIREN {info.siren} given by "
                        f"{where}: an import never replaces a creditor's {label}",
                    )
                )
                continue
            self._given_by.setdefault((info.siren, name), row)
        return found

    def as_stored(self, row: InvoiceRow) -> InvoiceRow:
        """The row with its creditor's identifiers as stored."""
        creditor = self._known[f"creditor:{row.creditor.siren}"]
        known = {name: getattr(creditor, name) for name in CREDITOR_IDENTIFIERS}
        return replace(row, creditor=row.creditor.model_copy(update=known))

    async def debtor(self, row: InvoiceRow) -> Debtor:
        info, key = row.debtor, debtor_natural_key(row)
        found = await self._find_or_add(
            f"debtor:{key}",
            select(Debtor).where(Debtor.natural_key == key),
            lambda: Debtor(
                natural_key=key,
                kind=info.kind,
                name=info.name,
                siren=info.siren,
                email=info.email,
                **info.address.model_dump(),
            ),
        )
        assert isinstance(found, Debtor)
        return found

    async def _find_or_add(
        self, key: str, query: SelectOfScalar[Any], build: Callable[[], Creditor | Debtor]
    ) -> Creditor | Debtor:
        if key not in self._known:
            found = (await self._session.exec(query)).first()
            if found is None:
                found = build()
                self._session.add(found)
                await self._session.flush()  # gives the new row its id
            self._known[key] = found
        return self._known[key]


def debtor_natural_key(row: InvoiceRow) -> str:
    if row.debtor.kind == DebtorKind.BUSINESS and row.debtor.siren:
        return f"siren:{row.debtor.siren}"
    return f"email:{row.debtor.email.lower()}"


async def start_case(
    client: Client, task_queue: str, case: CaseInput
) -> WorkflowHandle[InvoiceCollectionWorkflow, CaseStatus] | None:
    """Start the case's workflow; None when this invoice already has one (running or ended)."""
    try:
        return await client.start_workflow(
            InvoiceCollectionWorkflow.run,
            case,
            id=case.case_id,
            task_queue=task_queue,
            # An invoice has one case, ever: a closed case is not reopened by a second import.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            memo={
                "invoice": case.invoice.number,
                "creditor": case.creditor.name,
                "debtor": case.debtor.name,
                "amount": str(case.invoice.balance),
            },
        )
    except WorkflowAlreadyStartedError:
        return None


async def start_cases(
    client: Client,
    task_queue: str,
    cases: list[CaseInput],
    on_progress: Callable[[], None] | None = None,
) -> tuple[int, int]:
    """Start many cases with bounded concurrency; return (started, already there)."""
    limit = asyncio.Semaphore(START_CONCURRENCY)
    started = existing = 0

    async def one(case: CaseInput) -> None:
        nonlocal started, existing
        async with limit:
            if await start_case(client, task_queue, case) is not None:
                started += 1
            else:
                existing += 1
        if on_progress is not None:
            on_progress()

    await asyncio.gather(*(one(case) for case in cases))
    return started, existing


async def import_invoices(
    client: Client,
    database: Database,
    task_queue: str,
    rows: list[InvoiceRow],
    policy: EscalationPolicy,
    started_by: str,
    on_progress: Callable[[], None] | None = None,
    agency: AgencyInfo | None = None,
) -> ImportReport:
    """Store validated rows, then start one case per unpaid invoice. Safe to run again.

    With ``agency``, the cases' letters are sent by that collection agency for the creditors.
    """
    report = ImportReport(rows=len(rows))
    stored = await store_invoices(database, rows, policy.name)
    report.invoices_stored, report.invoices_known = stored.new, stored.known
    unpaid = [row for row in stored.rows if row.invoice.balance > 0]
    report.already_paid = len(rows) - len(unpaid)
    cases = [case_input(row, policy, started_by, agency) for row in unpaid]
    report.cases_started, report.cases_existing = await start_cases(client, task_queue, cases, on_progress)
    return report


def case_handle(client: Client, case_id: str) -> WorkflowHandle[InvoiceCollectionWorkflow, CaseStatus]:
    return client.get_workflow_handle_for(InvoiceCollectionWorkflow.run, case_id)


@dataclass
class CaseSummary:
    case_id: str
    execution_status: str
    started_at: str
    memo: dict[str, str]
    status: CaseStatus | None


QUERY_TIMEOUT = timedelta(seconds=10)
CASES_QUERY = "WorkflowType = 'InvoiceCollectionWorkflow'"


async def list_cases(client: Client, limit: int, query: str) -> list[CaseSummary]:
    """The cases a visibility query finds (``models.search_attributes.case_query``), each with the
    status it answers."""
    executions = [execution async for execution in client.list_workflows(query, limit=limit)]
    return await summarize(client, executions)


async def list_case_page(
    client: Client, query: str, page_size: int, page_token: bytes | None = None
) -> tuple[list[CaseSummary], bytes | None]:
    """One page of the cases a visibility query finds, newest first, and the token of the next
    page (None after the last)."""
    executions = client.list_workflows(query, page_size=page_size, next_page_token=page_token)
    await executions.fetch_next_page()
    return await summarize(client, list(executions.current_page)), executions.next_page_token or None


async def summarize(client: Client, executions: list[WorkflowExecution]) -> list[CaseSummary]:
    """Each case with the status it answers (asked all at once)."""

    async def summary(execution: WorkflowExecution) -> CaseSummary:
        status: CaseStatus | None
        try:
            status = await case_handle(client, execution.id).query(
                InvoiceCollectionWorkflow.status, rpc_timeout=QUERY_TIMEOUT
            )
        except Exception:
            # A case that cannot answer (terminated, or no worker running) is listed without details.
            status = None
        try:
            memo = await execution.memo()
        except PayloadDecryptionError:
            # Sealed with a key this process lacks: the case is listed without it.
            memo = {}
        return CaseSummary(
            case_id=execution.id,
            execution_status=execution.status.name if execution.status else "UNKNOWN",
            started_at=execution.start_time.isoformat(),
            memo={key: str(value) for key, value in memo.items()},
            status=status,
        )

    return list(await asyncio.gather(*(summary(execution) for execution in executions)))
