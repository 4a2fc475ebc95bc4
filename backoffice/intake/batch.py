"""An import, from its files to its cases: the policy, rules and key it runs with
(:func:`prepare_import`), then every file read and validated whole, the invoices checked against
what is stored and stored in one transaction, and one case started per unpaid invoice
(:meth:`InvoiceImport.run`). Both doors, the command line and the web back office, import this way,
each phase shown as it goes (``backoffice.intake.progress``); importing again changes nothing, and
an import stopped while starting its cases is completed by running it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from backoffice.intake.fields import ImportRules, InvoiceRow
from backoffice.intake.invoice_file import read_invoices
from backoffice.intake.progress import PHASE_NAMES, ImportPhase, ImportProgress, ImportStopped
from backoffice.intake.store import StoredThenInterrupted, store_invoices
from config.agency import load_agency
from config.case_id_key import case_id_key
from config.judicial import load_judicial_rules
from config.policy import load_policy
from config.settings import Settings
from models.case_ids import account_id_for
from models.invoices import CaseInput
from models.parties import AgencyInfo
from models.policy import EscalationPolicy
from models.status import CaseStatus
from storage.database import Database
from support.french import count_fr
from support.typography import typeset_text
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


class StartsInterrupted(Exception):
    """Starting cases stopped before the last one: how many were started, or there already."""

    def __init__(self, started: int, existing: int, cause: str | None) -> None:
        self.started, self.existing, self.cause = started, existing, cause
        super().__init__(cause or "interrompu")


class ImportInterrupted(Exception):
    """An import that stopped before its end (Ctrl-C, the back office stopping, Temporal lost while
    starting the cases), saying how far it got: nothing is stored before the starting phase; in
    it, every invoice is, and running the same import again starts the cases not started yet."""

    def __init__(
        self, phase: ImportPhase, report: ImportReport, cases_to_start: int, cause: str | None = None
    ) -> None:
        self.phase, self.report, self.cause = phase, report, cause
        if phase != ImportPhase.STARTING:
            what = f"interrompu ({PHASE_NAMES[phase]}) : rien n'est enregistré"
        else:
            started, existing = report.cases_started, report.cases_existing
            there = f", {existing} déjà ouvert{'s' if existing > 1 else ''}" if existing else ""
            what = (
                f"interrompu : {count_fr(started, 'dossier')} ouvert{'s' if started > 1 else ''} sur "
                f"{cases_to_start}{there} ; toutes les factures sont enregistrées : relancez la même "
                "importation pour ouvrir les autres"
            )
        super().__init__(typeset_text(f"{cause} ; {what}" if cause else what))


@dataclass(frozen=True)
class InvoiceImport:
    """Files to import, and what their invoices are checked against and their cases start with."""

    paths: list[Path]
    policy: EscalationPolicy
    # The collection agency whose letters the cases send for the creditors, when one is configured.
    agency: AgencyInfo | None
    rules: ImportRules
    case_id_key: bytes
    invoices_dir: Path
    default_terms: int | None = None
    attachments: Mapping[str, Path] | None = None

    async def run(
        self,
        client: Client,
        database: Database,
        task_queue: str,
        started_by: str,
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Validate every file, then store the invoices and start their cases. Raise
        ``InvoiceFileError`` (nothing stored) or :class:`ImportInterrupted`."""
        progress = progress or ImportProgress()
        rows = await self.validate(progress)
        return await self.store_and_start(client, database, task_queue, started_by, rows, progress)

    async def validate(self, progress: ImportProgress | None = None) -> list[InvoiceRow]:
        """Read and validate every file (:func:`~backoffice.intake.invoice_file.read_invoices`);
        nothing is stored. Raise ``InvoiceFileError`` or :class:`ImportInterrupted`."""
        progress = progress or ImportProgress()
        read = (self.paths, self.invoices_dir, self.default_terms, self.attachments, self.rules, progress)
        try:
            return await asyncio.to_thread(read_invoices, *read)
        except (asyncio.CancelledError, ImportStopped):
            progress.stop()  # the validation's thread stops at its next row
            raise ImportInterrupted(ImportPhase.VALIDATING, ImportReport(), 0) from None

    async def store_and_start(
        self,
        client: Client,
        database: Database,
        task_queue: str,
        started_by: str,
        rows: list[InvoiceRow],
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Store the validated ``rows`` and start their cases (:func:`import_invoices`)."""
        return await import_invoices(
            client,
            database,
            task_queue,
            rows,
            self.policy,
            started_by,
            self.case_id_key,
            self.agency,
            progress,
        )


def prepare_import(
    settings: Settings,
    paths: Sequence[Path],
    policy_name: str,
    default_terms: int | None = None,
    attachments: Mapping[str, Path] | None = None,
    *,
    through_agency: bool = True,
) -> InvoiceImport:
    """Load the escalation policy, the judicial rules, the key of case ids and, ``through_agency``,
    the configured collection agency. Nothing is read yet.

    Raises ``PolicyError``, ``AgencyError``, ``JudicialRulesError`` (the prescription periods
    every claim is checked against) or ``CaseIdKeyError``.
    """
    policy = load_policy(policy_name)
    agency = load_agency(settings.agency_file) if through_agency and settings.agency_file else None
    rules = ImportRules.on(policy, load_judicial_rules(settings.judicial_rules_file))
    key = case_id_key(settings)
    invoices_dir = settings.data_dir / "invoices"
    return InvoiceImport(list(paths), policy, agency, rules, key, invoices_dir, default_terms, attachments)


def case_input(
    row: InvoiceRow,
    case_id: str,
    policy: EscalationPolicy,
    started_by: str,
    agency: AgencyInfo | None = None,
    account_id: str | None = None,
) -> CaseInput:
    return CaseInput(
        case_id=case_id,
        creditor=row.creditor,
        debtor=row.debtor,
        invoice=row.invoice,
        policy=policy,
        started_by=started_by,
        agency=agency,
        account_id=account_id,
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
            # What the lists show without asking the case; sealed by the payload codec, as inputs are.
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
    progress: ImportProgress | None = None,
) -> tuple[int, int]:
    """Start many cases, ``START_CONCURRENCY`` at a time; return (started, already there).

    Stopped (cancelled, ``progress`` stopped, a start failing), no new start begins, those in
    flight end, and :class:`StartsInterrupted` says how many were started."""
    progress = progress or ImportProgress()
    progress.begin(ImportPhase.STARTING, len(cases))
    pending = iter(cases)
    counts = {"started": 0, "existing": 0}
    failures: list[str] = []
    stopping = False

    async def starter() -> None:
        nonlocal stopping
        while not stopping and (case := next(pending, None)) is not None:
            try:
                handle = await start_case(client, task_queue, case)
            except Exception as error:  # the server refused or went away: said, and the rest waits
                failures.append(f"dossier {case.case_id} non ouvert : {type(error).__name__} : {error}")
                stopping = True
                return
            counts["started" if handle is not None else "existing"] += 1
            try:
                progress.advance()
            except ImportStopped:
                stopping = True

    starters = [asyncio.create_task(starter()) for _ in range(min(START_CONCURRENCY, len(cases)))]
    if starters:
        try:
            await asyncio.wait(starters)
        except asyncio.CancelledError:
            # Interrupted: the starts in flight end, so that the count says exactly what started.
            stopping = True
            await asyncio.wait(starters)
    if stopping:
        raise StartsInterrupted(counts["started"], counts["existing"], failures[0] if failures else None)
    return counts["started"], counts["existing"]


async def import_invoices(
    client: Client,
    database: Database,
    task_queue: str,
    rows: list[InvoiceRow],
    policy: EscalationPolicy,
    started_by: str,
    case_id_key: bytes,
    agency: AgencyInfo | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Store validated rows, then start one case per unpaid invoice. Safe to run again.

    With ``agency``, the cases' letters are sent by that collection agency for the creditors.
    Raise ``InvoiceFileError`` (a conflict with what is stored: nothing stored) or
    :class:`ImportInterrupted`.
    """
    report = ImportReport(rows=len(rows))
    interrupted = False
    try:
        stored = await store_invoices(
            database,
            rows,
            policy.name,
            case_id_key,
            imported_by=started_by,
            through_agency=agency is not None,
            progress=progress,
        )
    except StoredThenInterrupted as stop:
        stored, interrupted = stop.stored, True
    except (asyncio.CancelledError, ImportStopped):
        raise ImportInterrupted(ImportPhase.STORING, ImportReport(), 0) from None
    report.invoices_stored, report.invoices_known = stored.new, stored.known
    unpaid = [invoice for invoice in stored.invoices if invoice.row.invoice.balance > 0]
    report.already_paid = len(rows) - len(unpaid)
    # Each case sends through its debtor's account (workflows/debtor_account.py).
    cases = [
        case_input(
            invoice.row,
            invoice.case_id,
            policy,
            started_by,
            agency,
            account_id_for(case_id_key, invoice.row.creditor.siren, invoice.row.debtor.natural_key),
        )
        for invoice in unpaid
    ]
    if interrupted:
        # Stored already, none started: said as an interruption while starting.
        raise ImportInterrupted(ImportPhase.STARTING, report, len(cases))
    try:
        report.cases_started, report.cases_existing = await start_cases(client, task_queue, cases, progress)
    except StartsInterrupted as stopped:
        report.cases_started, report.cases_existing = stopped.started, stopped.existing
        raise ImportInterrupted(ImportPhase.STARTING, report, len(cases), stopped.cause) from None
    return report
