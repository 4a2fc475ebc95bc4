"""``relance import``, ``relance list`` and ``relance status``: bring invoices in, read cases."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.service import RPCError

from backoffice.cases import CaseSummary, case_handle, list_cases
from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import (
    CaseArgument,
    CommandFailed,
    JsonOption,
    connect_client,
    console,
    errors,
    failed,
    local,
    open_database,
    print_json,
    rpc_failed,
    run,
    to_json,
    usage_error,
)
from backoffice.cli.session import signed_in_user
from backoffice.inputs import BadOption, day_input
from backoffice.intake.batch import ImportInterrupted, ImportReport, prepare_import
from backoffice.intake.invoice_file import InvoiceFileError
from backoffice.intake.progress import PHASE_NAMES, ImportPhase, ImportProgress
from backoffice.permissions import Permission
from config.agency import AgencyError
from config.case_id_key import CaseIdKeyError
from config.judicial import JudicialRulesError
from config.policy import PolicyError
from config.settings import Settings, load_settings
from law.insolvency import PROCEEDINGS_FR
from law.payment_terms import DEFAULT_TERMS_DAYS, MAX_AGREED_TERMS_DAYS
from models.enums import CaseState, Stage
from models.search_attributes import case_query
from models.status import CaseStatus, InsolvencyStatus
from models.wording import COST_BEARERS, ending_fr, event_fr, stage_fr, state_fr, step_fr
from support.french import count_fr, date_fr, moment_fr, money_fr
from workflows import InvoiceCollectionWorkflow

app = CommandGroup()


@app.command(
    "import",
    help="Vérifier chaque facture, puis les enregistrer et ouvrir un dossier par facture impayée.",
)
def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Fichiers CSV de factures (une par ligne), PDF Factur-X, ou dossiers qui en "
            "contiennent (leurs fichiers *.csv et *.pdf) : un seul lot, importé en entier ou pas du tout.",
            metavar="CHEMIN",
            exists=False,
        ),
    ],
    policy: Annotated[
        str, typer.Option(metavar="NOM", help="Politique de relance (config/policies/NOM.toml).")
    ] = "",
    default_terms: Annotated[
        int | None,
        typer.Option(
            "--default-terms",
            metavar="JOURS",
            min=0,
            max=MAX_AGREED_TERMS_DAYS,
            help="Délai de paiement d'une facture Factur-X sans échéance (le profil MINIMUM n'en a "
            "pas) : échéance = date d'émission + JOURS. Code de commerce L441-10 I : "
            f"{DEFAULT_TERMS_DAYS} jours sans accord des parties, {MAX_AGREED_TERMS_DAYS} au plus.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    settings = load_settings()

    async def go() -> ImportReport:
        user = await signed_in_user(settings, Permission.IMPORT)
        return await import_files(
            settings, paths, policy or settings.policy, user.username, as_json, default_terms
        )

    try:
        report = run(go)
    except ImportInterrupted as interrupted:
        failed(interrupted)
        # 130: stopped by Ctrl-C (SIGINT), as a shell says it; 1: Temporal failed a start.
        raise typer.Exit(130 if interrupted.cause is None else 1) from None
    except KeyboardInterrupt:
        failed("interrompu : rien n'est enregistré")
        raise typer.Exit(130) from None
    if as_json:
        print_json(asdict(report))


def _refuse(error: InvoiceFileError) -> CommandFailed:
    for problem in error.problems:
        errors.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    return CommandFailed(str(error))


class _ProgressBars(ImportProgress):
    """The import's phases as progress bars on stderr, one under the other."""

    def __init__(self, bars: Progress) -> None:
        super().__init__()
        self._bars = bars
        self._task: TaskID | None = None

    def begin(self, phase: ImportPhase, total: int) -> None:
        self._task = self._bars.add_task(PHASE_NAMES[phase], total=total)

    def advanced(self, steps: int) -> None:
        if self._task is not None:
            self._bars.advance(self._task, steps)


async def import_files(
    settings: Settings,
    paths: list[Path],
    policy_name: str,
    agent: str,
    quiet: bool = False,
    default_terms: int | None = None,
) -> ImportReport:
    """Import a batch (``backoffice.intake.batch``) with a progress bar a phase, and say what it did.
    Raise ``ImportInterrupted`` when it stops before its end (Ctrl-C)."""
    try:
        batch = prepare_import(settings, paths, policy_name, default_terms)
    except (PolicyError, AgencyError, JudicialRulesError, CaseIdKeyError) as error:
        raise CommandFailed(str(error)) from error
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, disable=quiet) as bars:
        progress = _ProgressBars(bars)
        try:
            # Validated first: a bad file is refused even with Temporal or the database away.
            rows = await batch.validate(progress)
            async with open_database(settings) as database:
                client = await connect_client(settings)
                report = await batch.store_and_start(
                    client, database, settings.temporal_task_queue, agent, rows, progress
                )
        except InvoiceFileError as error:
            raise _refuse(error) from error
    if not quiet:
        console.print(_what_was_imported(len({row.source for row in rows}), report, batch.policy.name))
    return report


def _what_was_imported(files: int, report: ImportReport, policy: str) -> str:
    return (
        f"{count_fr(files, 'fichier')}, {count_fr(report.rows, 'facture')} : "
        f"{count_fr(report.invoices_stored, 'enregistrée')}, "
        f"{count_fr(report.invoices_known, 'déjà connue')}, "
        f"{count_fr(report.already_paid, 'déjà payée')} ; {count_fr(report.cases_started, 'dossier')} "
        f"{'ouverts' if report.cases_started > 1 else 'ouvert'}, "
        f"{count_fr(report.cases_existing, 'déjà ouvert')} (politique {policy})"
    )


@app.command(
    "list",
    help="Lister les dossiers avec leur étape, leur solde et leur prochaine action, filtrés par la "
    "visibilité de Temporal.",
)
def list_command(
    all_cases: Annotated[bool, typer.Option("--all", help="Avec les dossiers clos.")] = False,
    limit: Annotated[int, typer.Option(help="Au plus ce nombre de dossiers.")] = 100,
    state: Annotated[CaseState | None, typer.Option(help="Seulement les dossiers dans cet état.")] = None,
    stage: Annotated[Stage | None, typer.Option(help="Seulement les dossiers à cette étape.")] = None,
    paused: Annotated[
        bool | None,
        typer.Option("--paused/--not-paused", help="Seulement les dossiers en pause (ou en cours)."),
    ] = None,
    disputed: Annotated[
        bool | None,
        typer.Option("--disputed/--not-disputed", help="Seulement les dossiers avec (ou sans) litige."),
    ] = None,
    creditor: Annotated[
        str | None, typer.Option(metavar="SIREN", help="Seulement les dossiers de ce créancier.")
    ] = None,
    due_before: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Seulement les factures échues avant cette date (31/03/2026 ou 2026-03-31)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    try:
        query = case_query(
            running_only=not all_cases,
            state=state,
            stage=stage,
            paused=paused,
            disputed=disputed,
            creditor_siren=creditor,
            due_before=day_input("--due-before", due_before) if due_before else None,
        )
    except BadOption as error:
        raise usage_error(error) from None
    except ValueError as error:  # the creditor's SIREN
        raise usage_error(BadOption.of("--creditor", error)) from None

    async def go() -> None:
        settings = load_settings()
        await signed_in_user(settings, Permission.READ)
        client = await connect_client(settings)
        _print_cases(await list_cases(client, limit=limit, query=query), as_json)

    run(go)


def _print_cases(cases: list[CaseSummary], as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "case_id": c.case_id,
                    "execution_status": c.execution_status,
                    "started_at": c.started_at,
                    "memo": c.memo,
                    "state": c.state.value if c.state else None,
                    "stage": c.stage.value if c.stage else None,
                    "balance": str(c.balance) if c.balance is not None else None,
                    "paused": c.paused,
                    "disputed": c.disputed,
                    "next_action": c.next_action,
                    "next_action_at": c.next_action_at.isoformat() if c.next_action_at else None,
                }
                for c in cases
            ]
        )
        return
    table = Table("dossier", "facture", "débiteur", "état", "étape", "solde", "prochaine action")
    for c in cases:
        table.add_row(
            c.case_id,
            c.memo.get("invoice", ""),
            c.memo.get("debtor", ""),
            state_fr(c.state) if c.state else ending_fr(c.execution_status),
            stage_fr(c.stage) if c.stage else "",
            money_fr(c.balance) if c.balance is not None else "",
            _next_action(c.paused, None, c.next_action, c.next_action_at),
        )
    console.print(table)


def _next_action(
    paused: bool | None, pause_until: datetime | None, next_action: str | None, at: datetime | None
) -> str:
    if paused:
        return f"en pause jusqu'au {moment_fr(pause_until)}" if pause_until else "en pause"
    if next_action is None:
        return ""
    return f"{step_fr(next_action)} le {moment_fr(at)}" if at else step_fr(next_action)


@app.command(
    help="Montrer un dossier : étape, solde, pause, prochaine action et chacune des actions passées."
)
def status(case_id: CaseArgument, as_json: JsonOption = False) -> None:

    async def go() -> None:
        settings = load_settings()
        await signed_in_user(settings, Permission.READ)
        client = await connect_client(settings)
        try:
            result = await case_handle(client, case_id).query(InvoiceCollectionWorkflow.status)
        except RPCError as error:
            raise rpc_failed(case_id, error) from error
        if as_json:
            print_json(to_json(result))
        else:
            _print_status(result)

    run(go)


def _print_status(s: CaseStatus) -> None:
    console.print(
        f"[bold]{s.case_id}[/bold]  facture {s.invoice_number}  {s.creditor_name} → {s.debtor_name}"
    )
    stage = stage_fr(s.stage) if s.stage else "-"
    console.print(f"état : {state_fr(s.state)}  étape : {stage}  solde : {money_fr(s.balance, s.currency)}")
    if s.paused:
        until = f" jusqu'au {moment_fr(s.pause_until)}" if s.pause_until else ""
        console.print(f"en pause : {s.pause_reason}{until}")
    if s.waiting_for:
        console.print(f"attend : {s.waiting_for}")
    if s.dispute_reason:
        console.print(f"litige ouvert : {s.dispute_reason}")
    if s.insolvency:
        console.print(f"procédure collective : {_proceedings(s.insolvency)}")
    if s.recovered or s.costs:
        costs = ", ".join(f"{money_fr(c.amount, s.currency)} {COST_BEARERS[c.borne_by]}" for c in s.costs)
        recovered = money_fr(s.recovered, s.currency)
        console.print(f"recouvré par le commissaire de justice : {recovered} ; frais : {costs or '-'}")
    if s.prescription_ends_on and not s.state.is_closed:
        console.print(f"prescription : après le {date_fr(s.prescription_ends_on)}")
    if s.next_action:
        next_action = _next_action(s.paused, s.pause_until, s.next_action, s.next_action_at)
        console.print(f"prochaine action : {next_action}")
    table = Table("quand", "quoi", "par", "détail", "SHA-256 du document")
    for action in s.actions:
        sha256 = (action.document_sha256 or "")[:16]
        table.add_row(local(action.at), event_fr(action.kind), action.actor, action.detail, sha256)
    console.print(table)


def _proceedings(insolvency: InsolvencyStatus) -> str:
    """The proceedings against the debtor, and where the declaration of claim stands."""
    opened_on = date_fr(insolvency.opened_on)
    text = f"{PROCEEDINGS_FR[insolvency.kind]}, jugement du {opened_on} ({insolvency.court})"
    if insolvency.declaration_sent_on is not None:
        return f"{text} ; déclaration de créance envoyée le {date_fr(insolvency.declaration_sent_on)}"
    if insolvency.deadline is not None:
        return f"{text} ; déclaration de créance à envoyer au plus tard le {date_fr(insolvency.deadline)}"
    return f"{text} ; date de publication au BODACC à renseigner"
