"""``relance``: the back office's command line.

Start the embedded system, import invoices, steer cases and audit them. Read commands take
``--json`` for scripts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.labels import LabelImageFormat, label_image
from activities.registered_mail import record_postal_event, record_postal_tracking
from backoffice import audit, labels, litigation
from backoffice.cases import ImportReport, case_handle, import_invoices, list_cases
from backoffice.commands import LOCAL_ZONE, CommandRefused, moment_from_text, rpc_failure, send_command
from backoffice.invoice_file import InvoiceFileError, read_invoices
from config.agency import AgencyError, load_agency
from config.policy import PolicyError, load_policy
from config.rates import RateTableError, load_rate_tables
from config.settings import DEMO_INVOICES_FILE, DEMO_POLICY, Settings, load_settings
from law.penalties import PenaltyRequest, PenaltyStatement, RateNotKnown, compute_penalties
from models.commands import (
    BailiffReport,
    BailiffReportKind,
    CostBearer,
    DisputeRequest,
    EscalateRequest,
    FilingDecision,
    PauseRequest,
    PaymentRequest,
    PromiseRequest,
    ResumeRequest,
)
from models.enums import CaseState, DebtorKind, LabelColour, Role, Stage
from models.mail import DeliveryEventKind
from models.search_attributes import case_query
from models.status import CaseStatus
from security.payload_codec import PayloadDecryptionError
from storage.database import Database
from storage.tables import CaseEvent
from support.files import write_atomically
from support.parsing import parse_amount, parse_date
from workflows import InvoiceCollectionWorkflow

app = typer.Typer(no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
audit_app = typer.Typer(no_args_is_help=True, help="Prove what was done on cases, from their histories.")
app.add_typer(audit_app, name="audit")
label_app = typer.Typer(
    no_args_is_help=True,
    help="The good-practice label: verify a code, label an invoice, attestation, images.",
)
app.add_typer(label_app, name="label")
user_app = typer.Typer(no_args_is_help=True, help="Accounts of the web back office.")
app.add_typer(user_app, name="user")
letter_app = typer.Typer(
    no_args_is_help=True,
    help="Postal registered letters: record the post's tracking number and what it reports.",
)
app.add_typer(letter_app, name="letter")
console = Console()
errors = Console(stderr=True)

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AgentOption = Annotated[
    str,
    typer.Option("--agent", envvar="RELANCE_AGENT", help="Who gives the command (kept in the journal)."),
]


class CommandFailed(Exception):
    """A failure the user can act on: printed as one line, exit code 1."""


def run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(coroutine_factory())  # type: ignore[arg-type]
    except CommandFailed as failure:
        errors.print(f"[red]error:[/red] {failure}")
        raise typer.Exit(1) from None
    except PayloadDecryptionError as error:
        # A case sealed with a key this process lacks (RELANCE_PAYLOAD_KEYS, see the README).
        errors.print(f"[red]error:[/red] payload keys: {error}")
        raise typer.Exit(1) from None


def default_agent() -> str:
    return os.environ.get("USER", "agent")


async def connect_client(settings: Settings) -> Client:
    """The back office's client: it encrypts and decrypts payloads with the configured keys."""
    from config.temporal import connect
    from security.payload_codec import PayloadKeyError

    try:
        return await connect(settings)
    except PayloadKeyError as error:
        raise CommandFailed(f"payload keys: {error}") from error
    except RuntimeError as error:
        raise CommandFailed(
            f"cannot reach Temporal at {settings.temporal_address} ({error}); is `relance up` running?"
        ) from error


def print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str, ensure_ascii=False))


def to_json(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


# --- up ------------------------------------------------------------------------------------------


@app.command()
def up(
    demo: Annotated[
        bool, typer.Option(help="Also import the bundled demo invoices with the demo policy.")
    ] = False,
) -> None:
    """Start everything on embedded defaults: Temporal dev server, SMTP outbox and the worker."""
    run(lambda: _up(demo))


async def _up(demo: bool) -> None:
    from embedded.devserver import DevServer, DevServerError
    from embedded.smtp_outbox import OutboxSMTPServer
    from worker import quiet_libraries, run_worker, stop_on_signals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await _backoffice_port_is_free(settings)
    server = DevServer(
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        db_file=settings.temporal_db_file,
        ui_port=settings.temporal_ui_port,
        log_file=settings.data_dir / "temporal.log",
        codec_endpoint=f"{settings.backoffice_url}/codec",
    )
    console.print(f"starting the Temporal dev server ({settings.temporal_db_file})")
    try:
        await server.start()
    except DevServerError as error:
        raise CommandFailed(str(error)) from error
    try:
        with OutboxSMTPServer(settings.outbox_dir, host=settings.smtp_host, port=settings.smtp_port):
            stop = asyncio.Event()
            stop_on_signals(stop)
            worker = asyncio.create_task(run_worker(settings, stop))
            backoffice = asyncio.create_task(serve_backoffice(settings, stop))
            if demo:
                await _import(settings, [DEMO_INVOICES_FILE], DEMO_POLICY, agent="demo")
            _print_banner(settings, server.ui_url)
            await asyncio.gather(worker, backoffice)
    finally:
        console.print("stopping the Temporal dev server")
        server.stop()
    console.print("stopped; `relance up` again finds every case where it was")


def _print_banner(settings: Settings, ui_url: str) -> None:
    console.print(
        "\n[bold green]Relance is running.[/bold green] Ctrl-C stops everything.\n"
        f"  Back office      {settings.backoffice_url}  (the first visit creates the administrator)\n"
        f"  Temporal UI      {ui_url}  (payloads decoded by the back office's codec endpoint)\n"
        f"  Temporal server  {settings.temporal_address} (namespace {settings.temporal_namespace})\n"
        f"  Outbox (mails)   {settings.outbox_dir}  (one .eml file per mail)\n"
        f"  Documents (PDF)  {settings.documents_dir}\n"
        f"  Registered mail  {settings.registered_mail_dir}\n"
        f"  Bailiff dossiers {settings.dossiers_dir}\n"
        f"  Database         {settings.effective_database_url}\n"
        "In another terminal: relance list | relance status ID | relance pause ID --reason R | "
        "relance pay ID AMOUNT | relance audit replay --all\n"
    )


async def _backoffice_port_is_free(settings: Settings) -> None:
    from embedded.devserver import port_is_open

    if await port_is_open(settings.backoffice_host, settings.backoffice_port):
        raise CommandFailed(
            f"{settings.backoffice_host}:{settings.backoffice_port} is already taken (another back office?): "
            "stop it, or set RELANCE_BACKOFFICE_PORT"
        )


async def serve_backoffice(settings: Settings, stop: asyncio.Event) -> None:
    """Serve the web back office until ``stop`` is set."""
    import uvicorn

    from backoffice.web.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=settings.backoffice_host,
            port=settings.backoffice_port,
            log_level="warning",
            # Signals are the caller's: `relance up` stops everything at once.
            lifespan="on",
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    serving = asyncio.create_task(server.serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await serving
    stopping.cancel()


@app.command("backoffice")
def backoffice_command() -> None:
    """Serve the web back office alone (the worker and Temporal run elsewhere)."""
    from worker import stop_on_signals

    settings = load_settings()

    async def go() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await _backoffice_port_is_free(settings)
        console.print(f"back office on {settings.backoffice_url}")
        await serve_backoffice(settings, stop)

    run(go)


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    full_name: Annotated[str, typer.Option("--name", help="Full name shown in the back office.")] = "",
    password_from_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")
    ] = False,
) -> None:
    """Create a back-office account; the password is asked twice (or read from stdin)."""
    from backoffice.accounts import AccountError, add_user

    if password_from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)

    async def go() -> None:
        async with _open_database(load_settings()) as database:
            try:
                user = await add_user(database, username, password, role, full_name)
            except AccountError as error:
                raise CommandFailed(str(error)) from error
        console.print(f"user {user.username} created ({user.role.value})")

    run(go)


@user_app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    """List the back-office accounts."""
    from backoffice.accounts import list_users

    async def go() -> None:
        async with _open_database(load_settings()) as database:
            users = await list_users(database)
        rows = [
            {"username": u.username, "name": u.full_name, "role": str(u.role), "active": u.active}
            for u in users
        ]
        if as_json:
            print_json(rows)
            return
        table = Table("username", "name", "role", "active")
        for row in rows:
            table.add_row(row["username"], row["name"], row["role"], "yes" if row["active"] else "no")
        console.print(table)

    run(go)


# --- import --------------------------------------------------------------------------------------


@app.command("import")
def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="CSV files of invoices (one per row), Factur-X PDFs, or folders of them "
            "(their *.csv and *.pdf files): one batch, imported whole or not at all.",
            metavar="PATH",
            exists=False,
        ),
    ],
    policy: Annotated[str, typer.Option(help="Escalation policy (config/policies/NAME.toml).")] = "",
    default_terms: Annotated[
        int | None,
        typer.Option(
            "--default-terms",
            metavar="DAYS",
            min=0,
            max=60,
            help="Payment terms of a Factur-X invoice that has no due date (the MINIMUM profile has "
            "none): due date = issue date + DAYS. Code de commerce L441-10 I: 30 days when nothing "
            "was agreed, 60 at most.",
        ),
    ] = None,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Validate every invoice, then store them and start one case per unpaid invoice."""
    settings = load_settings()
    report = run(
        lambda: _import(
            settings, paths, policy or settings.policy, agent or default_agent(), as_json, default_terms
        )
    )
    if as_json:
        print_json(asdict(report))


def _refuse(error: InvoiceFileError) -> CommandFailed:
    for problem in error.problems:
        errors.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    return CommandFailed(str(error))


async def _import(
    settings: Settings,
    paths: list[Path],
    policy_name: str,
    agent: str,
    quiet: bool = False,
    default_terms: int | None = None,
) -> ImportReport:
    try:
        policy = load_policy(policy_name)
    except PolicyError as error:
        raise CommandFailed(str(error)) from error
    try:
        agency = load_agency(settings.agency_file) if settings.agency_file else None
    except AgencyError as error:
        raise CommandFailed(str(error)) from error
    try:
        rows = read_invoices(paths, settings.data_dir / "invoices", default_terms)
    except InvoiceFileError as error:
        raise _refuse(error) from error
    database = Database(settings.effective_database_url)
    try:
        await database.migrate()
        client = await connect_client(settings)
        columns = (TextColumn("starting cases"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=errors, disable=quiet) as progress:
            task = progress.add_task("start", total=sum(1 for r in rows if r.invoice.balance > 0))
            report = await import_invoices(
                client,
                database,
                settings.temporal_task_queue,
                rows,
                policy,
                started_by=agent,
                on_progress=lambda: progress.advance(task),
                agency=agency,
            )
    except InvoiceFileError as error:
        raise _refuse(error) from error
    finally:
        await database.dispose()
    if not quiet:
        files = len({row.source for row in rows})
        console.print(
            f"{files} file(s): {report.rows} invoice(s); {report.invoices_stored} stored, "
            f"{report.invoices_known} already known, {report.already_paid} already paid; "
            f"{report.cases_started} case(s) started, {report.cases_existing} already existed "
            f"(policy {policy.name})"
        )
    return report


# --- read commands -------------------------------------------------------------------------------


@app.command("list")
def list_command(
    all_cases: Annotated[bool, typer.Option("--all", help="Include closed cases.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many cases.")] = 100,
    state: Annotated[CaseState | None, typer.Option(help="Only cases in this state.")] = None,
    stage: Annotated[Stage | None, typer.Option(help="Only cases at this stage.")] = None,
    paused: Annotated[
        bool | None, typer.Option("--paused/--not-paused", help="Only paused (or running) cases.")
    ] = None,
    disputed: Annotated[
        bool | None,
        typer.Option("--disputed/--not-disputed", help="Only cases with (or without) a dispute open."),
    ] = None,
    creditor: Annotated[str | None, typer.Option(help="Only the cases of this creditor (SIREN).")] = None,
    due_before: Annotated[
        str | None, typer.Option(help="Only invoices due before this date (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List cases with their stage, balance and next action, filtered through Temporal visibility."""
    try:
        query = case_query(
            running_only=not all_cases,
            state=state,
            stage=stage,
            paused=paused,
            disputed=disputed,
            creditor_siren=creditor,
            due_before=parse_date(due_before) if due_before else None,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error

    async def go() -> None:
        settings = load_settings()
        client = await connect_client(settings)
        cases = await list_cases(client, limit=limit, query=query)
        if as_json:
            print_json(
                [
                    {
                        "case_id": c.case_id,
                        "execution_status": c.execution_status,
                        "started_at": c.started_at,
                        "memo": c.memo,
                        "status": to_json(c.status) if c.status else None,
                    }
                    for c in cases
                ]
            )
            return
        table = Table("case", "invoice", "debtor", "state", "stage", "balance", "next action")
        for c in cases:
            s = c.status
            table.add_row(
                c.case_id,
                c.memo.get("invoice", ""),
                c.memo.get("debtor", ""),
                s.state.value if s else c.execution_status.lower(),
                s.stage.value if s and s.stage else "",
                f"{s.balance} {s.currency}" if s else "",
                _next_action(s) if s else "",
            )
        console.print(table)

    run(go)


def _next_action(status: CaseStatus) -> str:
    if status.paused:
        until = f" until {_local(status.pause_until)}" if status.pause_until else ""
        return f"paused{until}"
    if status.next_action is None:
        return ""
    when = f" at {_local(status.next_action_at)}" if status.next_action_at else ""
    return f"{status.next_action}{when}"


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


@app.command()
def status(case_id: str, as_json: JsonOption = False) -> None:
    """Show one case: stage, balance, pause, next action and every action so far."""

    async def go() -> None:
        client = await connect_client(load_settings())
        try:
            result = await case_handle(client, case_id).query(InvoiceCollectionWorkflow.status)
        except RPCError as error:
            raise _rpc_failure(case_id, error) from error
        if as_json:
            print_json(to_json(result))
        else:
            _print_status(result)

    run(go)


def _print_status(s: CaseStatus) -> None:
    console.print(
        f"[bold]{s.case_id}[/bold]  invoice {s.invoice_number}  {s.creditor_name} → {s.debtor_name}"
    )
    console.print(
        f"state {s.state.value}  stage {s.stage.value if s.stage else '-'}  balance {s.balance} {s.currency}"
    )
    if s.paused:
        console.print(
            f"paused: {s.pause_reason}" + (f" until {_local(s.pause_until)}" if s.pause_until else "")
        )
    if s.waiting_for:
        console.print(f"waiting for: {s.waiting_for}")
    if s.dispute_reason:
        console.print(f"dispute open: {s.dispute_reason}")
    if s.recovered or s.costs:
        costs = ", ".join(f"{c.amount} {s.currency} borne by the {c.borne_by.value}" for c in s.costs)
        recovered = f"{s.recovered} {s.currency}"
        console.print(f"recovered by the commissaire de justice: {recovered}; costs: {costs or '-'}")
    if s.prescription_ends_on and not s.state.is_closed:
        console.print(f"time-barred after {s.prescription_ends_on.isoformat()} (prescription)")
    if s.next_action:
        console.print(f"next: {_next_action(s)}")
    table = Table("when", "what", "by", "detail", "document sha256")
    for action in s.actions:
        table.add_row(
            _local(action.at), action.kind, action.actor, action.detail, (action.document_sha256 or "")[:16]
        )
    console.print(table)


def _rpc_failure(case_id: str, error: RPCError) -> CommandFailed:
    return CommandFailed(str(rpc_failure(case_id, error)))


# --- agent commands ------------------------------------------------------------------------------


def _command(case_id: str, update: Any, request: BaseModel, as_json: bool) -> None:
    async def go() -> None:
        client = await connect_client(load_settings())
        try:
            result = await send_command(client, case_id, update, request)
        except CommandRefused as refusal:
            raise CommandFailed(str(refusal)) from refusal
        if as_json:
            print_json(to_json(result))
        else:
            console.print(f"{case_id}: {result.message}")

    run(go)


def parse_moment(text: str) -> datetime:
    """``moment_from_text`` for an option: bad input is a usage error."""
    try:
        return moment_from_text(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


@app.command()
def pause(
    case_id: str,
    reason: Annotated[str, typer.Option(help="Why the case is paused (kept in the journal).")],
    until: Annotated[str | None, typer.Option(help="Resume by itself at this date or date-time.")] = None,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Pause a case: no letter goes out until it is resumed (or until --until)."""
    request = PauseRequest(
        reason=reason, until=parse_moment(until) if until else None, agent=agent or default_agent()
    )
    _command(case_id, InvoiceCollectionWorkflow.pause, request, as_json)


@app.command()
def resume(case_id: str, agent: AgentOption = "", as_json: JsonOption = False) -> None:
    """Resume a paused case; a step that fell due meanwhile goes out now."""
    _command(
        case_id, InvoiceCollectionWorkflow.resume, ResumeRequest(agent=agent or default_agent()), as_json
    )


@app.command()
def escalate(
    case_id: str,
    to: Annotated[
        Stage | None, typer.Option("--to", help="Stage to jump to (default: the next one).")
    ] = None,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Move a case to a later stage now; refused when the law or the case does not allow it."""
    request = EscalateRequest(to_stage=to, agent=agent or default_agent())
    _command(case_id, InvoiceCollectionWorkflow.escalate, request, as_json)


@app.command()
def pay(
    case_id: str,
    amount: Annotated[str, typer.Argument(help="Amount received, e.g. 150.00 or 150,00.")],
    on: Annotated[str | None, typer.Option("--date", help="Date received (default today).")] = None,
    reference: Annotated[str, typer.Option(help="Bank reference of the payment.")] = "",
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Record a payment; the case closes when the balance reaches zero."""
    try:
        value = parse_amount(amount)
        paid_on = parse_date(on) if on else datetime.now(LOCAL_ZONE).date()
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    request = PaymentRequest(
        amount=value, paid_on=paid_on, agent=agent or default_agent(), reference=reference
    )
    _command(case_id, InvoiceCollectionWorkflow.record_payment, request, as_json)


@app.command()
def promise(
    case_id: str,
    amount: Annotated[str, typer.Argument(help="Amount promised, e.g. 500.00 or 500,00.")],
    by: Annotated[str, typer.Option("--by", help="Date by which the debtor promises to pay.")],
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Record the debtor's promise to pay: the ladder waits until the date, then goes on, one stage
    further at once if the promise is broken."""
    try:
        request = PromiseRequest(
            amount=parse_amount(amount), by=parse_date(by), agent=agent or default_agent()
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    _command(case_id, InvoiceCollectionWorkflow.promise_to_pay, request, as_json)


@app.command()
def decide(
    case_id: str,
    reject: Annotated[
        bool, typer.Option("--reject", help="Reject the filing instead of approving it.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why (required to reject).")] = "",
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Approve (or --reject) a judicial filing: another agent than the one who asked for it."""
    request = FilingDecision(approve=not reject, agent=agent or default_agent(), reason=reason)
    _command(case_id, InvoiceCollectionWorkflow.decide_filing, request, as_json)


@app.command()
def dispute(
    case_id: str,
    reason: Annotated[
        str, typer.Option(help="What the debtor disputes, or how it was settled (kept in the journal).")
    ],
    close: Annotated[
        bool, typer.Option("--close", help="Close the open dispute instead of opening one.")
    ] = False,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Open a dispute: the ladder holds and no filing goes to court; --close it to go on."""
    request = DisputeRequest(open=not close, reason=reason, agent=agent or default_agent())
    _command(case_id, InvoiceCollectionWorkflow.dispute, request, as_json)


# The report field each option fills: an error names the option to correct.
BAILIFF_OPTIONS = {
    "kind": "KIND",
    "amount": "--amount",
    "received_on": "--date",
    "costs": "--costs",
    "costs_borne_by": "--borne-by",
    "note": "--note",
}


def _euros(option: str, text: str) -> Decimal:
    amount = _option(option, parse_amount, text)
    if amount < 0:
        raise BadOption(option, f"{text!r} is negative")
    return amount


def bailiff_report(
    kind: str,
    amount: str | None,
    received_on: str | None,
    costs: str | None,
    borne_by: str | None,
    note: str,
    agent: str,
) -> BailiffReport:
    """The report the arguments describe, or ``BadOption`` naming the first one to correct."""
    if kind not in {item.value for item in BailiffReportKind}:
        raise BadOption("KIND", f"{kind!r} is not accepted, recovered, failed or closed")
    recovered = kind == BailiffReportKind.RECOVERED
    value = _euros("--amount", amount) if amount is not None else None
    if recovered and not value:
        raise BadOption("--amount", "a recovery report needs the amount recovered")
    if not recovered and value is not None:
        raise BadOption("--amount", f"only a recovery report carries an amount, not {kind!r}")
    if received_on is not None and not recovered:
        raise BadOption("--date", f"only a recovery report has a date received, not {kind!r}")
    day = _option("--date", parse_date, received_on) if received_on is not None else None
    cost = _euros("--costs", costs) if costs is not None else Decimal("0.00")
    if borne_by is not None and borne_by not in {bearer.value for bearer in CostBearer}:
        raise BadOption("--borne-by", f"{borne_by!r} is not debtor or creditor")
    if cost and borne_by is None:
        raise BadOption(
            "--borne-by",
            "say who bears the costs: debtor (enforcement under a title, CPCE L111-8) or creditor",
        )
    if borne_by is not None and not cost:
        raise BadOption("--borne-by", "no --costs to bear")
    try:
        return BailiffReport.model_validate(
            {
                "kind": kind,
                "amount": value or Decimal("0.00"),
                "received_on": day,
                "costs": cost,
                "costs_borne_by": borne_by,
                "note": note,
                "agent": agent,
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        option = BAILIFF_OPTIONS.get(str(first["loc"][0]) if first["loc"] else "", "input")
        raise BadOption(option, first["msg"].removeprefix("Value error, ")) from error


@app.command()
def bailiff(
    case_id: str,
    kind: Annotated[
        str,
        typer.Argument(
            help="What the commissaire de justice reports: accepted, recovered, failed or closed."
        ),
    ],
    amount: Annotated[
        str | None, typer.Option(help="Sum recovered (recovered only), e.g. 850.00 or 850,00.")
    ] = None,
    received_on: Annotated[
        str | None,
        typer.Option("--date", help="Date the sum was received (recovered only; default today)."),
    ] = None,
    costs: Annotated[str | None, typer.Option(help="Costs of the acts reported, e.g. 120,50.")] = None,
    borne_by: Annotated[
        str | None,
        typer.Option(
            "--borne-by",
            help="Who bears the costs: debtor (enforcement under a title, CPCE L111-8; A444-31) or "
            "creditor (amicable collection, small-claims procedure; A444-32).",
        ),
    ] = None,
    note: Annotated[str, typer.Option(help="What the report says (kept in the journal).")] = "",
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Record a report of the commissaire de justice on the case's dossier: accepted, recovered
    (lowers the balance), failed or closed (the case closes)."""
    try:
        report = bailiff_report(kind, amount, received_on, costs, borne_by, note, agent or default_agent())
    except BadOption as error:
        raise _usage_error(error) from None
    _command(case_id, InvoiceCollectionWorkflow.report_from_bailiff, report, as_json)


# --- penalties -----------------------------------------------------------------------------------

# The request field each option fills: an error names the option to correct.
PENALTY_OPTIONS = {
    "principal": "--amount",
    "due_date": "--due",
    "until": "--until",
    "debtor_kind": "--debtor",
    "contract_rate_percent": "--contract-rate",
    "notice_date": "--notice",
    "payments": "--payment",
    "further_costs": "--further-costs",
}


class BadOption(Exception):
    """An option to correct: printed as one line naming it, exit code 2 (a usage error)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")


def _usage_error(error: BadOption) -> typer.Exit:
    """Print ``error`` as one line; the exit to raise (code 2, a usage error)."""
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(2)


def parse_rate(text: str) -> Decimal:
    """A rate in percent a year: ``8.5``, ``8,5`` or ``8,5 %``."""
    try:
        rate = Decimal(text.replace("%", "").replace(",", ".").strip())
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not a rate in percent") from error
    if not rate.is_finite():
        raise ValueError(f"{text!r} is not a rate in percent")
    return rate


def parse_payment(text: str) -> tuple[date, Decimal]:
    """``DATE:AMOUNT``: ``2026-03-15:400`` or ``15/03/2026:400,00``."""
    day, separator, amount = text.partition(":")
    if not separator:
        raise ValueError(f"{text!r} is not DATE:AMOUNT (e.g. 2026-03-15:400.00)")
    return parse_date(day), parse_amount(amount)


def _option(option: str, parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except ValueError as error:
        raise BadOption(option, str(error)) from error


def penalty_request(
    amount: str,
    due: str,
    until: str,
    debtor: str,
    contract_rate: str | None,
    notice: str | None,
    payments: list[str],
    further_costs: str,
) -> PenaltyRequest:
    """The request the options describe, or ``BadOption`` naming the first option to correct."""
    if debtor not in {kind.value for kind in DebtorKind}:
        raise BadOption("--debtor", f"{debtor!r} is not business or consumer")
    if contract_rate is not None and debtor == DebtorKind.CONSUMER.value:
        raise BadOption(
            "--contract-rate", "a consumer owes the legal rate (Code civil 1231-6), not a contract rate"
        )
    fields = {
        "principal": _option("--amount", parse_amount, amount),
        "due_date": _option("--due", parse_date, due),
        "until": _option("--until", parse_date, until),
        "debtor_kind": debtor,
        "contract_rate_percent": _option("--contract-rate", parse_rate, contract_rate)
        if contract_rate
        else None,
        "notice_date": _option("--notice", parse_date, notice) if notice else None,
        "payments": [_option("--payment", parse_payment, text) for text in payments],
        "further_costs": _option("--further-costs", parse_amount, further_costs),
    }
    try:
        return PenaltyRequest.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        option = PENALTY_OPTIONS.get(str(first["loc"][0]) if first["loc"] else "", "input")
        raise BadOption(option, first["msg"].removeprefix("Value error, ")) from error


@app.command()
def penalties(
    amount: Annotated[str, typer.Option(help="Principal of the invoice, e.g. 1234.56 or 1 234,56.")],
    due: Annotated[str, typer.Option(help="Due date of the invoice.")],
    until: Annotated[str, typer.Option(help="Last day counted, inclusive.")],
    debtor: Annotated[
        str, typer.Option(help="business (L441-10) or consumer (Code civil 1231-6).")
    ] = "business",
    contract_rate: Annotated[
        str | None, typer.Option(help="Late-payment rate of the terms of sale, percent a year.")
    ] = None,
    notice: Annotated[
        str | None, typer.Option(help="Date of the formal notice (consumer: required).")
    ] = None,
    payment: Annotated[
        list[str] | None, typer.Option(help="A payment received, DATE:AMOUNT; repeat for several.")
    ] = None,
    further_costs: Annotated[
        str, typer.Option(help="Justified recovery costs beyond the 40 EUR indemnity.")
    ] = "0",
    as_json: JsonOption = False,
) -> None:
    """Compute late-payment penalties period by period, from the rate tables (no server needed)."""
    try:
        request = penalty_request(
            amount, due, until, debtor, contract_rate, notice, payment or [], further_costs
        )
        rates = load_rate_tables(load_settings().rates_dir)
        try:
            statement = compute_penalties(request, rates)
        except RateNotKnown as error:
            covered = rates.covered_until()
            option = "--until" if covered is not None and request.until > covered else "--due"
            raise BadOption(option, f"beyond the rate tables: {error}") from error
    except BadOption as error:
        raise _usage_error(error) from None
    except RateTableError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        print_json(to_json(statement))
    else:
        _print_penalties(statement)


def _print_penalties(statement: PenaltyStatement) -> None:
    table = Table(
        "from",
        "to",
        "days",
        "base",
        "rate %",
        "rate source",
        "interest",
        title=f"penalties to {statement.until}",
    )
    for period in statement.periods:
        table.add_row(
            str(period.start),
            str(period.end),
            str(period.days),
            str(period.base),
            str(period.rate_percent),
            Text(period.rate_source),
            str(period.interest),
        )
    table.add_section()
    table.add_row("", "", "", "", "", "interest", str(statement.interest))
    table.add_row("", "", "", "", "", "indemnity (D441-5)", str(statement.indemnity))
    if statement.further_costs:
        table.add_row("", "", "", "", "", "further costs", str(statement.further_costs))
    table.add_row("", "", "", "", "", "total", str(statement.total))
    console.print(table)
    for warning in statement.warnings:
        console.print(Text(f"warning: {warning}"))


# --- audit ---------------------------------------------------------------------------------------


@audit_app.command("history")
def audit_history(case_id: str, as_json: JsonOption = False) -> None:
    """The case's actions in order, read from its Temporal history."""

    async def go() -> None:
        client = await connect_client(load_settings())
        try:
            history = await audit.case_history(client, case_id)
        except RPCError as error:
            raise _rpc_failure(case_id, error) from error
        entries = audit.actions_from_history(history)
        if as_json:
            print_json([asdict(entry) for entry in entries])
            return
        table = Table("when", "what", "by", "detail", "document sha256", "recorded")
        for e in entries:
            table.add_row(
                _local(e.at),
                e.kind,
                e.actor,
                e.detail,
                e.document_sha256 or "",
                "yes" if e.confirmed else "pending",
            )
        console.print(table)

    run(go)


@audit_app.command("replay")
def audit_replay(
    case_id: Annotated[str | None, typer.Argument(help="One case; or use --all.")] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Replay every case's history.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Replay histories against today's workflow code and say whether each is deterministic."""
    if (case_id is None) == (not all_cases):
        raise typer.BadParameter("give one case id or --all")

    async def go() -> list[audit.ReplayOutcome]:
        client = await connect_client(load_settings())
        if case_id is not None:
            try:
                return [await audit.replay_history(await audit.case_history(client, case_id))]
            except RPCError as error:
                raise _rpc_failure(case_id, error) from error
        return [outcome async for outcome in audit.replay_all(client)]

    outcomes = run(go)
    if as_json:
        print_json([asdict(o) for o in outcomes])
    else:
        for o in outcomes:
            verdict = (
                "[green]deterministic[/green]"
                if o.deterministic
                else f"[red]NOT deterministic[/red]: {o.failure}"
            )
            console.print(f"{o.case_id} ({o.run_id}): {verdict}")
        bad = sum(not o.deterministic for o in outcomes)
        console.print(f"{len(outcomes)} case(s) replayed, {bad} not deterministic")
    if any(not o.deterministic for o in outcomes):
        raise typer.Exit(1)


@app.command()
def dossier(
    case_id: str,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder to create (default: ./dossier-ID).", file_okay=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a case's litigation file: its documents, Temporal history, timeline and journal, with
    every file's SHA-256 in a manifest."""
    target = output or Path(f"dossier-{case_id}")

    async def go() -> litigation.LitigationFile:
        settings = load_settings()
        client = await connect_client(settings)
        async with _open_database(settings) as database:
            try:
                return await litigation.litigation_file(client, database, settings, case_id, target)
            except RPCError as error:
                raise _rpc_failure(case_id, error) from error
            except litigation.LitigationFileError as error:
                raise CommandFailed(str(error)) from error

    written = run(go)
    if as_json:
        print_json({"folder": str(written.folder), "files": written.files, "not_found": written.not_found})
        return
    console.print(f"{written.folder}: {len(written.files)} files, each with its SHA-256 in manifest.json")
    for sha256 in written.not_found:
        console.print(f"[yellow]warning:[/yellow] the journal records a document {sha256} found in no file")


# --- letter --------------------------------------------------------------------------------------

StepArgument = Annotated[
    str, typer.Argument(help="The letter's step, as the policy names it (e.g. formal_notice).")
]


def _plain_name(what: str, value: str) -> str:
    """A case id or step key names a folder of the data folder: never a path."""
    if not value or value in {".", ".."} or Path(value).name != value:
        raise BadOption(what, f"{value!r} is not a {what.lower()} name")
    return value


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"%PDF-"


async def _tell_case_of_delivery(settings: Settings, case_id: str) -> str | None:
    """Signal ``delivery_reported``: the case asks the registered-mail provider for news at once.
    Returns why the case was not told when it has ended or does not exist."""
    client = await connect_client(settings)
    try:
        await case_handle(client, case_id).signal(InvoiceCollectionWorkflow.delivery_reported)
        return None
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise _rpc_failure(case_id, error) from error
    try:
        description = await client.get_workflow_handle(case_id).describe()
    except RPCError:
        return f"no case {case_id!r} to tell: nothing follows the letter"
    ended = description.status.name.lower() if description.status else "ended"
    return f"case {case_id} is not running ({ended}): it will not read this"


def _record_for_case(
    case_id: str, step: str, record: Callable[[Settings], T], as_json: bool, summary: Callable[[T], Any]
) -> tuple[T, str | None]:
    """Write what the post reports to the letter's record, then tell the case. A case that cannot be
    told leaves the record written: a warning, not a failure."""

    async def go() -> tuple[T, str | None]:
        settings = load_settings()
        try:
            recorded = await asyncio.to_thread(record, settings)
        except LookupError as error:
            raise CommandFailed(str(error)) from error
        except ValueError as error:
            raise CommandFailed(f"{case_id}/{step}: refused: {error}") from error
        try:
            warning = await _tell_case_of_delivery(settings, case_id)
        except CommandFailed as failure:
            raise CommandFailed(
                f"{case_id}/{step}: recorded, but the case could not be told ({failure}); it asks for "
                "news at its next check, or run this command again to tell it now"
            ) from failure
        return recorded, warning

    recorded, warning = run(go)
    if warning:
        errors.print(f"[yellow]warning:[/yellow] recorded, but {warning}", highlight=False)
    if as_json:
        print_json(
            {
                "case_id": case_id,
                "step": step,
                **summary(recorded),
                "case_told": warning is None,
                "warning": warning,
            }
        )
    return recorded, warning


@letter_app.command("tracking")
def letter_tracking(
    case_id: str,
    step: StepArgument,
    number: Annotated[str, typer.Argument(help="The number the post gave the letter once posted.")],
    as_json: JsonOption = False,
) -> None:
    """Record the post's tracking number of a postal registered letter; the case asks for news now."""
    try:
        _plain_name("CASE", case_id)
        _plain_name("STEP", step)
    except BadOption as error:
        raise _usage_error(error) from None
    _, warning = _record_for_case(
        case_id,
        step,
        lambda settings: record_postal_tracking(settings, case_id, step, number),
        as_json,
        lambda _: {"tracking_number": number.strip()},
    )
    if not as_json:
        told = "" if warning else "; the case asks for news now"
        console.print(f"{case_id}/{step}: tracking number {number.strip()} recorded{told}", highlight=False)


@letter_app.command("event")
def letter_event(
    case_id: str,
    step: StepArgument,
    kind: Annotated[
        str,
        typer.Argument(
            help="What the post reports: deposited, first_presentation, received, refused or not_claimed."
        ),
    ],
    at: Annotated[
        str,
        typer.Option(
            "--at",
            help="When, as the post reports it: 2026-03-04T11:20 (Paris time unless an offset is "
            "given), or a date.",
        ),
    ],
    proof: Annotated[
        Path | None,
        typer.Option(
            help="The post's proof, a PDF: deposit slip, signed acknowledgment of receipt, letter "
            "returned unclaimed.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record what the post reports on a postal registered letter, with its proof; the case asks for
    news now (a receipt starts the notice's deadline)."""
    try:
        _plain_name("CASE", case_id)
        _plain_name("STEP", step)
        if kind not in {item.value for item in DeliveryEventKind}:
            raise BadOption(
                "KIND", f"{kind!r} is not deposited, first_presentation, received, refused or not_claimed"
            )
        moment = _option("--at", moment_from_text, at)
        if moment > datetime.now(UTC):
            raise BadOption("--at", f"{at} is in the future")
        if proof is not None and not proof.is_file():
            raise BadOption("--proof", f"{proof} is not a file")
        if proof is not None and not _is_pdf(proof):
            raise BadOption("--proof", f"{proof} is not a PDF")
    except BadOption as error:
        raise _usage_error(error) from None
    event, warning = _record_for_case(
        case_id,
        step,
        lambda settings: record_postal_event(
            settings, case_id, step, DeliveryEventKind(kind), moment, proof_path=proof
        ),
        as_json,
        lambda event: {"event": to_json(event)},
    )
    if not as_json:
        proved = f", proof SHA-256 {event.proof.sha256}" if event.proof else ""
        told = "" if warning else "; the case asks for news now"
        console.print(
            f"{case_id}/{step}: {event.kind.value} at {_local(event.at)} recorded{proved}{told}",
            highlight=False,
        )


# --- label ---------------------------------------------------------------------------------------

CreditorOption = Annotated[str, typer.Option("--creditor", help="The creditor's SIREN, as imported.")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="File to write.", dir_okay=False)]


@asynccontextmanager
async def _open_database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.effective_database_url)
    try:
        await database.migrate()
        yield database
    finally:
        await database.dispose()


@label_app.command("verify")
def label_verify(code: str, as_json: JsonOption = False) -> None:
    """Check a label's code: the case, step, date and document SHA-256 the journal keeps for it."""

    async def go() -> list[CaseEvent]:
        async with _open_database(load_settings()) as database:
            try:
                events = await labels.verify_label(database, code)
            except labels.LabelRefused as error:
                raise CommandFailed(str(error)) from error
        if not events:
            raise CommandFailed(f"unknown label code {code}: no document in the journal carries it")
        return events

    events = run(go)
    if as_json:
        fields = {"label_code", "case_id", "step_key", "kind", "occurred_at", "document_sha256", "detail"}
        print_json([e.model_dump(mode="json", include=fields) for e in events])
        return
    for e in events:
        console.print(f"[green]{e.label_code}: issued by Relance[/green]")
        for name, value in (
            ("case", e.case_id),
            ("step", e.step_key),
            ("kind", e.kind),
            ("date", _local(e.occurred_at)),
            ("document sha256", e.document_sha256),
        ):
            console.print(f"  {name:<16}{value or '-'}")


def _issue_label(
    output: Path, agent: str, as_json: bool, issue: Callable[[Database], Awaitable[labels.IssuedLabel]]
) -> None:
    """Issue a label, write its document, then journal it (its code verifies from then on)."""

    async def go() -> labels.IssuedLabel:
        async with _open_database(load_settings()) as database:
            try:
                issued = await issue(database)
            except labels.LabelRefused as error:
                raise CommandFailed(str(error)) from error
            write_atomically(output, issued.pdf)
            await labels.record_label(database, issued, agent or default_agent(), datetime.now(UTC))
        return issued

    issued = run(go)
    if as_json:
        print_json(
            {
                "path": str(output),
                "sha256": issued.sha256,
                "label_code": issued.code,
                "case_id": issued.case_id,
            }
        )
    else:
        console.print(f"{output}: {issued.detail}, code {issued.code} (case {issued.case_id})")


@label_app.command("invoice")
def label_invoice(
    file: Annotated[Path, typer.Argument(help="The invoice PDF.", exists=True, dir_okay=False)],
    creditor: CreditorOption,
    output: OutputOption,
    invoice: Annotated[
        str | None, typer.Option(help="Invoice number (read from a Factur-X invoice when not given).")
    ] = None,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Put the green label on an invoice of a creditor who accepted the charter; attachments kept."""
    _issue_label(
        output, agent, as_json, lambda database: labels.label_invoice_file(database, creditor, file, invoice)
    )


@label_app.command("attestation")
def label_attestation(
    creditor: CreditorOption,
    output: OutputOption,
    invoice: Annotated[str | None, typer.Option(help="Number of the invoice it is joined to.")] = None,
    agent: AgentOption = "",
    as_json: JsonOption = False,
) -> None:
    """Issue the charter attestation of a creditor who accepted it, for one invoice or for all."""
    templates_dir = load_settings().templates_dir
    today = datetime.now(LOCAL_ZONE).date()
    _issue_label(
        output,
        agent,
        as_json,
        lambda database: labels.issue_attestation(database, templates_dir, creditor, today, invoice),
    )


@label_app.command("image")
def label_image_command(
    colour: Annotated[LabelColour, typer.Option("--colour", help="Which label.")],
    output: OutputOption,
    image_format: Annotated[LabelImageFormat, typer.Option("--format", help="Image format.")] = (
        LabelImageFormat.PNG
    ),
) -> None:
    """Write a label as an image (PNG or SVG), for stickers, invoices and web pages."""
    write_atomically(output, label_image(colour, image_format))
    console.print(f"{output}: {colour.value} label ({image_format.value})")


def main() -> None:
    try:
        app()
        code: int | str | None = 0
    except SystemExit as exit_:
        code = exit_.code
    if isinstance(code, str):
        errors.print(code)
        code = 1
    # The Temporal client's native threads can outlive the event loop and crash the interpreter's
    # teardown (temporalio/sdk-python issue 300): once the command is done and its output flushed,
    # the process ends without that teardown.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    sys.exit(main())
