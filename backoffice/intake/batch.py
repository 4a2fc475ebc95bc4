"""An import, from its files to its cases: every file read and validated whole (``read_batch``), then
the invoices stored and one case started per unpaid invoice (``ImportBatch.store_and_start``). Both
doors, the command line and the web back office, import this way; importing again changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from backoffice.intake.fields import InvoiceRow
from backoffice.intake.invoice_file import read_invoices
from backoffice.intake.store import store_invoices
from config.agency import load_agency
from config.policy import load_policy
from config.settings import Settings
from models.case_ids import case_id_for
from models.invoices import CaseInput
from models.parties import AgencyInfo
from models.policy import EscalationPolicy
from models.status import CaseStatus
from storage.database import Database
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


@dataclass(frozen=True)
class ImportBatch:
    """Invoices read and validated whole, and what their cases start with."""

    rows: list[InvoiceRow]
    policy: EscalationPolicy
    # The collection agency whose letters the cases send for the creditors, when one is configured.
    agency: AgencyInfo | None

    @property
    def files(self) -> int:
        """How many files the invoices were read from."""
        return len({row.source for row in self.rows})

    @property
    def cases_to_start(self) -> int:
        """One case per unpaid invoice."""
        return sum(1 for row in self.rows if row.invoice.balance > 0)

    async def store_and_start(
        self,
        client: Client,
        database: Database,
        task_queue: str,
        started_by: str,
        on_progress: Callable[[], None] | None = None,
    ) -> ImportReport:
        """Store the invoices, then start their cases (:func:`import_invoices`)."""
        return await import_invoices(
            client, database, task_queue, self.rows, self.policy, started_by, on_progress, self.agency
        )


async def read_batch(
    settings: Settings,
    paths: Sequence[Path],
    policy_name: str,
    default_terms: int | None = None,
    attachments: Mapping[str, Path] | None = None,
    *,
    through_agency: bool = True,
) -> ImportBatch:
    """Load the escalation policy and, ``through_agency``, the configured collection agency; then
    read and validate every file (:func:`~backoffice.intake.invoice_file.read_invoices`). Nothing is
    stored yet.

    Raises ``PolicyError``, ``AgencyError``, or ``InvoiceFileError`` listing every problem of every
    file.
    """
    policy = load_policy(policy_name)
    agency = load_agency(settings.agency_file) if through_agency and settings.agency_file else None
    invoices_dir = settings.data_dir / "invoices"
    rows = await asyncio.to_thread(read_invoices, paths, invoices_dir, default_terms, attachments)
    return ImportBatch(rows, policy, agency)


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
